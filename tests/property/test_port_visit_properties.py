"""Invariants of detect_port_visits: permutation, partition, containment, monotonicity."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.detect.context import GeoContext
from darkfleet.detect.port_visit import PortVisitParams, detect_port_visits
from darkfleet.units import EARTH_RADIUS_M

T0 = datetime(2023, 10, 1, tzinfo=UTC)
PORTS = pl.DataFrame(
    {
        "port_id": ["PRK-NAJIN", "PRK-NAJIN", "RUS-DUNAY"],
        "name": ["Najin", "Najin", "Dunay"],
        "country": ["PRK", "PRK", "RUS"],
        "lat": [42.2333, 42.2400, 42.88028],
        "lon": [130.3, 130.3, 132.3375],
    }
)
CONTEXT = GeoContext(ports=PORTS)

fixes = st.tuples(
    st.integers(0, 900),  # minutes since the previous fix (0: same instant)
    st.floats(0.0, 6_000.0),  # metres from the chosen port point
    st.sampled_from([0.0, 90.0, 180.0, 270.0]),
    st.sampled_from([0, 2]),  # which port point
    st.sampled_from([None, 0.0, 0.2, 7.5]),
)
fleets = st.lists(st.lists(fixes, max_size=25), min_size=1, max_size=3)


def build(fleet: list[list[tuple[int, float, float, int, float | None]]]) -> pl.DataFrame:
    rows = []
    for v, track in enumerate(fleet):
        ts = T0
        for minutes, distance_m, bearing, port, sog in track:
            ts += timedelta(minutes=minutes)
            lat0, lon0 = math.radians(PORTS["lat"][port]), math.radians(PORTS["lon"][port])
            d, theta = distance_m / EARTH_RADIUS_M, math.radians(bearing)
            lat = math.asin(
                math.sin(lat0) * math.cos(d) + math.cos(lat0) * math.sin(d) * math.cos(theta)
            )
            lon = lon0 + math.atan2(
                math.sin(theta) * math.sin(d) * math.cos(lat0),
                math.cos(d) - math.sin(lat0) * math.sin(lat),
            )
            rows.append(
                {
                    "mmsi": 273_000_000 + v,
                    "ts": ts,
                    "lat": math.degrees(lat),
                    "lon": math.degrees(lon),
                    "sog_knots": sog,
                }
            )
    frame = pl.DataFrame(
        rows,
        schema={
            "mmsi": pl.Int64,
            "ts": pl.Datetime("us", "UTC"),
            "lat": pl.Float64,
            "lon": pl.Float64,
            "sog_knots": pl.Float32,
        },
    )
    return schema.conform(frame, schema.POSITIONS)


@given(fleets, st.integers(0, 2**32 - 1))
def test_shuffled_rows_give_the_same_events(fleet: list, seed: int) -> None:  # type: ignore[type-arg]
    positions = build(fleet)
    expected = detect_port_visits(positions, PortVisitParams(), CONTEXT)
    shuffled = positions.sample(fraction=1.0, shuffle=True, seed=seed)
    assert_frame_equal(detect_port_visits(shuffled, PortVisitParams(), CONTEXT), expected)


@given(fleets)
def test_per_vessel_runs_concatenated_equal_one_run(fleet: list) -> None:  # type: ignore[type-arg]
    positions = build(fleet)
    whole = detect_port_visits(positions, PortVisitParams(), CONTEXT)
    parts = [
        detect_port_visits(positions.filter(pl.col("mmsi") == m), PortVisitParams(), CONTEXT)
        for m in sorted(set(positions["mmsi"].to_list()))
    ]
    assert_frame_equal(pl.concat([schema.empty(schema.EVENTS), *parts]), whole)


@given(fleets)
def test_events_lie_inside_the_input(fleet: list) -> None:  # type: ignore[type-arg]
    positions = build(fleet)
    events = detect_port_visits(positions, PortVisitParams(), CONTEXT)
    assert events.schema == pl.Schema(schema.EVENTS)
    assert set(events["mmsi"].to_list()) <= set(positions["mmsi"].to_list())
    if events.height:
        assert events["start_ts"].min() >= positions["ts"].min()  # type: ignore[operator]
        assert events["end_ts"].max() <= positions["ts"].max()  # type: ignore[operator]
        assert (events["end_ts"] - events["start_ts"]).min() >= timedelta(minutes=30)  # type: ignore[operator]
        # visits of one vessel never overlap (they may touch when two positions share an
        # instant, e.g. a spoofed position in another port)
        ordered = events.sort("mmsi", "start_ts")
        same = ordered["mmsi"].shift(-1) == ordered["mmsi"]
        assert (~same.fill_null(False) | (ordered["end_ts"] <= ordered["start_ts"].shift(-1))).all()


@given(fleets, st.integers(0, 600))
def test_raising_min_dwell_never_adds_visits(fleet: list, extra_minutes: int) -> None:  # type: ignore[type-arg]
    positions = build(fleet)
    base = PortVisitParams()
    stricter = PortVisitParams(min_dwell=base.min_dwell + timedelta(minutes=extra_minutes))
    key = ["mmsi", "start_ts", "end_ts"]
    loose = set(detect_port_visits(positions, base, CONTEXT).select(key).iter_rows())
    strict = set(detect_port_visits(positions, stricter, CONTEXT).select(key).iter_rows())
    assert strict <= loose


@given(fleets)
def test_event_ids_are_unique_even_without_min_dwell(fleet: list) -> None:  # type: ignore[type-arg]
    events = detect_port_visits(build(fleet), PortVisitParams(min_dwell=timedelta(0)), CONTEXT)
    assert events["event_id"].is_unique().all()
