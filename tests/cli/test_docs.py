"""The CLI documents itself: docs/cli.md is current and every command has real help."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from darkfleet.cli.main import COMMAND_MODULES, cli, register_all_commands

REPO = Path(__file__).resolve().parents[2]


def _commands() -> list[tuple[str, click.Command]]:
    register_all_commands()
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


def test_every_command_is_in_the_lazy_map_with_its_own_module() -> None:
    registered = {
        name: command.callback.__module__
        for name, command in _commands()
        if command.callback is not None and name != "version"
    }
    assert registered == COMMAND_MODULES


def test_running_ingest_does_not_import_the_other_commands() -> None:
    code = (
        "import sys\n"
        "from darkfleet.cli.main import main\n"
        "try:\n    main(['ingest', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('darkfleet.cli.')))\n"
        "print('sqlalchemy' in sys.modules, 'darkfleet.fuse.dossier' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    modules, heavy = run.stdout.strip().splitlines()[-2:]
    assert "darkfleet.cli.ingest" in modules
    for other in ("demo", "vessel", "workspace", "reports", "sanctions", "evaluate"):
        assert f"darkfleet.cli.{other}'" not in modules, other
    assert heavy == "False False"
