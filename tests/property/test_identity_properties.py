"""Invariants of the identity detectors and the shuttle detector: permutation, partition."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.detect.identity_change import IdentityChangeParams, detect_identity_changes
from darkfleet.detect.invalid_identity import InvalidIdentityParams, detect_invalid_identities
from darkfleet.detect.shuttle import ShuttleParams, detect_shuttles

T0 = datetime(2023, 9, 1, tzinfo=UTC)
MIDS = pl.DataFrame({"mid": [273, 445]}, schema={"mid": pl.Int16})

reports = st.tuples(
    st.sampled_from([273_000_001, 445_000_002, 200_000_003, 123_456_789]),
    st.integers(0, 48),  # hour of the report (repeats allowed)
    st.sampled_from([None, "ANGARA", "angara ", "LADY R", "MARIA"]),
    st.sampled_from([None, "UBCT3", "UBCT4"]),
    st.sampled_from([None, 0, 9161003, 9161004, 123]),
    st.sampled_from([None, 0, 70, 79]),
)


def build(
    rows: list[tuple[int, int, str | None, str | None, int | None, int | None]],
) -> pl.DataFrame:
    frame = pl.DataFrame(
        [
            {
                "mmsi": m,
                "ts": T0 + timedelta(hours=h),
                "name": n,
                "callsign": c,
                "imo": i,
                "ship_type": s,
            }
            for m, h, n, c, i, s in rows
        ],
        schema={
            "mmsi": pl.Int64,
            "ts": pl.Datetime("us", "UTC"),
            "name": pl.String,
            "callsign": pl.String,
            "imo": pl.Int64,
            "ship_type": pl.Int16,
        },
    )
    return schema.conform(frame, schema.STATICS)


def per_vessel(statics: pl.DataFrame, run: object) -> pl.DataFrame:
    parts = [
        run(statics.filter(pl.col("mmsi") == m)) for m in sorted(set(statics["mmsi"].to_list()))
    ]  # type: ignore[operator]
    return pl.concat([schema.empty(schema.EVENTS), *parts])


@given(st.lists(reports, max_size=40), st.integers(0, 2**32 - 1))
def test_identity_changes_are_permutation_and_partition_invariant(rows: list, seed: int) -> None:  # type: ignore[type-arg]
    statics = build(rows)
    params = IdentityChangeParams()
    expected = detect_identity_changes(statics, params)
    shuffled = statics.sample(fraction=1.0, shuffle=True, seed=seed)
    assert_frame_equal(detect_identity_changes(shuffled, params), expected)
    assert_frame_equal(per_vessel(statics, lambda f: detect_identity_changes(f, params)), expected)
    assert expected["event_id"].n_unique() == expected.height
    for row in expected.iter_rows(named=True):
        info = json.loads(row["details"])
        assert info["old"] != info["new"]
        assert row["start_ts"] <= row["end_ts"]


@given(st.lists(reports, max_size=40), st.integers(0, 2**32 - 1))
def test_invalid_identities_are_permutation_and_partition_invariant(rows: list, seed: int) -> None:  # type: ignore[type-arg]
    statics = build(rows)
    params = InvalidIdentityParams()
    expected = detect_invalid_identities(statics, None, params, MIDS)
    shuffled = statics.sample(fraction=1.0, shuffle=True, seed=seed)
    assert_frame_equal(detect_invalid_identities(shuffled, None, params, MIDS), expected)
    assert_frame_equal(
        per_vessel(statics, lambda f: detect_invalid_identities(f, None, params, MIDS)), expected
    )
    assert expected["event_id"].n_unique() == expected.height
    # Ships with an assigned MID can only have IMO problems.
    valid_ships = expected.filter(pl.col("mmsi").is_in([273_000_001, 445_000_002]))
    assert all(json.loads(d)["rule"].startswith("imo_") for d in valid_ships["details"])


GROUPS = {
    "PRK-NAJIN": "PRK",
    "PRK-CHONGJIN": "PRK",
    "RUS-DUNAY": "RUS-FE",
    "RUS-VOSTOCHNYY": "RUS-FE",
    "KOR-BUSAN": "KOR",
}
visits_strategy = st.lists(
    st.tuples(
        st.integers(1, 3), st.integers(0, 200), st.integers(1, 72), st.sampled_from(sorted(GROUPS))
    ),
    max_size=30,
)


@given(visits_strategy, st.integers(0, 2**32 - 1), st.integers(1, 3))
def test_shuttles_are_permutation_and_partition_invariant(
    rows: list, seed: int, trips: int
) -> None:  # type: ignore[type-arg]
    frame = schema.conform(
        pl.DataFrame(
            [
                {
                    "event_id": f"e{i}",
                    "type": "port_visit",
                    "mmsi": m,
                    "start_ts": T0 + timedelta(days=d),
                    "end_ts": T0 + timedelta(days=d, hours=h),
                    "port": p,
                    "details": json.dumps({"port_id": p}),
                }
                for i, (m, d, h, p) in enumerate(rows)
            ],
            schema={
                "event_id": pl.String,
                "type": pl.String,
                "mmsi": pl.Int64,
                "start_ts": pl.Datetime("us", "UTC"),
                "end_ts": pl.Datetime("us", "UTC"),
                "port": pl.String,
                "details": pl.String,
            },
        ),
        schema.EVENTS,
    )
    params = ShuttleParams(port_groups=GROUPS, min_round_trips=trips)
    expected = detect_shuttles(frame, params)
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
    assert_frame_equal(detect_shuttles(shuffled, params), expected)
    assert_frame_equal(per_vessel(frame, lambda f: detect_shuttles(f, params)), expected)
    for details in expected["details"]:
        info = json.loads(details)
        assert info["n_round_trips"] >= trips
        assert "KOR-BUSAN" not in {t["port_id"] for t in info["trips"]}
