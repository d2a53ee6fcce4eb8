"""``darkfleet simulate`` end to end through the CLI's error handler."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from darkfleet.cli.main import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def test_simulate_writes_feed_truth_and_vessels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(
        [
            "simulate",
            "shuttle",
            "--out",
            str(tmp_path),
            "--seed",
            "1",
            "--vessels",
            "2",
            "--days",
            "3",
        ],
        capsys,
    )
    assert code == 0, err
    assert "wrote" in out
    assert "truth:" in out
    feed = (tmp_path / "feed.nmea").read_text()
    assert feed.startswith("\\s:")
    assert "!AIVDM" in feed
    assert "2023-08-01" in (tmp_path / "truth.jsonl").read_text()
    names = {
        json.loads(line)["name"] for line in (tmp_path / "vessels.jsonl").read_text().splitlines()
    }
    assert {"ANGARA", "LADY R", "MAIA-1", "MARIA"} <= names


def test_simulate_start_moves_the_feed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(
        [
            "simulate",
            "shuttle",
            "--out",
            str(tmp_path),
            "--vessels",
            "0",
            "--days",
            "1",
            "--start",
            "2024-01-01T00:00Z",
        ],
        capsys,
    )
    assert code == 0, err
    first = (tmp_path / "feed.nmea").read_text().splitlines()[0]
    assert int(first.split("c:")[1].split("*")[0]) >= 1_704_067_200


def test_simulate_refuses_a_naive_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(
        ["simulate", "shuttle", "--out", str(tmp_path), "--start", "2023-08-01T00:00"], capsys
    )
    assert code == 2
    assert "Error: --start" in err
    assert "add Z" in err


def test_simulate_refuses_an_unparseable_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        ["simulate", "shuttle", "--out", str(tmp_path), "--start", "yesterday"], capsys
    )
    assert code == 2
    assert "not an ISO 8601 time" in err


def test_simulate_refuses_zero_days(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["simulate", "shuttle", "--out", str(tmp_path), "--days", "0"], capsys)
    assert code == 2
    assert "days must be within" in err


def test_simulate_refuses_an_unknown_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(["simulate", "armada", "--out", str(tmp_path)], capsys)
    assert code == 2
    assert "armada" in err


def test_simulate_needs_an_output_directory(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["simulate", "shuttle"], capsys)
    assert code == 2
    assert "--out" in err


def test_simulate_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["simulate", "--help"], capsys)
    assert code == 0
    assert "Examples:" in out
    assert "darkfleet simulate shuttle --out ./sim" in out
    assert (
        out.splitlines()[2].strip() == "Write a simulated AIS feed with its planted ground truth."
    )
