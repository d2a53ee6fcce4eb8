from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.detect.context import GeoContext
from darkfleet.detect.port_visit import PortVisitParams, detect_port_visits
from darkfleet.errors import ConfigError, SchemaError
from darkfleet.testing import make_track
from darkfleet.units import EARTH_RADIUS_M

PORT_LAT, PORT_LON = 42.2333, 130.3
T0 = datetime(2023, 10, 1, tzinfo=UTC)
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def destination(
    lat: float, lon: float, distance_m: float, bearing_deg: float
) -> tuple[float, float]:
    """Point ``distance_m`` from (lat, lon) along ``bearing_deg`` on the haversine sphere."""
    d = distance_m / EARTH_RADIUS_M
    phi1, lmb1, theta = map(math.radians, (lat, lon, bearing_deg))
    phi2 = math.asin(math.sin(phi1) * math.cos(d) + math.cos(phi1) * math.sin(d) * math.cos(theta))
    lmb2 = lmb1 + math.atan2(
        math.sin(theta) * math.sin(d) * math.cos(phi1),
        math.cos(d) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), math.degrees(lmb2)


def context() -> GeoContext:
    ports = pl.DataFrame(
        {
            "port_id": ["PRK-NAJIN", "RUS-VOSTOCHNYY"],
            "name": ["Najin", "Vostochnyy"],
            "country": ["PRK", "RUS"],
            "lat": [PORT_LAT, 42.75],
            "lon": [PORT_LON, 133.083333],
        }
    )
    return GeoContext(ports=ports)


def at(
    distances_m: list[float],
    *,
    start: datetime = T0,
    step: timedelta = 10 * MIN,
    mmsi: int = 273_000_001,
) -> pl.DataFrame:
    """Positions at the given distances (north of the port), ``step`` apart."""
    rows = []
    for i, distance_m in enumerate(distances_m):
        lat, lon = destination(PORT_LAT, PORT_LON, distance_m, 0.0)
        rows.append(
            make_track(mmsi=mmsi, start_ts=start + i * step, n=1, lat=lat, lon=lon, sog_knots=0.0)
        )
    return pl.concat(rows)


def details(events: pl.DataFrame, row: int = 0) -> dict[str, object]:
    return json.loads(events["details"][row])


def test_visit_starts_inside_entry_radius_and_ends_at_last_position_inside_exit_radius() -> None:
    track = at([10_000, 3_500, 2_000, 500, 500, 3_800, 4_500, 9_000])
    events = detect_port_visits(track, PortVisitParams(), context())
    assert events.height == 1
    assert events["start_ts"][0] == T0 + 20 * MIN  # the 2 km position, not the 3.5 km one
    assert events["end_ts"][0] == T0 + 50 * MIN  # the 3.8 km position, still inside 4 km
    info = details(events)
    assert info["port_id"] == "PRK-NAJIN"
    assert info["n_positions"] == 4
    assert info["open"] is False
    assert info["departure_ts"] == "2023-10-01T00:50:00Z"
    assert info["next_position_ts"] == "2023-10-01T01:00:00Z"
    assert info["dwell_h"] == 0.5
    assert info["min_distance_m"] == pytest.approx(500.0, abs=0.01)
    assert events.select("port", "country").row(0) == ("Najin", "PRK")
    assert events["type"][0] == "port_visit"


def test_position_exactly_at_entry_radius_enters() -> None:
    events = detect_port_visits(at([3_000.0] * 4), PortVisitParams(), context())
    assert events.height == 1


def test_position_just_beyond_entry_radius_never_enters() -> None:
    events = detect_port_visits(at([3_000.5] * 10), PortVisitParams(), context())
    assert events.is_empty()


def test_position_exactly_at_exit_radius_stays_in_port() -> None:
    events = detect_port_visits(
        at([1_000, 4_000.0, 4_000.0, 4_000.0, 9_000]), PortVisitParams(), context()
    )
    assert events.height == 1
    assert details(events)["n_positions"] == 4
    assert events["end_ts"][0] == T0 + 30 * MIN


def test_position_just_beyond_exit_radius_leaves() -> None:
    events = detect_port_visits(
        at([1_000, 1_000, 1_000, 1_000, 4_000.5, 1_000]), PortVisitParams(), context()
    )
    # The first visit (30 min) ends at the 4.0005 km position; the single position after
    # it is a new visit too short to report.
    assert events.height == 1
    assert events["end_ts"][0] == T0 + 30 * MIN
    assert details(events)["n_positions"] == 4


def test_vessel_between_radii_without_entering_has_no_visit() -> None:
    assert detect_port_visits(at([3_500.0] * 20), PortVisitParams(), context()).is_empty()


def test_visit_across_midnight_is_one_visit() -> None:
    start = datetime(2023, 10, 1, 23, tzinfo=UTC)
    events = detect_port_visits(at([800.0] * 19, start=start), PortVisitParams(), context())
    assert events.height == 1
    assert events["start_ts"][0] == start
    assert events["end_ts"][0] == start + 3 * HOUR


def test_reporting_gap_in_port_up_to_max_does_not_split_visit() -> None:
    before = at([800.0] * 4)
    after = at([800.0] * 4, start=T0 + 30 * MIN + 12 * HOUR)
    events = detect_port_visits(pl.concat([after, before]), PortVisitParams(), context())
    assert events.height == 1
    assert details(events)["max_in_port_gap_h"] == 12.0
    assert details(events)["n_positions"] == 8


def test_reporting_gap_longer_than_max_splits_visit() -> None:
    before = at([800.0] * 4)
    after = at([800.0] * 4, start=T0 + 30 * MIN + 12 * HOUR + MIN)
    events = detect_port_visits(pl.concat([before, after]), PortVisitParams(), context())
    assert events.height == 2
    first = details(events, 0)
    assert first["open"] is False
    assert first["next_position_ts"] == "2023-10-01T12:31:00Z"


def test_visit_still_in_port_at_end_of_data_is_open() -> None:
    events = detect_port_visits(at([9_000, 2_000, 500, 500, 500]), PortVisitParams(), context())
    info = details(events)
    assert info["open"] is True
    assert info["departure_ts"] is None
    assert info["next_position_ts"] is None
    assert events["end_ts"][0] == T0 + 40 * MIN


def test_dwell_shorter_than_min_dwell_is_not_a_visit() -> None:
    track = at([500.0] * 3)  # 20 minutes in port
    assert detect_port_visits(track, PortVisitParams(), context()).is_empty()
    events = detect_port_visits(track, PortVisitParams(min_dwell=timedelta(minutes=20)), context())
    assert events.height == 1


def test_dwell_equal_to_min_dwell_is_a_visit() -> None:
    assert detect_port_visits(at([500.0] * 4), PortVisitParams(), context()).height == 1


def test_moving_from_one_port_to_another_gives_two_visits() -> None:
    najin = at([500.0] * 4)
    lat, lon = 42.75, 133.083333
    vostochny = make_track(
        start_ts=T0 + 2 * HOUR, n=4, step=10 * MIN, lat=lat, lon=lon, sog_knots=0.0
    )
    events = detect_port_visits(pl.concat([najin, vostochny]), PortVisitParams(), context())
    assert events["port"].to_list() == ["Najin", "Vostochnyy"]
    assert details(events, 0)["next_position_ts"] == "2023-10-01T02:00:00Z"


def test_vessels_are_kept_apart() -> None:
    a = at([500.0] * 4, mmsi=273_000_001)
    b = at([500.0] * 4, mmsi=273_000_002, start=T0 + 5 * MIN)
    events = detect_port_visits(pl.concat([b, a]), PortVisitParams(), context())
    assert events["mmsi"].to_list() == [273_000_001, 273_000_002]
    assert events["event_id"].n_unique() == 2


def test_event_position_is_the_reported_position_closest_to_the_port() -> None:
    track = at([2_000, 300, 1_000, 2_500])
    events = detect_port_visits(track, PortVisitParams(), context())
    lat, lon = destination(PORT_LAT, PORT_LON, 300, 0.0)
    assert events["lat"][0] == pytest.approx(lat)
    assert events["lon"][0] == pytest.approx(lon)


def test_stopped_positions_are_counted() -> None:
    track = at([500.0] * 4).with_columns(
        pl.Series("sog_knots", [0.1, 0.2, 0.3, None], dtype=pl.Float32)
    )
    assert (
        details(detect_port_visits(track, PortVisitParams(), context()))["n_stopped_positions"] == 2
    )


def test_null_positions_are_ignored() -> None:
    track = at([500.0] * 4).with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(None).otherwise(pl.col("lat")).alias("lat")
    )
    assert details(detect_port_visits(track, PortVisitParams(), context()))["n_positions"] == 3


def test_empty_input_gives_empty_frame_with_full_schema() -> None:
    events = detect_port_visits(schema.empty(schema.POSITIONS), PortVisitParams(), context())
    assert events.schema == pl.Schema(schema.EVENTS)
    assert events.is_empty()


def test_no_ports_gives_empty_frame() -> None:
    events = detect_port_visits(at([500.0] * 4), PortVisitParams(), GeoContext())
    assert events.schema == pl.Schema(schema.EVENTS)
    assert events.is_empty()


def test_lazy_input_gives_the_same_events() -> None:
    track = at([9_000, 500, 500, 500, 500, 9_000])
    eager = detect_port_visits(track, PortVisitParams(), context())
    assert_frame_equal(detect_port_visits(track.lazy(), PortVisitParams(), context()), eager)


def test_input_frame_is_not_modified() -> None:
    track = at([500.0, 9_000.0, 500.0, 500.0, 500.0, 500.0]).reverse()
    copy = track.clone()
    detect_port_visits(track, PortVisitParams(), context())
    assert_frame_equal(track, copy)


def test_event_ids_change_with_parameters() -> None:
    track = at([500.0] * 6)
    a = detect_port_visits(track, PortVisitParams(), context())
    b = detect_port_visits(track, PortVisitParams(min_dwell=timedelta(minutes=10)), context())
    assert a["event_id"][0] != b["event_id"][0]


def test_missing_column_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="positions: missing column 'sog_knots'"):
        detect_port_visits(at([500.0]).drop("sog_knots"), PortVisitParams(), context())


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"entry_radius_m": 0.0}, "entry_radius_m"),
        ({"entry_radius_m": -1.0}, "entry_radius_m"),
        ({"entry_radius_m": 60_000.0, "exit_radius_m": 60_000.0}, "entry_radius_m"),
        ({"exit_radius_m": 2_000.0}, "exit_radius_m"),
        ({"exit_radius_m": 50_001.0}, "exit_radius_m"),
        ({"min_dwell": timedelta(minutes=-1)}, "min_dwell"),
        ({"max_in_port_gap": timedelta(0)}, "max_in_port_gap"),
        ({"stop_speed_knots": -0.1}, "stop_speed_knots"),
        ({"stop_speed_knots": 6.0}, "stop_speed_knots"),
    ],
)
def test_out_of_range_parameters_are_rejected_naming_the_field(
    kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ConfigError, match=f"detect.port_visit.{field} must be"):
        PortVisitParams(**kwargs)  # type: ignore[arg-type]


def test_built_in_gazetteer_finds_a_call_at_vostochny() -> None:
    from darkfleet.reference import load_geo_context

    geo = load_geo_context()
    track = make_track(n=30, step=10 * MIN, lat=42.745, lon=133.06, sog_knots=0.0)
    events = detect_port_visits(track, PortVisitParams(), geo)
    assert events.select("port", "country").row(0) == ("Vostochnyy", "RUS")
    assert details(events)["port_id"] == "RUS-VOSTOCHNYY"


def _transit(step: timedelta = 5 * MIN) -> pl.DataFrame:
    """A ship crossing the port circle at 7 kn for 50 minutes without stopping."""
    return at([3_500, 2_500, 1_500, 800, 500, 800, 1_500, 2_500, 3_500, 3_900, 4_500], step=step)


def test_slow_transit_without_a_stop_is_not_a_visit() -> None:
    # regression (issue 3, found by darkfleet evaluate): ships bound for Qingdao Gang
    # crossed Qingdao's anchorage circle for 0.5-0.9 h and were counted as visits
    track = _transit().with_columns(pl.lit(7.0, pl.Float32).alias("sog_knots"))
    assert detect_port_visits(track, PortVisitParams(), context()).is_empty()
    events = detect_port_visits(track, PortVisitParams(require_stop=False), context())
    assert events.height == 1
    assert details(events)["n_stopped_positions"] == 0


def test_transit_with_one_stopped_position_is_a_visit() -> None:
    track = _transit().with_columns(
        pl.when(pl.int_range(pl.len()) == 4)
        .then(0.1)
        .otherwise(7.0)
        .cast(pl.Float32)
        .alias("sog_knots")
    )
    assert detect_port_visits(track, PortVisitParams(), context()).height == 1


def test_reception_hole_during_a_transit_is_not_a_stop() -> None:
    # regression (issue 3, found by darkfleet evaluate): transits through Yantai's circle
    # heard only by satellite had 0.5-0.9 h holes inside it; a hole is not a stop
    moving = [3_500, 1_500, 500, 1_500, 3_500, 4_500]
    times = [T0, T0 + 5 * MIN, T0 + 10 * MIN, T0 + 50 * MIN, T0 + 55 * MIN, T0 + 60 * MIN]
    track = pl.concat([at([d], start=t) for d, t in zip(moving, times, strict=True)]).with_columns(
        pl.lit(7.0, pl.Float32).alias("sog_knots")
    )
    assert detect_port_visits(track, PortVisitParams(), context()).is_empty()
    events = detect_port_visits(track, PortVisitParams(require_stop=False), context())
    assert details(events)["max_in_port_gap_h"] == pytest.approx(0.667, abs=0.001)
