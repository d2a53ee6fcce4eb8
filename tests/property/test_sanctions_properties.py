"""Invariants of sanctions screening: normalisation, blocking recall, row order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from rapidfuzz import fuzz

from darkfleet import schema
from darkfleet.fuse.identity import identity_periods
from darkfleet.fuse.sanctions.formats import ENTRY_COLUMNS
from darkfleet.fuse.sanctions.match import screen_vessels
from darkfleet.fuse.sanctions.names import similar_name_pairs
from darkfleet.fuse.sanctions.normalize import normalize_name

T0 = datetime(2023, 9, 1, tzinfo=UTC)
MIDS = pl.DataFrame(
    {"mid": [273, 351], "iso3": ["RUS", "PAN"]}, schema={"mid": pl.Int16, "iso3": pl.String}
)
WORDS = ["LADY", "R", "MARIA", "MARIYA", "ANGARA", "MAIA", "1", "SEA", "STAR", "SEA STAR", "OCEAN"]

names = st.text(
    alphabet=st.sampled_from(list("ABCMRSTY -/.'1Мария") + ["Ş", "é", "금"]), max_size=16
)
ship_names = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)


@given(names)
def test_normalisation_is_idempotent(name: str) -> None:
    once = normalize_name(name)
    assert normalize_name(once) == once
    assert once == once.strip()
    assert "  " not in once


@given(st.lists(ship_names, min_size=1, max_size=8), st.lists(ship_names, min_size=1, max_size=8))
@settings(max_examples=60)
def test_blocking_finds_every_pair_a_full_comparison_finds(
    left: list[str], right: list[str]
) -> None:
    left = [normalize_name(n) for n in left]
    right = [normalize_name(n) for n in right]
    blocked = similar_name_pairs(pl.Series(left), pl.Series(right), min_score=88.0)
    found = set(zip(blocked["left_idx"].to_list(), blocked["right_idx"].to_list(), strict=True))
    expected = {
        (i, j) for i, a in enumerate(left) for j, b in enumerate(right) if fuzz.ratio(a, b) >= 88.0
    }
    assert found == expected


reports = st.lists(
    st.tuples(
        st.sampled_from([273_000_001, 273_000_002, 351_000_003]),
        st.integers(0, 30),
        st.sampled_from([None, "LADY R", "MARIA", "MARIYA", "SEA STAR", "ANGARA"]),
        st.sampled_from([None, 9161003, 9179842]),
        st.sampled_from([None, 70, 30]),
    ),
    max_size=12,
)
listed = st.lists(
    st.tuples(
        st.sampled_from(["LADY R", "Мария", "SEA STARS", "ANGARA"]),
        st.sampled_from([None, 9161003, 9179842]),
        st.sampled_from([None, 273_000_002]),
        st.sampled_from([None, "RUS", "PAN"]),
    ),
    max_size=5,
)


def build(rows: list[tuple[int, int, str | None, int | None, int | None]]) -> pl.DataFrame:
    frame = pl.DataFrame(
        [
            {
                "mmsi": m,
                "ts": T0 + timedelta(days=d),
                "name": n,
                "imo": i,
                "ship_type": t,
                "file_id": "f",
                "line_no": k,
            }
            for k, (m, d, n, i, t) in enumerate(rows)
        ],
        schema={
            "mmsi": pl.Int64,
            "ts": schema.UTC_US,
            "name": pl.String,
            "imo": pl.Int64,
            "ship_type": pl.Int16,
            "file_id": pl.String,
            "line_no": pl.Int64,
        },
    )
    return schema.conform(frame, schema.STATICS)


def build_entries(rows: list[tuple[str, int | None, int | None, str | None]]) -> pl.DataFrame:
    frame = pl.DataFrame(
        [
            {
                "list": "l",
                "entry_id": f"e{k}",
                "name": n,
                "imo": i,
                "mmsi": m,
                "flag": f,
                "vessel_type": "cargo",
            }
            for k, (n, i, m, f) in enumerate(rows)
        ],
        schema={
            "list": pl.String,
            "entry_id": pl.String,
            "name": pl.String,
            "imo": pl.Int64,
            "mmsi": pl.Int64,
            "flag": pl.String,
            "vessel_type": pl.String,
        },
    )
    return schema.conform(frame, ENTRY_COLUMNS)


@given(reports, listed, st.integers(0, 2**16))
@settings(max_examples=40)
def test_screening_does_not_depend_on_row_order(
    report_rows: list[tuple[int, int, str | None, int | None, int | None]],
    entry_rows: list[tuple[str, int | None, int | None, str | None]],
    seed: int,
) -> None:
    statics = build(report_rows)
    entries = build_entries(entry_rows)
    shuffled_statics = statics.sample(fraction=1.0, shuffle=True, seed=seed)
    shuffled_entries = entries.sample(fraction=1.0, shuffle=True, seed=seed + 1)
    first = screen_vessels(identity_periods(statics, MIDS), entries)
    second = screen_vessels(identity_periods(shuffled_statics, MIDS), shuffled_entries)
    assert_frame_equal(first.events, second.events)
    assert_frame_equal(first.near_misses, second.near_misses)
    # every event refers to a screened vessel and lies inside its reports
    if first.events.height:
        assert set(first.events["mmsi"]) <= set(statics["mmsi"])
        assert first.events["start_ts"].min() >= statics["ts"].min()
        assert first.events["end_ts"].max() <= statics["ts"].max()
