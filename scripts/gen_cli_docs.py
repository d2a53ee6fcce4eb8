"""Write docs/cli.md from the CLI's own --help texts (a test checks it is current).

Run: python scripts/gen_cli_docs.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from darkfleet.cli.main import cli, register_all_commands

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            found.extend(_walk(command.commands[name], [*path, name]))
    return found


def render() -> str:
    """Return the Markdown text of docs/cli.md."""
    register_all_commands()
    parts = [
        "# darkfleet command line\n",
        "Generated from `--help` by `python scripts/gen_cli_docs.py`; do not edit by hand.\n",
        "Results go to stdout, progress and logs to stderr. Exit codes: 0 success, 1 internal",
        "error, 2 usage or configuration error, 3 input error (or rejects above",
        "`--max-reject-ratio`), 4 store error, 10 findings with `--fail-on-findings`,",
        "130 interrupted.\n",
    ]
    for path, command in _walk(cli, ["darkfleet"]):
        name = " ".join(path)
        with click.Context(
            command, info_name=name, terminal_width=100, help_option_names=["-h", "--help"]
        ) as ctx:
            text = command.get_help(ctx)
        parts.append(f"## `{name}`\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if DOC.read_text() == text else 1)
    DOC.write_text(text)
