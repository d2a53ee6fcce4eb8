"""The CLI documents itself: docs/cli.md is current and every command has real help."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click
import pytest

from darkfleet.cli.main import _register_commands, cli

REPO = Path(__file__).resolve().parents[2]


def _commands() -> list[tuple[str, click.Command]]:
    _register_commands()
    return sorted(cli.commands.items())


def test_docs_cli_md_is_generated_from_the_current_help() -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_cli_docs", REPO / "scripts" / "gen_cli_docs.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.render()
    actual = (REPO / "docs" / "cli.md").read_text()
    assert actual == expected, "docs/cli.md is stale: run python scripts/gen_cli_docs.py"


@pytest.mark.parametrize(("name", "command"), _commands())
def test_every_command_has_a_short_summary_and_examples(name: str, command: click.Command) -> None:
    assert command.help, f"{name} has no help"
    first_line = command.help.strip().splitlines()[0]
    assert len(first_line) <= 60, f"{name}: first help line longer than 60 characters"
    assert "Examples:" in command.help, f"{name}: help lacks an Examples: block"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts}: option without help"


def test_every_command_appears_in_the_docs() -> None:
    text = (REPO / "docs" / "cli.md").read_text()
    for name, _ in _commands():
        assert f"## `darkfleet {name}`" in text
