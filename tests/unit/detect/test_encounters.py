from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.detect.encounters import EncounterParams, detect_encounters
from darkfleet.errors import ConfigError
from tests.unit.detect.motion_helpers import T0, context, north_of, stationary

NONE = context()


def pair(
    duration: timedelta,
    *,
    metres: float = 300.0,
    start: datetime = T0,
    sog_knots: float = 0.5,
    a: int = 412_000_002,
    b: int = 273_000_001,
    lat: float = 42.0,
    lon: float = 132.0,
) -> pl.DataFrame:
    first = stationary(a, start=start, duration=duration, sog_knots=sog_knots, lat=lat, lon=lon)
    second = stationary(
        b, start=start, duration=duration, sog_knots=sog_knots, lat=north_of(lat, metres), lon=lon
    )
    return pl.concat([first, second])


def test_encounter_at_exactly_min_duration_with_smaller_mmsi_first() -> None:
    events = detect_encounters(pair(timedelta(hours=2)), EncounterParams(), NONE)
    assert events.height == 1
    row = events.row(0, named=True)
    assert (row["mmsi"], row["other_mmsi"]) == (273_000_001, 412_000_002)
    assert row["end_ts"] - row["start_ts"] == timedelta(hours=2)
    assert row["type"] == "encounter"
    info = json.loads(row["details"])
    assert info["duration_h"] == 2.0
    assert info["n_bins"] == 13
    assert info["n_filled_bins"] == 0
    assert info["median_distance_m"] == pytest.approx(300.0, abs=1.0)
    assert info["median_sog_knots"] == 0.5
    assert info["other_median_sog_knots"] == 0.5
    assert info["distance_to_port_km"] is None
    assert row["lat"] == pytest.approx(north_of(42.0, 150.0), abs=1e-6)
    assert dict(events.schema) == dict(schema.EVENTS)


def test_no_encounter_just_below_min_duration() -> None:
    events = detect_encounters(pair(timedelta(hours=1, minutes=55)), EncounterParams(), NONE)
    assert events.height == 0


@pytest.mark.parametrize(("metres", "expected"), [(490.0, 1), (510.0, 0)])
def test_distance_threshold(metres: float, expected: int) -> None:
    events = detect_encounters(pair(timedelta(hours=3), metres=metres), EncounterParams(), NONE)
    assert events.height == expected


def test_fast_pairs_are_not_encounters() -> None:
    events = detect_encounters(pair(timedelta(hours=3), sog_knots=2.0), EncounterParams(), NONE)
    assert events.height == 0


def test_encounter_across_midnight() -> None:
    start = datetime(2023, 10, 1, 23, tzinfo=UTC)
    events = detect_encounters(pair(timedelta(hours=3), start=start), EncounterParams(), NONE)
    assert events.height == 1
    assert events["start_ts"][0] == start
    assert events["end_ts"][0] == datetime(2023, 10, 2, 2, tzinfo=UTC)


def test_encounter_near_a_port_is_ignored() -> None:
    port = [("X", "Harbour", "RUS", 42.05, 132.0)]  # ~5.5 km north of the pair
    far_port = [("X", "Harbour", "RUS", 42.2, 132.0)]  # ~22 km
    positions = pair(timedelta(hours=3))
    assert detect_encounters(positions, EncounterParams(), context(ports=port)).height == 0
    events = detect_encounters(positions, EncounterParams(), context(ports=far_port))
    assert events.height == 1
    assert json.loads(events["details"][0])["distance_to_port_km"] == pytest.approx(22.0, abs=0.5)


@pytest.mark.parametrize(("port_km", "expected"), [(9.8, 0), (10.2, 1)])
def test_port_distance_threshold_between_the_screen_and_the_rule(
    port_km: float, expected: int
) -> None:
    """Bins 9.5-10 km from a port pass the in-port screen; the 10 km rule on the pair's
    midpoint decides. A second pair far away keeps the search busy."""
    near = pair(timedelta(hours=3))  # vessels at 42.0 and 300 m north: midpoint +150 m
    far = pair(timedelta(hours=3), a=412_000_010, b=412_000_011, lat=30.0)
    port = [("X", "Harbour", "RUS", north_of(42.0, 150.0 + port_km * 1000.0), 132.0)]
    events = detect_encounters(pl.concat([near, far]), EncounterParams(), context(ports=port))
    assert events.filter(pl.col("other_mmsi") == 412_000_002).height == expected
    assert events.filter(pl.col("mmsi") == 412_000_010).height == 1


def test_short_hole_is_interpolated_long_hole_splits() -> None:
    positions = pair(timedelta(hours=4))
    minutes = (pl.col("ts") - T0).dt.total_minutes()
    short_hole = positions.filter((pl.col("mmsi") != 273_000_001) | ~minutes.is_between(60, 110))
    events = detect_encounters(short_hole, EncounterParams(), NONE)
    assert events.height == 1
    assert json.loads(events["details"][0])["n_filled_bins"] == 5
    long_hole = positions.filter((pl.col("mmsi") != 273_000_001) | ~minutes.is_between(60, 190))
    assert detect_encounters(long_hole, EncounterParams(), NONE).height == 0


def test_encounter_heard_only_on_hourly_satellite_passes_with_a_missed_pass() -> None:
    # regression (issue 3, found by darkfleet evaluate): a 6 h transfer off Rajin, beyond
    # coastal stations, heard only during 15-minute satellite passes each hour; a missed
    # pass left holes of 1.5-1.7 h and the 1 h fill split it into pieces under 2 h
    minutes = (pl.col("ts") - T0).dt.total_minutes()
    missed = minutes.is_between(120, 179) | minutes.is_between(240, 299)
    heard = (minutes % 60 < 15) & ~missed
    positions = pair(timedelta(hours=6)).filter(heard)
    events = detect_encounters(positions, EncounterParams(), NONE)
    assert events.height == 1
    assert json.loads(events["details"][0])["duration_h"] >= 5.0
    one_hour = EncounterParams(max_fill=timedelta(hours=1))
    assert detect_encounters(positions, one_hour, NONE).height == 0


def test_encounter_across_the_antimeridian() -> None:
    first = stationary(1, duration=timedelta(hours=3), lon=179.9985)
    second = stationary(2, duration=timedelta(hours=3), lon=-179.9985)
    events = detect_encounters(pl.concat([first, second]), EncounterParams(), NONE)
    assert events.height == 1
    assert abs(events["lon"][0]) == pytest.approx(180.0, abs=1e-3)


def test_three_vessels_give_three_pairs() -> None:
    trio = pl.concat(
        [
            stationary(1, duration=timedelta(hours=3)),
            stationary(2, duration=timedelta(hours=3), lat=north_of(42.0, 200.0)),
            stationary(3, duration=timedelta(hours=3), lat=north_of(42.0, 400.0)),
        ]
    )
    events = detect_encounters(trio, EncounterParams(), NONE)
    assert events.select("mmsi", "other_mmsi").rows() == [(1, 2), (1, 3), (2, 3)]


def test_position_only_source_uses_implied_speed() -> None:
    positions = pair(timedelta(hours=3)).with_columns(
        pl.lit(None, dtype=pl.Float32).alias("sog_knots")
    )
    assert detect_encounters(positions, EncounterParams(), NONE).height == 1


def test_empty_and_single_vessel_inputs_give_empty_frames() -> None:
    for positions in (schema.empty(schema.POSITIONS), stationary(1, duration=timedelta(hours=3))):
        events = detect_encounters(positions, EncounterParams(), NONE)
        assert events.height == 0
        assert dict(events.schema) == dict(schema.EVENTS)


def test_callers_frame_is_not_mutated() -> None:
    positions = pair(timedelta(hours=3)).reverse()
    before = positions.clone()
    detect_encounters(positions.lazy(), EncounterParams(), NONE)
    assert_frame_equal(positions, before)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_distance_m", 0.0),
        ("min_duration", timedelta(0)),
        ("max_median_speed_knots", -1.0),
        ("min_port_distance_km", -1.0),
        ("min_port_distance_km", "10"),
        ("max_pair_speed_knots", 1.0),
        ("max_fill", timedelta(days=1)),
    ],
)
def test_bad_parameters_raise_config_error_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"detect.encounter.{field}"):
        EncounterParams(**{field: value})  # type: ignore[arg-type]


def test_encounter_times_are_report_times_not_bin_boundaries() -> None:
    start = T0 + timedelta(minutes=3)
    events = detect_encounters(pair(timedelta(hours=2), start=start), EncounterParams(), NONE)
    assert events["start_ts"][0] == start
    assert events["end_ts"][0] == start + timedelta(hours=2)


_CROWDED_PORT = """
from datetime import UTC, datetime, timedelta
import numpy as np
import polars as pl
from darkfleet import schema
from darkfleet.detect.context import GeoContext
from darkfleet.detect.encounters import EncounterParams, detect_encounters

n_vessels, n_reports = 3_000, 73  # 6 h every 5 min: 37 bins of 10 min
rng = np.random.default_rng(3)
t0 = datetime(2023, 10, 1, tzinfo=UTC)
positions = schema.conform(
    pl.DataFrame(
        {
            "mmsi": np.repeat(np.arange(n_vessels) + 273_000_000, n_reports),
            "ts": [t0 + timedelta(minutes=5 * k) for k in range(n_reports)] * n_vessels,
            "lat": np.repeat(42.0 + rng.uniform(0, 0.003, n_vessels), n_reports),
            "lon": np.repeat(132.0 + rng.uniform(0, 0.003, n_vessels), n_reports),
            "sog_knots": np.full(n_vessels * n_reports, 0.2),
            "msg_type": np.ones(n_vessels * n_reports, dtype=np.int64),
        }
    ),
    schema.POSITIONS,
)
port = schema.conform(
    pl.DataFrame({"port_id": ["P"], "name": ["Port"], "country": ["RUS"],
                  "lat": [42.001], "lon": [132.001]}),
    schema.PORTS,
)
events = detect_encounters(positions, EncounterParams(), GeoContext(ports=port))
# VmHWM: this process's peak RSS (ru_maxrss would keep the forking parent's peak)
status = open("/proc/self/status").read().split("VmHWM:")[1]
print(events.height, int(status.split()[0]) // 1024)
"""


@pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads the child's peak RSS from Linux /proc"
)
def test_a_crowded_port_neither_pairs_everyone_nor_runs_out_of_memory() -> None:
    """3,000 vessels anchored within 300 m in a port for 6 h: 4.5M near pairs per bin
    (165M in all; the unbounded pair search needed several GB and raised MemoryError on
    a 30,000-vessel store). In-port bins never reach the pair search now."""
    done = subprocess.run(
        [sys.executable, "-c", _CROWDED_PORT],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3] / "src")},
        timeout=300,
    )
    n_events, peak_mb = (int(v) for v in done.stdout.split())  # peak RSS of the child, MB
    assert n_events == 0
    assert peak_mb < 600


def test_a_crowded_offshore_anchorage_gives_every_pair() -> None:
    """Sixty vessels within 300 m, away from ports: all 1,770 pairs meet."""
    rng = np.random.default_rng(5)
    frames = [
        stationary(
            273_000_000 + k,
            duration=timedelta(hours=3),
            lat=42.0 + float(rng.uniform(0, 0.002)),
            lon=132.0 + float(rng.uniform(0, 0.002)),
        )
        for k in range(60)
    ]
    events = detect_encounters(pl.concat(frames), EncounterParams(), NONE)
    assert events.height == 60 * 59 // 2
    assert (events["mmsi"] < events["other_mmsi"]).all()
