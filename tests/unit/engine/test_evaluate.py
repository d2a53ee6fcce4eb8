"""The evaluation runner's pure parts: option parsing and the summary over runs."""

from __future__ import annotations

import polars as pl
import pytest

from darkfleet import schema
from darkfleet.engine.evaluate import EvaluationPlan, RunScore, parse_int_list, summarize
from darkfleet.engine.scoring import SCORE_SCHEMA
from darkfleet.errors import ConfigError
from darkfleet.simulate.truth import TRUTH_SCHEMA


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0-9", tuple(range(10))), ("3", (3,)), ("5,1,1", (1, 5)), (" 0 - 2 , 7 ", (0, 1, 2, 7))],
)
def test_int_lists_and_ranges_parse_sorted_and_distinct(text: str, expected: tuple[int]) -> None:
    assert parse_int_list(text, what="--seeds", minimum=0, maximum=100) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "'' is not an integer or a range LO-HI"),
        ("1,,2", "'' is not an integer or a range LO-HI"),
        ("-1", "'-1' is not an integer"),
        ("2-1", "range 2-1 ends before it starts"),
        ("0-101", "values must be within 0-100"),
    ],
)
def test_bad_int_lists_name_the_option_and_the_fix(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match="--seeds") as info:
        parse_int_list(text, what="--seeds", minimum=0, maximum=100)
    assert message in str(info.value)


def test_plan_runs_every_scenario_size_and_seed_in_order() -> None:
    plan = EvaluationPlan(scenarios=("shuttle", "random"), seeds=(0, 1), fleet_sizes=(5,))
    assert plan.runs() == [("shuttle", 5, 0), ("shuttle", 5, 1), ("random", 5, 0), ("random", 5, 1)]


def _run(scenario: str, rows: list[tuple[str, int, int, int, int, int]], days: int) -> RunScore:
    return RunScore(
        scenario=scenario,
        seed=0,
        fleet_size=10,
        days=2,
        vessels=12,
        quiet_vessels=10,
        quiet_vessel_days=days,
        scores=pl.DataFrame(rows, schema=SCORE_SCHEMA, orient="row"),
        missed=pl.DataFrame(schema=TRUTH_SCHEMA),
        false_events=schema.empty(schema.EVENTS),
    )


def test_summary_sums_runs_and_rates_false_events_per_1000_quiet_vessel_days() -> None:
    runs = [
        _run("random", [("gap", 2, 2, 3, 2, 1), ("port_visit", 5, 4, 4, 4, 0)], 400),
        _run("random", [("gap", 2, 1, 1, 1, 0), ("shuttle", 1, 0, 0, 0, 0)], 600),
        _run("shuttle", [("loitering", 0, 0, 1, 0, 1)], 250),
    ]
    summary = summarize(runs)
    rows = {(r["scenario"], r["type"]): r for r in summary.iter_rows(named=True)}
    gap = rows[("random", "gap")]
    assert (gap["planted"], gap["found"], gap["detected"], gap["true_positives"]) == (4, 3, 4, 3)
    assert gap["recall"] == 0.75
    assert gap["precision"] == 0.75
    assert gap["quiet_vessel_days"] == 1000
    assert gap["quiet_false_per_1000_vessel_days"] == 1.0
    assert rows[("random", "port_visit")]["quiet_false_per_1000_vessel_days"] is None
    assert rows[("random", "shuttle")]["precision"] is None  # nothing detected
    loiter = rows[("shuttle", "loitering")]
    assert loiter["recall"] is None  # nothing planted
    assert loiter["quiet_false_per_1000_vessel_days"] == 4.0
    assert list(summary["scenario"]) == ["random"] * 3 + ["shuttle"]


def test_summary_of_no_runs_is_empty_with_every_column() -> None:
    summary = summarize([])
    assert summary.height == 0
    assert "quiet_false_per_1000_vessel_days" in summary.columns
