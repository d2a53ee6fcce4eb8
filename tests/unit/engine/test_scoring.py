"""Matching detected events to planted truth (engine.scoring) on hand-built frames."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from darkfleet import schema
from darkfleet.engine.scoring import (
    SCORE_SCHEMA,
    match_events,
    one_call_per_gap,
    planted_mmsis,
    score_types,
)
from darkfleet.simulate.truth import TRUTH_SCHEMA

T0 = datetime(2023, 8, 1, tzinfo=UTC)
H = timedelta(hours=1)

Row = tuple[str, int, int | None, float, float]  # type, mmsi, other_mmsi, start_h, end_h


def _truth(rows: list[Row], planted: bool = True) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "type": [r[0] for r in rows],
            "mmsi": [r[1] for r in rows],
            "other_mmsi": [r[2] for r in rows],
            "start": [T0 + r[3] * H for r in rows],
            "end": [T0 + r[4] * H for r in rows],
            "lat": [0.0] * len(rows),
            "lon": [0.0] * len(rows),
            "port": [None] * len(rows),
            "country": [None] * len(rows),
            "details": [json.dumps({"planted": planted and r[0] != "port_visit"}) for r in rows],
        },
        schema=TRUTH_SCHEMA,
    )


def _events(rows: list[Row]) -> pl.DataFrame:
    n = len(rows)
    return pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "type": [r[0] for r in rows],
            "mmsi": [r[1] for r in rows],
            "start_ts": [T0 + r[3] * H for r in rows],
            "end_ts": [T0 + r[4] * H for r in rows],
            "lat": [0.0] * n,
            "lon": [0.0] * n,
            "other_mmsi": [r[2] for r in rows],
            "port": [None] * n,
            "country": [None] * n,
            "score": [None] * n,
            "details": ["{}"] * n,
        },
        schema=schema.EVENTS,
    )


def _match(truth: list[Row], events: list[Row]) -> tuple[list[bool], list[bool]]:
    t, e = match_events(_truth(truth), _events(events))
    return t.to_list(), e.to_list()


def test_overlapping_event_of_same_type_and_vessel_matches() -> None:
    assert _match([("gap", 1, None, 10, 20)], [("gap", 1, None, 9, 21)]) == ([True], [True])


def test_other_type_or_other_vessel_does_not_match() -> None:
    truth = [("gap", 1, None, 10, 20)]
    events = [("loitering", 1, None, 10, 20), ("gap", 2, None, 10, 20)]
    assert _match(truth, events) == ([False], [False, False])


def test_no_events_leaves_every_truth_item_unfound() -> None:
    assert _match([("gap", 1, None, 0, 8), ("encounter", 1, 2, 3, 9)], []) == (
        [False, False],
        [],
    )


def test_no_truth_leaves_every_event_unmatched() -> None:
    assert _match([], [("gap", 1, None, 0, 8)]) == ([], [False])


def test_encounter_matches_with_the_vessel_pair_swapped() -> None:
    assert _match([("encounter", 100, 200, 5, 11)], [("encounter", 200, 100, 6, 10)]) == (
        [True],
        [True],
    )


def test_encounter_with_another_partner_does_not_match() -> None:
    assert _match([("encounter", 100, 200, 5, 11)], [("encounter", 100, 300, 5, 11)]) == (
        [False],
        [False],
    )


def test_duplicate_events_over_one_truth_item_match_once() -> None:
    # a split visit: two events over one truth item; the longer overlap wins
    truth = [("port_visit", 1, None, 0, 10)]
    events = [("port_visit", 1, None, 0, 3), ("port_visit", 1, None, 4, 10)]
    assert _match(truth, events) == ([True], [False, True])


def test_one_event_over_two_truth_items_matches_once() -> None:
    truth = [("gap", 1, None, 0, 7), ("gap", 1, None, 8, 20)]
    events = [("gap", 1, None, 0, 20)]
    assert _match(truth, events) == ([False, True], [True])


def test_greedy_pairing_keeps_both_items_when_a_second_choice_exists() -> None:
    # event 0 overlaps truth 0 most; event 1 only overlaps truth 0 a little and truth 1 more
    truth = [("gap", 1, None, 0, 10), ("gap", 1, None, 12, 30)]
    events = [("gap", 1, None, 0, 10), ("gap", 1, None, 9, 30)]
    assert _match(truth, events) == ([True, True], [True, True])


def test_slack_allows_an_instant_seen_within_an_hour_but_not_later() -> None:
    truth = [("identity_change", 1, None, 10, 10)]
    assert _match(truth, [("identity_change", 1, None, 10.9, 10.9)]) == ([True], [True])
    assert _match(truth, [("identity_change", 1, None, 11.1, 11.1)]) == ([False], [False])


def test_planted_mmsis_lists_both_encounter_vessels_and_skips_port_visits() -> None:
    truth = _truth(
        [("encounter", 100, 200, 0, 5), ("gap", 300, None, 0, 8), ("port_visit", 400, None, 0, 9)]
    )
    assert planted_mmsis(truth).to_list() == [100, 200, 300]


def test_score_types_counts_recall_precision_and_quiet_false_events() -> None:
    truth = _truth(
        [("gap", 1, None, 0, 10), ("gap", 2, None, 0, 10), ("port_visit", 9, None, 0, 5)]
    )
    events = _events(
        [
            ("gap", 1, None, 0, 10),  # found
            ("gap", 1, None, 30, 40),  # false, planted vessel
            ("gap", 9, None, 30, 40),  # false, quiet vessel
            ("encounter", 1, 9, 3, 5),  # false, touches quiet vessel 9
            ("port_visit", 9, None, 0, 5),  # found
            ("port_visit", 9, None, 6, 8),  # false, but not suspicious
        ]
    )
    scores = score_types(truth, events, [9])
    assert scores.schema == pl.Schema(SCORE_SCHEMA)
    assert scores.rows() == [
        ("encounter", 0, 0, 1, 0, 1),
        ("gap", 2, 1, 3, 1, 1),
        ("port_visit", 1, 1, 2, 1, 0),
    ]


def test_score_types_of_nothing_is_an_empty_frame_with_the_schema() -> None:
    scores = score_types(_truth([]), _events([]), [])
    assert scores.height == 0
    assert scores.schema == pl.Schema(SCORE_SCHEMA)


spans = st.lists(
    st.tuples(
        st.sampled_from(["gap", "encounter"]),
        st.integers(1, 3),
        st.integers(0, 40),
        st.integers(0, 10),
    ),
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(truth=spans, events=spans)
def test_matching_is_one_to_one_and_only_pairs_same_type_and_vessel(
    truth: list[tuple[str, int, int, int]], events: list[tuple[str, int, int, int]]
) -> None:
    def rows(items: list[tuple[str, int, int, int]]) -> list[Row]:
        return [
            (kind, m, 9 if kind == "encounter" else None, start, start + length)
            for kind, m, start, length in items
        ]

    t, e = _match(rows(truth), rows(events))
    assert sum(t) == sum(e)  # every pair has one truth item and one event
    assert sum(t) <= min(len(truth), len(events))
    keys = {(kind, m) for kind, m, _, _ in truth}
    for (kind, m, _, _), matched in zip(events, e, strict=True):
        assert not matched or (kind, m) in keys


def _calls(specs: list[tuple[str, str, float]]) -> pl.DataFrame:
    """Dark port calls (gap_event_id, status, required speed) of vessel 1, plus one gap."""
    rows: list[Row] = [("dark_port_call", 1, None, 10, 20)] * len(specs) + [("gap", 1, None, 5, 25)]
    details = [
        json.dumps({"gap_event_id": g, "status": st_, "required_speed_knots": v})
        for g, st_, v in specs
    ] + ["{}"]
    return _events(rows).with_columns(pl.Series("details", details))


def test_one_call_per_gap_keeps_a_confirmed_call_before_faster_possible_ones() -> None:
    events = _calls([("g1", "possible", 4.0), ("g1", "confirmed", 11.0), ("g1", "possible", 6.0)])
    kept = one_call_per_gap(events)
    calls = kept.filter(pl.col("type") == "dark_port_call")
    assert calls["event_id"].to_list() == ["e1"]  # the confirmed one
    assert kept.filter(pl.col("type") == "gap").height == 1  # other events untouched


def test_one_call_per_gap_keeps_one_call_for_each_gap() -> None:
    events = _calls([("g1", "possible", 7.0), ("g2", "possible", 9.0), ("g1", "possible", 5.0)])
    calls = one_call_per_gap(events).filter(pl.col("type") == "dark_port_call")
    assert sorted(calls["event_id"].to_list()) == ["e1", "e2"]  # g2's only call, g1's slowest
