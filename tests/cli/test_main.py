from __future__ import annotations

import subprocess
import sys

import pytest

from darkfleet.cli.main import main


def test_installed_console_script_prints_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "darkfleet", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Usage: darkfleet" in result.stdout


def test_version_prints_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    import darkfleet

    with pytest.raises(SystemExit) as info:
        main(["version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"darkfleet {darkfleet.__version__}"


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["no-such-command"])
    assert info.value.code == 2
    assert "No such command" in capsys.readouterr().err
