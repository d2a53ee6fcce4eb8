from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.detect.gaps import GapParams, detect_gaps
from darkfleet.errors import ConfigError, SchemaError
from darkfleet.testing import make_track
from tests.unit.detect.motion_helpers import T0, context

RAJIN = ("PRK-RAJIN", "Rajin", "PRK", 42.245, 130.30)
VOSTOCHNY = ("RUS-VOSTOCHNY", "Vostochny", "RUS", 42.75, 133.05)
NAKHODKA = ("RUS-NAKHODKA", "Nakhodka", "RUS", 42.80, 132.88)


def two_legs(silence: timedelta, *, start: datetime = T0, mmsi: int = 273_000_001) -> pl.DataFrame:
    first = make_track(mmsi=mmsi, start_ts=start, n=10, step=timedelta(minutes=6))
    last_ts = first["ts"][-1]
    second = make_track(
        mmsi=mmsi, start_ts=last_ts + silence, n=10, step=timedelta(minutes=6), lat=42.3
    )
    return pl.concat([first, second])


def details(events: pl.DataFrame, row: int = 0) -> dict[str, object]:
    return json.loads(events["details"][row])


def test_gap_reported_when_interval_equals_min_gap() -> None:
    events = detect_gaps(two_legs(timedelta(hours=6)), GapParams(), context())
    assert events.height == 1
    assert events["end_ts"][0] - events["start_ts"][0] == timedelta(hours=6)
    assert details(events)["gap_duration_h"] == 6.0
    assert details(events)["open"] is False


def test_gap_not_reported_when_interval_just_below_min_gap() -> None:
    silence = timedelta(hours=6) - timedelta(microseconds=1)
    assert detect_gaps(two_legs(silence), GapParams(), context()).height == 0


def test_gap_across_midnight_keeps_both_days() -> None:
    start = datetime(2023, 10, 1, 20, tzinfo=UTC)
    events = detect_gaps(two_legs(timedelta(hours=7), start=start), GapParams(), context())
    assert events.height == 1
    assert events["start_ts"][0].day == 1
    assert events["end_ts"][0].day == 2


def test_gap_event_has_canonical_schema_and_location_where_it_went_dark() -> None:
    positions = two_legs(timedelta(hours=8))
    events = detect_gaps(positions, GapParams(), context())
    assert dict(events.schema) == dict(schema.EVENTS)
    last_before = positions.filter(pl.col("ts") == events["start_ts"][0])
    assert events["lat"][0] == last_before["lat"][0]
    assert events["lon"][0] == last_before["lon"][0]
    assert events["type"][0] == "gap"
    info = details(events)
    assert info["start"]["lat"] == pytest.approx(last_before["lat"][0], abs=1e-6)
    assert info["end"]["ts"] == "2023-10-01T08:54:00Z"
    first_after = positions.filter(pl.col("ts") == events["end_ts"][0])
    from darkfleet.detect._geo import haversine_m_np

    expected_nm = (
        float(
            haversine_m_np(
                last_before["lat"][0],
                last_before["lon"][0],
                first_after["lat"][0],
                first_after["lon"][0],
            )
        )
        / 1852.0
    )
    assert info["distance_nm"] == pytest.approx(expected_nm, abs=1e-3)
    assert info["implied_speed_knots"] == pytest.approx(info["distance_nm"] / 8.0, rel=1e-3)
    assert info["n_positions_12h_before"] == 10


def test_details_text_is_canonical_json_with_sorted_keys() -> None:
    events = detect_gaps(two_legs(timedelta(hours=8)), GapParams(), context())
    text = events["details"][0]
    assert list(json.loads(text)) == sorted(json.loads(text))


def test_open_gap_needs_as_of_and_ends_there() -> None:
    track = make_track(n=5, step=timedelta(minutes=10))
    last = track["ts"][-1]
    assert detect_gaps(track, GapParams(), context()).height == 0
    as_of = last + timedelta(hours=6)
    events = detect_gaps(track, GapParams(), context(), as_of=as_of)
    assert events.height == 1
    assert events["end_ts"][0] == as_of
    info = details(events)
    assert info["open"] is True
    assert info["end"] is None
    assert info["distance_nm"] is None
    assert info["implied_speed_knots"] is None


def test_open_gap_not_reported_before_min_gap_has_passed() -> None:
    track = make_track(n=5)
    as_of = track["ts"][-1] + timedelta(hours=5, minutes=59)
    assert detect_gaps(track, GapParams(), context(), as_of=as_of).height == 0


def test_naive_as_of_is_rejected() -> None:
    with pytest.raises(TypeError, match="timezone-aware"):
        detect_gaps(make_track(n=2), GapParams(), context(), as_of=datetime(2023, 10, 2))


def test_as_of_with_offset_is_converted_to_utc() -> None:
    from datetime import timezone

    track = make_track(n=2)
    tz = timezone(timedelta(hours=9))
    as_of = (track["ts"][-1] + timedelta(hours=7)).astimezone(tz)
    events = detect_gaps(track, GapParams(), context(), as_of=as_of)
    assert events["end_ts"][0] == as_of


def test_empty_input_gives_empty_frame_with_full_schema() -> None:
    events = detect_gaps(schema.empty(schema.POSITIONS), GapParams(), context(), as_of=T0)
    assert events.height == 0
    assert dict(events.schema) == dict(schema.EVENTS)


def test_lazy_input_gives_same_events_as_eager() -> None:
    positions = two_legs(timedelta(hours=9))
    assert_frame_equal(
        detect_gaps(positions.lazy(), GapParams(), context()),
        detect_gaps(positions, GapParams(), context()),
    )


def test_callers_frame_is_not_mutated_or_resorted() -> None:
    positions = two_legs(timedelta(hours=9)).reverse()
    before = positions.clone()
    detect_gaps(positions, GapParams(), context())
    assert_frame_equal(positions, before)


def test_rows_without_position_do_not_close_a_gap() -> None:
    positions = two_legs(timedelta(hours=9))
    middle = positions.head(1).with_columns(
        (pl.col("ts") + timedelta(hours=3)).alias("ts"),
        pl.lit(None, dtype=pl.Float64).alias("lat"),
    )
    events = detect_gaps(pl.concat([positions, middle]), GapParams(), context())
    assert events.height == 1


def test_aircraft_reports_are_ignored() -> None:
    positions = two_legs(timedelta(hours=9)).with_columns(
        pl.lit(9, dtype=pl.Int8).alias("msg_type")
    )
    assert detect_gaps(positions, GapParams(), context()).height == 0


def test_missing_column_raises_schema_error() -> None:
    with pytest.raises(SchemaError, match="sog_knots"):
        detect_gaps(two_legs(timedelta(hours=9)).drop("sog_knots"), GapParams(), context())


def test_ports_near_start_and_end_are_named() -> None:
    first = make_track(n=3, lat=42.245, lon=130.31, sog_knots=0.0)
    second = make_track(n=3, start_ts=T0 + timedelta(days=2), lat=42.75, lon=133.04, sog_knots=0.0)
    events = detect_gaps(pl.concat([first, second]), GapParams(), context(ports=[RAJIN, VOSTOCHNY]))
    info = details(events)
    assert info["starts_near_port"] == "Rajin"
    assert info["ends_near_port"] == "Vostochny"


def test_sensitive_port_reachable_with_required_speed_and_time_in_port() -> None:
    # dark for 24 h between two points 10 nm either side of Rajin's meridian at sea
    first = make_track(n=20, lat=42.0, lon=130.6, sog_knots=12.0, cog_deg=0.0)
    second = make_track(n=3, start_ts=T0 + timedelta(days=1), lat=42.0, lon=130.8)
    events = detect_gaps(
        pl.concat([first, second]),
        GapParams(),
        context(ports=[RAJIN, VOSTOCHNY, NAKHODKA], sensitive=frozenset({"PRK-RAJIN"})),
    )
    info = details(events)
    reachable = info["sensitive_ports_reachable"]
    assert [port["port_id"] for port in reachable] == ["PRK-RAJIN"]
    assert info["max_speed_knots"] == 12.0
    rajin = reachable[0]
    assert rajin["name"] == "Rajin"
    assert rajin["country"] == "PRK"
    # detour / duration, and duration - detour / max speed, computed independently:
    from darkfleet.detect._geo import haversine_m_np

    lat0, lon0 = first["lat"][-1], first["lon"][-1]
    detour_nm = (
        float(haversine_m_np(lat0, lon0, 42.245, 130.30))
        + float(haversine_m_np(42.245, 130.30, 42.0, 130.8))
    ) / 1852.0
    duration_h = info["gap_duration_h"]
    assert rajin["required_speed_knots"] == pytest.approx(detour_nm / duration_h, abs=1e-3)
    assert rajin["time_in_port_h"] == pytest.approx(duration_h - detour_nm / 12.0, abs=1e-3)


def test_port_out_of_reach_is_not_listed() -> None:
    first = make_track(n=20, lat=30.0, lon=125.0, sog_knots=10.0)
    second = make_track(n=3, start_ts=T0 + timedelta(hours=7), lat=30.0, lon=125.3)
    events = detect_gaps(
        pl.concat([first, second]),
        GapParams(),
        context(ports=[RAJIN], sensitive=frozenset({"PRK-RAJIN"})),
    )
    assert details(events)["sensitive_ports_reachable"] == []


def test_speed_bound_is_capped_and_floored() -> None:
    fast = make_track(n=20, sog_knots=40.0)
    fast = pl.concat([fast, make_track(n=2, start_ts=T0 + timedelta(days=1))])
    slow = make_track(mmsi=2, n=20, sog_knots=0.0)
    slow = pl.concat(
        [slow, make_track(mmsi=2, n=2, start_ts=T0 + timedelta(days=1), sog_knots=0.0)]
    )
    events = detect_gaps(pl.concat([fast, slow]), GapParams(), context())
    by_mmsi = {row["mmsi"]: json.loads(row["details"]) for row in events.to_dicts()}
    assert by_mmsi[273_000_001]["max_speed_knots"] == 25.0
    assert by_mmsi[2]["max_speed_knots"] == 8.0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("min_gap", timedelta(0), "min_gap"),
        ("min_gap", 6, "timedelta"),
        ("activity_window", timedelta(days=31), "activity_window"),
        ("near_port_km", -1.0, "near_port_km must be > 0"),
        ("speed_quantile", 1.5, "speed_quantile"),
        ("max_speed_cap_knots", 0.0, "max_speed_cap_knots"),
        ("min_speed_floor_knots", 30.0, "min_speed_floor_knots"),
        ("near_port_km", True, "near_port_km"),
    ],
)
def test_bad_parameters_raise_config_error_naming_the_field(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        GapParams(**{field: value})  # type: ignore[arg-type]
    assert f"detect.gap.{field}" in str(info.value)


def test_non_frame_input_raises_type_error() -> None:
    with pytest.raises(TypeError, match="DataFrame or LazyFrame"):
        detect_gaps([1, 2], GapParams(), context())  # type: ignore[arg-type]


def test_event_ids_are_stable_and_depend_on_parameters() -> None:
    positions = two_legs(timedelta(hours=9))
    a = detect_gaps(positions, GapParams(), context())
    b = detect_gaps(positions, GapParams(), context())
    c = detect_gaps(positions, GapParams(min_gap=timedelta(hours=5)), context())
    assert a["event_id"][0] == b["event_id"][0]
    assert a["event_id"][0] != c["event_id"][0]


def test_nan_and_infinite_positions_are_ignored_like_nulls() -> None:
    positions = two_legs(timedelta(hours=9))
    bad = positions.head(2).with_columns(
        (pl.col("ts") + timedelta(hours=3)).alias("ts"),
        pl.Series("lat", [float("nan"), float("inf")]),
    )
    assert detect_gaps(pl.concat([positions, bad]), GapParams(), context()).height == 1


def test_duplicate_timestamps_do_not_depend_on_row_order() -> None:
    positions = two_legs(timedelta(hours=9))
    twin = positions.head(1).with_columns(pl.col("lat") + 0.01)
    a = detect_gaps(pl.concat([positions, twin]), GapParams(), context())
    b = detect_gaps(pl.concat([twin, positions]), GapParams(), context())
    assert_frame_equal(a, b)
