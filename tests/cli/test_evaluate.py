"""``darkfleet evaluate`` end to end: simulate, ingest, detect and score a small run."""

from __future__ import annotations

import json

import polars as pl
import pytest

from darkfleet.cli.main import main
from darkfleet.simulate import simulate


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


SMALL = ["evaluate", "--seeds", "1", "--fleet-sizes", "5", "--days", "5", "--scenario", "shuttle"]


def test_evaluate_json_scores_a_small_shuttle_run(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run([*SMALL, "--format", "json"], capsys)
    assert code == 0, err
    assert "1/1 shuttle seed 1 fleet 5" in err
    report = json.loads(out)
    assert report["plan"] == {
        "days": 5,
        "fleet_sizes": [5],
        "planted_ratio": 0.02,
        "scenarios": ["shuttle"],
        "seeds": [1],
        "slack_s": 3600.0,
    }
    truth = simulate("shuttle", seed=1, vessels=5, days=5).truth
    planted_gaps = truth.filter(pl.col("type") == "gap").height
    assert planted_gaps >= 3  # the shuttle ships go dark within five days
    summary = {row["type"]: row for row in report["summary"]}
    assert summary["gap"]["planted"] == planted_gaps
    assert summary["gap"]["found"] == planted_gaps
    assert summary["gap"]["recall"] == 1.0
    assert summary["port_visit"]["planted"] == truth.filter(pl.col("type") == "port_visit").height
    (run,) = report["runs"]
    assert run["scenario"] == "shuttle"
    assert run["seed"] == 1
    assert run["vessels"] == simulate("shuttle", seed=1, vessels=5, days=5).vessels.height
    assert 0 < run["quiet_vessels"] < run["vessels"]
    # quiet vessels are seen every day of the five
    assert run["quiet_vessel_days"] == 5 * run["quiet_vessels"]
    assert sum(row["quiet_false"] for row in run["scores"]) == 0
    # only the planted dark Rajin calls are missed: no detector emits dark_port_call here
    assert {m["type"] for m in run["missed"]} <= {"dark_port_call"}
    for kind in ("encounter", "loitering", "spoofing", "identity_change", "invalid_identity"):
        assert summary[kind]["found"] == summary[kind]["planted"] >= 1, kind


def test_evaluate_markdown_is_a_table_with_one_row_per_type(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _run([*SMALL, "--format", "markdown"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("| scenario | type | planted | found | recall |")
    assert lines[1].startswith("|---|")
    gap = next(line for line in lines if line.startswith("| shuttle | gap |"))
    cells = [c.strip() for c in gap.strip("|").split("|")]
    assert cells[4] == "1.000"  # recall
    assert cells[-1] == "0.00"  # no false gap on quiet traffic


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seeds", "5-2"], "--seeds '5-2': range 5-2 ends before it starts"),
        (["--seeds", "a"], "--seeds 'a': 'a' is not an integer or a range"),
        (["--seeds", ""], "is not an integer or a range LO-HI"),
        (["--fleet-sizes", "10,x"], "--fleet-sizes '10,x': 'x' is not an integer"),
        (["--fleet-sizes", "2000000"], "values must be within 0-1000000"),
        (
            ["--scenario", "atlantic"],
            "--scenario 'atlantic' is unknown; use one of: random, shuttle",
        ),
        (["--days", "0"], "--days 0 is out of range; use 1-366"),
        (["--planted-ratio", "0.5"], "--planted-ratio 0.5 is out of range; use 0-0.1"),
        (["--seeds", "0-999", "--fleet-sizes", "1,2"], "at most 1000"),
    ],
)
def test_evaluate_rejects_bad_input_with_a_clear_error(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(["evaluate", *args], capsys)
    assert code == 2
    assert out == ""
    assert message in err
    assert err.startswith("Error: ")
