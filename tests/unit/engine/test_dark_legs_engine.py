"""darkfleet detect's dark-leg and shuttle steps: a shuttle with dark calls, incrementally."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.detect.context import DistanceGrid, GeoContext
from darkfleet.engine.detect import run_detection
from darkfleet.engine.detect_config import build_detect_config
from darkfleet.reference import load_mid_table
from darkfleet.store import MemoryStore, Store
from darkfleet.testing import make_track

T0 = datetime(2023, 9, 1, tzinfo=UTC)
SHUTTLER = 273_000_001
QUIET = 440_000_002
DUNAY = (42.88028, 132.3375)
PORTS = schema.conform(
    pl.DataFrame(
        {
            "port_id": ["PRK-NAJIN", "RUS-DUNAY", "KOR-PUSAN"],
            "name": ["Najin", "Dunay", "Pusan"],
            "country": ["PRK", "RUS", "KOR"],
            "lat": [42.23333, DUNAY[0], 35.1],
            "lon": [130.3, DUNAY[1], 129.03],
        }
    ),
    schema.PORTS,
)
SEA = DistanceGrid(
    values_km=np.full((180, 360), 250.0, dtype=np.float32),
    lat_min=-90.0,
    lon_min=-180.0,
    cell_deg=1.0,
)
CONTEXT = GeoContext(
    ports=PORTS, sensitive_port_ids=frozenset({"PRK-NAJIN", "RUS-DUNAY"}), shore=SEA
)
GROUPS = {"PRK-NAJIN": "PRK", "RUS-DUNAY": "RUS-FE"}
TEN_MIN = timedelta(minutes=10)


def _round_trip(start: datetime) -> pl.DataFrame:
    """12 h at Dunay, 2 h sailing out, 50 h dark (time for Rajin), 2 h sailing back."""
    stay = make_track(
        mmsi=SHUTTLER, start_ts=start, n=72, step=TEN_MIN, lat=DUNAY[0], lon=DUNAY[1], sog_knots=0.0
    )
    out = make_track(
        mmsi=SHUTTLER,
        start_ts=start + timedelta(hours=12),
        n=12,
        step=TEN_MIN,
        lat=42.80,
        lon=132.34,
        sog_knots=11.0,
        cog_deg=180.0,
    )
    back = make_track(
        mmsi=SHUTTLER,
        start_ts=start + timedelta(hours=64),
        n=12,
        step=TEN_MIN,
        lat=42.62,
        lon=132.34,
        sog_knots=11.0,
        cog_deg=0.0,
    )
    # ordinary traffic in the Yellow Sea: 30 h south, a 10 h reception gap, 30 h north
    south = make_track(
        mmsi=QUIET, start_ts=start, n=60, step=3 * TEN_MIN, lat=33.0, lon=124.0, cog_deg=180.0
    )
    north = make_track(
        mmsi=QUIET,
        start_ts=start + timedelta(hours=40),
        n=60,
        step=3 * TEN_MIN,
        lat=float(south["lat"][-1]),
        lon=124.0,
        cog_deg=0.0,
    )
    return pl.concat([stay, out, back, south, north])


def _files() -> list[pl.DataFrame]:
    trips = [_round_trip(T0 + timedelta(days=3 * k)) for k in range(3)]
    home = make_track(
        mmsi=SHUTTLER,
        start_ts=T0 + timedelta(days=9),
        n=72,
        step=TEN_MIN,
        lat=DUNAY[0],
        lon=DUNAY[1],
        sog_knots=0.0,
    )
    return [trips[0], trips[1], pl.concat([trips[2], home])]


def _ingest(store: Store, file_id: str, frame: pl.DataFrame) -> None:
    with store.begin_ingest(file_id=file_id, file=f"{file_id}.nmea") as transaction:
        transaction.write("positions", frame.with_columns(pl.lit(file_id).alias("file_id")))
        transaction.commit(summary={}, ingested_at=T0)


def _run(store: Store, sightings: pl.DataFrame | None = None):  # type: ignore[no-untyped-def]
    return run_detection(
        store,
        context=CONTEXT,
        mid_table=load_mid_table(),
        config=build_detect_config(),
        port_groups=GROUPS,
        sightings=sightings,
    )


def _events(store: Store) -> pl.DataFrame:
    return store.scan("events").collect().sort("type", "mmsi", "start_ts", "event_id")


def _sighting(at: datetime) -> pl.DataFrame:
    row = {name: None for name in schema.SIGHTINGS} | {
        "sighting_id": "img-1",
        "mmsi": SHUTTLER,
        "start_ts": at,
        "end_ts": at,
        "port_id": "PRK-NAJIN",
        "source": "imagery",
    }
    return schema.conform(pl.DataFrame([row]), schema.SIGHTINGS)


def test_detect_finds_the_shuttle_through_its_dark_calls_and_spares_quiet_traffic() -> None:
    store = MemoryStore()
    for number, frame in enumerate(_files()):
        _ingest(store, f"file{number}", frame)
    report = _run(store)
    events = _events(store)
    calls = events.filter(pl.col("type") == "dark_port_call")
    assert set(calls["mmsi"].to_list()) == {SHUTTLER}  # nothing for the quiet vessel
    assert set(calls["port"].to_list()) == {"Najin", "Dunay"}
    assert events.filter((pl.col("type") == "gap") & (pl.col("mmsi") == QUIET)).height >= 3
    shuttles = events.filter(pl.col("type") == "shuttle")
    assert shuttles["mmsi"].to_list() == [SHUTTLER]
    info = json.loads(shuttles["details"][0])
    assert info["n_round_trips"] == 3
    assert [t["port_id"] for t in info["trips"]] == ["RUS-DUNAY", "PRK-NAJIN"] * 3 + ["RUS-DUNAY"]
    assert report.events_written["dark_port_call"] == calls.height
    assert report.dark_legs.gaps == events.filter(pl.col("type") == "gap").height
    assert report.dark_legs.routes_computed > 0


def test_incremental_runs_equal_one_run_over_everything() -> None:
    step = MemoryStore()
    for number, frame in enumerate(_files()):
        _ingest(step, f"file{number}", frame)
        report = _run(step)
        assert report.mode == ("full" if number == 0 else "incremental")
    whole = MemoryStore()
    for number, frame in enumerate(_files()):
        _ingest(whole, f"file{number}", frame)
    _run(whole)
    assert_frame_equal(_events(step), _events(whole))
    assert _events(whole).filter(pl.col("type") == "shuttle").height == 1


def test_new_sightings_rerun_dark_legs_and_equal_a_fresh_run() -> None:
    store = MemoryStore()
    for number, frame in enumerate(_files()):
        _ingest(store, f"file{number}", frame)
    _run(store)
    assert _run(store).mode == "up_to_date"
    sighting = _sighting(T0 + timedelta(hours=40))  # inside the first gap, at Rajin
    assert _run(store, sighting).mode == "full"
    fresh = MemoryStore()
    for number, frame in enumerate(_files()):
        _ingest(fresh, f"file{number}", frame)
    _run(fresh, sighting)
    assert_frame_equal(_events(store), _events(fresh))
    confirmed = [
        json.loads(d)
        for d in _events(store).filter(pl.col("type") == "dark_port_call")["details"].to_list()
        if json.loads(d)["status"] == "confirmed"
    ]
    assert [(c["port_id"], c["sighting_ids"]) for c in confirmed] == [("PRK-NAJIN", ["img-1"])]
