from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.detect.context import DistanceGrid
from darkfleet.detect.spoofing import SpoofingParams, detect_spoofing
from darkfleet.errors import ConfigError
from darkfleet.testing import make_track
from tests.unit.detect.motion_helpers import T0, context, sea_grid

NO_LAND = SpoofingParams(check_land=False)
NONE = context()


def rules(events: pl.DataFrame) -> list[str]:
    return [json.loads(text)["rule"] for text in events["details"]]


def with_jump(
    *, jump_deg: float, at: int = 10, seconds: float = 120.0, n: int = 20
) -> pl.DataFrame:
    """A track whose position ``at`` is displaced ``jump_deg`` north (and back after)."""
    track = make_track(n=n, step=timedelta(seconds=seconds), sog_knots=0.0)
    return track.with_columns(
        pl.when(pl.col("line_no") == at + 1)
        .then(pl.col("lat") + jump_deg)
        .otherwise(pl.col("lat"))
        .alias("lat")
    )


def test_impossible_jump_is_one_speed_event_with_evidence() -> None:
    positions = with_jump(jump_deg=1.0)
    events, _ = detect_spoofing(positions, NO_LAND, NONE)
    assert rules(events) == ["speed"]
    info = json.loads(events["details"][0])
    assert info["n_offending_positions"] == 2  # there and back
    assert info["n_positions"] == 3
    assert len(info["jumps"]) == 2
    jump = info["jumps"][0]
    assert jump["distance_nm"] == pytest.approx(60.04, abs=0.01)
    assert jump["implied_speed_knots"] == pytest.approx(60.04 / (120 / 3600), abs=0.1)
    assert info["max_implied_speed_knots"] == pytest.approx(1801.2, abs=0.1)
    assert events["lat"][0] == pytest.approx(43.0)
    assert info["also_rules"] == []
    assert info["tracks"] is None
    assert dict(events.schema) == dict(schema.EVENTS)


def test_jump_below_distance_floor_is_gps_noise() -> None:
    # 0.9 nm in 2 s would be 1,620 kn, but under the 1 nm floor
    positions = with_jump(jump_deg=0.9 / 60.04, seconds=2.0)
    events, _ = detect_spoofing(positions, NO_LAND, NONE)
    assert events.height == 0


def test_speed_just_at_bound_is_allowed_and_above_fires() -> None:
    # 10 nm in 12 minutes is exactly 50 kn
    exact = 10.0 / 60.04
    ok, _ = detect_spoofing(with_jump(jump_deg=exact * 0.999, seconds=720.0), NO_LAND, NONE)
    bad, _ = detect_spoofing(with_jump(jump_deg=exact * 1.05, seconds=720.0), NO_LAND, NONE)
    assert ok.height == 0
    assert rules(bad) == ["speed"]


def test_same_timestamp_far_apart_is_infinitely_fast_and_null_in_json() -> None:
    track = make_track(n=2, step=timedelta(0))
    track = track.with_columns(pl.Series("lat", [42.0, 43.0]))
    events, _ = detect_spoofing(track, NO_LAND, NONE)
    assert rules(events) == ["speed"]
    assert json.loads(events["details"][0])["max_implied_speed_knots"] is None


def test_aircraft_are_excluded() -> None:
    positions = with_jump(jump_deg=1.0).with_columns(pl.lit(9, dtype=pl.Int8).alias("msg_type"))
    events, tracks = detect_spoofing(positions, NO_LAND, NONE)
    assert events.height == 0
    assert tracks.height == positions.height
    assert tracks["track"].to_list() == [0] * positions.height


def test_jumps_hours_apart_are_separate_episodes() -> None:
    early = with_jump(jump_deg=1.0, n=20)
    late = with_jump(jump_deg=1.0, n=20).with_columns(pl.col("ts") + timedelta(hours=7))
    events, _ = detect_spoofing(pl.concat([early, late]), NO_LAND, NONE)
    assert rules(events) == ["speed", "speed"]


def interleaved(n: int = 40) -> pl.DataFrame:
    a = make_track(mmsi=5, n=n, step=timedelta(minutes=2), lat=42.0, lon=132.0)
    b = make_track(
        mmsi=5,
        n=n,
        step=timedelta(minutes=2),
        lat=44.0,
        lon=135.0,
        start_ts=T0 + timedelta(minutes=1),
    )
    return pl.concat([a, b]).sample(fraction=1.0, shuffle=True, seed=3)


def test_two_interleaved_tracks_are_one_event_and_split() -> None:
    events, tracks = detect_spoofing(interleaved(), NO_LAND, NONE)
    assert rules(events) == ["interleaved"]
    info = json.loads(events["details"][0])
    assert info["n_switches"] == 79
    assert [track["n_positions"] for track in info["tracks"]] == [40, 40]
    assert info["n_offending_positions"] == 40
    assert len(info["offending_positions"]) == 20  # listed up to max_listed_positions
    assert info["max_implied_speed_knots"] > 1000
    split = tracks.group_by("track_mmsi").agg(pl.col("lat").mean().round(0)).sort("track_mmsi")
    assert split.rows() == [(5, 42.0), (51, 44.0)]
    assert tracks.schema["track"] == pl.Int8
    assert tracks.schema["track_mmsi"] == pl.Int64


def test_main_track_is_the_one_with_more_positions() -> None:
    positions = interleaved(30).filter(
        ~((pl.col("lat") < 43) & (pl.col("line_no") > 20))
    )  # track at 42 N keeps 20 positions, track at 44 N keeps 30
    _, tracks = detect_spoofing(positions, NO_LAND, NONE)
    main = tracks.filter(pl.col("track") == 0)
    assert main.height == 30
    assert main["lat"].mean() == pytest.approx(44.0, abs=0.1)


def test_split_tracks_let_other_detectors_see_two_vessels() -> None:
    from darkfleet.detect.gaps import GapParams, detect_gaps

    _, tracks = detect_spoofing(interleaved(), NO_LAND, NONE)
    as_vessels = tracks.with_columns(pl.col("track_mmsi").alias("mmsi"))
    assert as_vessels["mmsi"].n_unique() == 2
    assert detect_gaps(as_vessels.drop("track", "track_mmsi"), GapParams(), NONE).height == 0


def test_few_alternations_are_not_interleaving() -> None:
    positions = interleaved().filter((pl.col("ts") - T0).dt.total_minutes() < 6)
    events, tracks = detect_spoofing(positions, NO_LAND, NONE)
    assert "interleaved" not in rules(events)
    assert tracks["track"].max() == 0


def test_random_glitches_are_not_a_second_track() -> None:
    rng = np.random.default_rng(1)
    track = make_track(n=60, step=timedelta(minutes=2), sog_knots=0.0)
    glitch = rng.random(60) < 0.3
    noisy = track.with_columns(
        pl.Series("lat", np.where(glitch, rng.uniform(-60, 60, 60), track["lat"].to_numpy()))
    )
    events, tracks = detect_spoofing(noisy, NO_LAND, NONE)
    assert "interleaved" not in rules(events)
    assert set(rules(events)) == {"speed"}
    assert tracks["track"].max() == 0


def land_grid() -> DistanceGrid:
    values = np.full((180, 360), 250.0, np.float32)
    values[90 + 50, 180 + 30] = -150.0  # the cell 50..51 N, 30..31 E is deep inland
    values[90 + 51, 180 + 30] = -50.0  # 51..52 N: "land" but near water (river, canal)
    return DistanceGrid(values, -90.0, -180.0, 1.0)


def test_positions_deep_on_land_fire_and_shallow_land_does_not() -> None:
    deep = make_track(mmsi=1, n=5, lat=50.5, lon=30.5, sog_knots=0.0)
    shallow = make_track(mmsi=2, n=5, lat=51.5, lon=30.5, sog_knots=0.0)
    events, _ = detect_spoofing(
        pl.concat([deep, shallow]), SpoofingParams(), context(shore=land_grid())
    )
    assert events["mmsi"].to_list() == [1]
    assert rules(events) == ["land"]
    info = json.loads(events["details"][0])
    assert info["min_distance_to_shore_km"] == -150.0
    assert info["n_offending_positions"] == 5
    assert info["n_positions"] == 5


def test_land_positions_near_a_port_are_exempt() -> None:
    deep = make_track(mmsi=1, n=5, lat=50.5, lon=30.5, sog_knots=0.0)
    river_port = [("UKR-X", "River port", "UKR", 50.6, 30.5)]
    events, _ = detect_spoofing(
        deep, SpoofingParams(), context(shore=land_grid(), ports=river_port)
    )
    assert events.height == 0


def test_land_rule_needs_a_shore_grid_unless_switched_off() -> None:
    with pytest.raises(ConfigError, match="check_land=False"):
        detect_spoofing(make_track(n=3), SpoofingParams(), NONE)
    events, _ = detect_spoofing(make_track(n=3), NO_LAND, NONE)
    assert events.height == 0


def test_rules_with_the_same_start_merge_into_one_event() -> None:
    # the first position is deep on land and the next one far away at sea: the land
    # episode and the speed episode (which starts at the jump's "from") share a start
    track = make_track(mmsi=1, n=3, lat=50.5, lon=30.5, sog_knots=0.0, step=timedelta(minutes=2))
    track = track.with_columns(pl.Series("lat", [50.5, 10.0, 10.0]))
    events, _ = detect_spoofing(track, SpoofingParams(), context(shore=land_grid()))
    assert events.height == 1
    info = json.loads(events["details"][0])
    assert info["rule"] == "land"
    assert info["also_rules"] == ["speed"]
    assert events["end_ts"][0] == track["ts"][1]  # the later end of the two


def test_tracks_frame_keeps_every_input_row_in_vessel_time_order() -> None:
    positions = pl.concat(
        [
            interleaved(),
            make_track(mmsi=7, n=3).with_columns(pl.lit(None, dtype=pl.Float64).alias("lat")),
        ]
    )
    _, tracks = detect_spoofing(positions, NO_LAND, NONE)
    assert tracks.height == positions.height
    assert tracks.columns == [*schema.POSITIONS, "track", "track_mmsi"]
    assert tracks.filter(pl.col("mmsi") == 7)["track"].to_list() == [0, 0, 0]
    assert tracks["mmsi"].is_sorted()


def test_empty_input_gives_empty_frames_with_full_schema() -> None:
    events, tracks = detect_spoofing(
        schema.empty(schema.POSITIONS), SpoofingParams(), context(shore=sea_grid())
    )
    assert events.height == 0
    assert dict(events.schema) == dict(schema.EVENTS)
    assert tracks.height == 0
    assert tracks.columns == [*schema.POSITIONS, "track", "track_mmsi"]


def test_callers_frame_is_not_mutated() -> None:
    positions = interleaved()
    before = positions.clone()
    detect_spoofing(positions, NO_LAND, NONE)
    detect_spoofing(positions.lazy(), NO_LAND, NONE)
    assert_frame_equal(positions, before)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_speed_knots", 0.0),
        ("min_jump_nm", -1.0),
        ("min_inland_km", 300.0),
        ("port_exempt_km", 0.0),
        ("episode_gap", timedelta(0)),
        ("min_switches", 0),
        ("min_track_positions", 2.5),
        ("max_refinements", 51),
        ("max_listed_positions", True),
        ("max_track_jump_ratio", 1.5),
        ("check_land", "yes"),
    ],
)
def test_bad_parameters_raise_config_error_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"detect.spoofing.{field}"):
        SpoofingParams(**{field: value})  # type: ignore[arg-type]


def test_jump_inside_one_of_two_interleaved_tracks_is_reported_on_that_track() -> None:
    positions = interleaved().with_columns(
        pl.when((pl.col("lat") > 43) & (pl.col("line_no") == 20))
        .then(pl.col("lat") + 1.0)
        .otherwise(pl.col("lat"))
        .alias("lat")
    )
    events, tracks = detect_spoofing(positions, NO_LAND, NONE)
    assert sorted(rules(events)) == ["interleaved", "speed"]
    speed = json.loads(
        events.filter(pl.col("details").str.contains('"rule":"speed"'))["details"][0]
    )
    assert speed["n_offending_positions"] == 2  # onto the glitch and back, on its track
    assert speed["n_positions"] == 3  # three consecutive positions of that track
    assert all(jump["distance_nm"] > 50 for jump in speed["jumps"])
    assert tracks["track_mmsi"].n_unique() == 2


def test_real_ship_keeps_its_track_after_the_clone_falls_silent() -> None:
    # regression (issue 3, found by darkfleet evaluate): after a clone stopped, the real
    # ship's positions were given to the clone's stale track whenever reaching its last
    # position needed a lower speed than the ship's own 5-minute step; the ship then
    # showed false gaps (its track-0 positions had holes) and the event ran for days
    step = timedelta(minutes=5)
    real = make_track(mmsi=5, n=12 * 24 * 4, step=step, lat=35.0, lon=129.0, sog_knots=12.0)
    k = pl.int_range(pl.len()) % 120
    real = real.with_columns(  # 12 kn up and down a 60 nm leg: 1 nm per 5-minute step
        (pl.col("lat") + pl.when(k < 60).then(k).otherwise(120 - k) / 60.0).alias("lat")
    )
    clone = make_track(
        mmsi=5, n=12 * 24, step=step, start_ts=T0 + timedelta(minutes=2), lat=38.0, lon=121.0
    )  # one day in the Bohai, 400 nm west, then silent
    events, tracks = detect_spoofing(pl.concat([real, clone]), NO_LAND, NONE)
    assert rules(events) == ["interleaved"]
    assert events["end_ts"][0] <= T0 + timedelta(days=1)
    later = pl.col("ts") > T0 + timedelta(days=1)
    after = tracks.filter(later)
    assert after.height == real.filter(later).height == 12 * 24 * 3 - 1
    assert after["track"].to_list() == [0] * after.height
