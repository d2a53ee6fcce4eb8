from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.detect.context import DistanceGrid
from darkfleet.detect.loitering import LoiteringParams, detect_loitering
from darkfleet.errors import ConfigError
from tests.unit.detect.motion_helpers import T0, context, north_of, sea_grid, stationary

SEA = context(shore=sea_grid())


def test_loitering_reported_at_exactly_min_duration() -> None:
    events = detect_loitering(stationary(1, duration=timedelta(hours=4)), LoiteringParams(), SEA)
    assert events.height == 1
    assert events["end_ts"][0] - events["start_ts"][0] == timedelta(hours=4)
    info = json.loads(events["details"][0])
    assert info["duration_h"] == 4.0
    assert info["n_positions"] == 49
    assert info["mean_sog_knots"] == 0.5
    assert info["distance_from_shore_nm"] == pytest.approx(250.0 / 1.852, abs=1e-3)
    assert events["type"][0] == "loitering"
    assert dict(events.schema) == dict(schema.EVENTS)


def test_loitering_not_reported_just_below_min_duration() -> None:
    positions = stationary(1, duration=timedelta(hours=3, minutes=55))
    assert detect_loitering(positions, LoiteringParams(), SEA).height == 0


def test_speed_equal_to_threshold_is_not_slow() -> None:
    positions = stationary(1, duration=timedelta(hours=6), sog_knots=2.0)
    assert detect_loitering(positions, LoiteringParams(), SEA).height == 0


def test_loitering_across_midnight() -> None:
    start = datetime(2023, 10, 1, 22, tzinfo=UTC)
    events = detect_loitering(
        stationary(1, start=start, duration=timedelta(hours=5)), LoiteringParams(), SEA
    )
    assert events.height == 1
    assert events["end_ts"][0] == datetime(2023, 10, 2, 3, tzinfo=UTC)


def test_near_shore_is_not_loitering() -> None:
    near = context(shore=sea_grid(20.0 * 1.852 - 0.1))
    at_limit = context(shore=sea_grid(20.0 * 1.852))
    positions = stationary(1, duration=timedelta(hours=6))
    assert detect_loitering(positions, LoiteringParams(), near).height == 0
    assert detect_loitering(positions, LoiteringParams(), at_limit).height == 1


def test_long_silence_splits_the_loiter() -> None:
    first = stationary(1, duration=timedelta(hours=3))
    second = stationary(1, start=T0 + timedelta(hours=6, minutes=1), duration=timedelta(hours=3))
    assert detect_loitering(pl.concat([first, second]), LoiteringParams(), SEA).height == 0


def test_two_missed_satellite_passes_do_not_split_the_loiter() -> None:
    # regression (issue 3, found by darkfleet evaluate): a planted 8 h loiter far offshore,
    # heard on satellite passes only, had a 2.2 h hole and fell into two pieces under 4 h
    first = stationary(1, duration=timedelta(hours=2, minutes=30))
    second = stationary(1, start=T0 + timedelta(hours=4, minutes=42), duration=timedelta(hours=3))
    events = detect_loitering(pl.concat([first, second]), LoiteringParams(), SEA)
    assert events.height == 1
    assert events["end_ts"][0] - events["start_ts"][0] == timedelta(hours=7, minutes=42)
    two_hours = LoiteringParams(max_interval=timedelta(hours=2))
    assert detect_loitering(pl.concat([first, second]), two_hours, SEA).height == 0


def test_vessel_with_company_is_not_alone() -> None:
    loiterer = stationary(1, duration=timedelta(hours=6))
    companion = stationary(2, duration=timedelta(hours=1), lat=north_of(42.0, 400.0))
    events = detect_loitering(pl.concat([loiterer, companion]), LoiteringParams(), SEA)
    # vessel 1 had company; vessel 2 is too short to loiter
    assert events.height == 0


def test_ship_passing_under_way_is_not_company() -> None:
    # regression (issue 3, found by darkfleet evaluate): a ship passing a planted loiter at
    # 12.6 kn within 500 m for one 10-minute bin made the loiterer "not alone"
    loiterer = stationary(1, duration=timedelta(hours=6))
    passing = stationary(
        2, start=T0 + timedelta(hours=3), duration=timedelta(minutes=10), lat=north_of(42.0, 200.0)
    ).with_columns(pl.lit(12.6, dtype=pl.Float32).alias("sog_knots"))
    events = detect_loitering(pl.concat([loiterer, passing]), LoiteringParams(), SEA)
    assert events["mmsi"].to_list() == [1]
    slow = passing.with_columns(pl.lit(4.9, dtype=pl.Float32).alias("sog_knots"))
    assert detect_loitering(pl.concat([loiterer, slow]), LoiteringParams(), SEA).height == 0
    unknown = passing.with_columns(pl.lit(None, dtype=pl.Float32).alias("sog_knots"))
    assert detect_loitering(pl.concat([loiterer, unknown]), LoiteringParams(), SEA).height == 0
    strict = LoiteringParams(max_company_speed_knots=20.0)
    assert detect_loitering(pl.concat([loiterer, passing]), strict, SEA).height == 0


def test_vessel_beyond_company_distance_is_alone() -> None:
    loiterer = stationary(1, duration=timedelta(hours=6))
    distant = stationary(2, duration=timedelta(hours=6), lat=north_of(42.0, 700.0))
    events = detect_loitering(pl.concat([loiterer, distant]), LoiteringParams(), SEA)
    assert sorted(events["mmsi"].to_list()) == [1, 2]


def test_company_outside_the_loiter_time_does_not_count() -> None:
    loiterer = stationary(1, duration=timedelta(hours=6))
    later = stationary(
        2, start=T0 + timedelta(hours=8), duration=timedelta(hours=1), lat=north_of(42.0, 100.0)
    )
    events = detect_loitering(pl.concat([loiterer, later]), LoiteringParams(), SEA)
    assert events["mmsi"].to_list() == [1]


def test_company_across_the_antimeridian_counts() -> None:
    loiterer = stationary(1, duration=timedelta(hours=6), lon=179.9999)
    neighbour = stationary(2, duration=timedelta(hours=1), lon=-179.9999)
    events = detect_loitering(pl.concat([loiterer, neighbour]), LoiteringParams(), SEA)
    assert events.height == 0


def test_aircraft_are_neither_loiterers_nor_company() -> None:
    loiterer = stationary(1, duration=timedelta(hours=6))
    aircraft = stationary(2, duration=timedelta(hours=6), lat=north_of(42.0, 100.0)).with_columns(
        pl.lit(9, dtype=pl.Int8).alias("msg_type")
    )
    events = detect_loitering(pl.concat([loiterer, aircraft]), LoiteringParams(), SEA)
    assert events["mmsi"].to_list() == [1]


def test_missing_sog_uses_implied_speed() -> None:
    positions = stationary(1, duration=timedelta(hours=6)).with_columns(
        pl.lit(None, dtype=pl.Float32).alias("sog_knots")
    )
    assert detect_loitering(positions, LoiteringParams(), SEA).height == 1


def test_shore_grid_is_required() -> None:
    with pytest.raises(ConfigError, match="shore distance grid"):
        detect_loitering(stationary(1, duration=timedelta(hours=6)), LoiteringParams(), context())


def test_empty_input_gives_empty_frame_with_full_schema() -> None:
    events = detect_loitering(schema.empty(schema.POSITIONS).lazy(), LoiteringParams(), SEA)
    assert events.height == 0
    assert dict(events.schema) == dict(schema.EVENTS)


def test_callers_frame_is_not_mutated() -> None:
    positions = stationary(1, duration=timedelta(hours=6)).reverse()
    before = positions.clone()
    detect_loitering(positions, LoiteringParams(), SEA)
    assert_frame_equal(positions, before)


def test_real_grid_lookup_is_used_per_position() -> None:
    # grid: sea (100 km) in the north half of each degree row, land-near (5 km) in the south
    values = np.full((180, 360), 100.0, np.float32)
    values[90 + 41, :] = 5.0  # the band 41..42 N
    grid = DistanceGrid(values, -90.0, -180.0, 1.0)
    inside = stationary(1, duration=timedelta(hours=6), lat=41.5)
    outside = stationary(2, duration=timedelta(hours=6), lat=42.5)
    events = detect_loitering(pl.concat([inside, outside]), LoiteringParams(), context(shore=grid))
    assert events["mmsi"].to_list() == [2]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_speed_knots", 0.0),
        ("max_speed_knots", -2.0),
        ("min_duration", timedelta(hours=-1)),
        ("min_duration", 4),
        ("min_shore_distance_nm", 0.0),
        ("max_company_distance_m", 1e9),
        ("max_company_speed_knots", 0.0),
        ("max_interval", timedelta(0)),
        ("max_fill", timedelta(hours=-1)),
        ("max_fill", 60),
    ],
)
def test_bad_parameters_raise_config_error_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"detect.loitering.{field}"):
        LoiteringParams(**{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize(("lat", "lon"), [(41.99999, 131.99999), (42.04999, 132.09999)])
def test_company_across_cell_boundaries_counts(lat: float, lon: float) -> None:
    # neighbours 30 m away in the next 1 degree and 0.1 degree cells
    loiterer = stationary(1, duration=timedelta(hours=6), lat=lat, lon=lon)
    neighbour = stationary(2, duration=timedelta(hours=1), lat=lat + 0.0002, lon=lon + 0.0002)
    events = detect_loitering(pl.concat([loiterer, neighbour]), LoiteringParams(), SEA)
    assert events.height == 0


def test_sparse_companion_is_interpolated_between_reports() -> None:
    loiterer = stationary(1, duration=timedelta(hours=6))
    sparse = stationary(
        2, duration=timedelta(hours=6), step=timedelta(minutes=50), lat=north_of(42.0, 200.0)
    )
    events = detect_loitering(pl.concat([loiterer, sparse]), LoiteringParams(), SEA)
    assert events.height == 0
