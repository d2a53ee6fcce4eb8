"""Dark-leg reasoning: possible and confirmed dark port calls across gaps."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.detect.context import GeoContext
from darkfleet.detect.gaps import GapParams, detect_gaps
from darkfleet.errors import ConfigError, SchemaError
from darkfleet.fuse.darklegs import (
    DarkPortCallParams,
    demonstrated_speeds,
    detect_dark_port_calls,
    empty_sightings,
    sensitive_ports,
)
from darkfleet.fuse.sea_distance import SeaRouter
from darkfleet.testing import make_track

T0 = datetime(2023, 9, 1, tzinfo=UTC)
MMSI = 273_000_001
PORTS = schema.conform(
    pl.DataFrame(
        {
            "port_id": ["PRK-NAJIN", "RUS-VOSTOCHNYY", "RUS-PETROPAVLOVSK", "KOR-PUSAN"],
            "name": ["Najin", "Vostochnyy", "Petropavlovsk", "Pusan"],
            "country": ["PRK", "RUS", "RUS", "KOR"],
            "lat": [42.23333, 42.763278, 52.991113, 35.1],
            "lon": [130.3, 133.001203, 158.615236, 129.03],
        }
    ),
    schema.PORTS,
)
CONTEXT = GeoContext(
    ports=PORTS, sensitive_port_ids=frozenset({"PRK-NAJIN", "RUS-VOSTOCHNYY", "RUS-PETROPAVLOVSK"})
)
PARAMS = DarkPortCallParams()
ROUTER = SeaRouter.for_ports(sensitive_ports(CONTEXT), cell_deg=PARAMS.route_cell_deg)


def _dark_leg(
    hours: float, *, mmsi: int = MMSI, lat: float = 42.55, lon: float = 133.1, sog: float = 11.0
) -> pl.DataFrame:
    """Positions before and after ``hours`` without AIS, south of Vostochny."""
    before = make_track(mmsi=mmsi, start_ts=T0, n=10, lat=lat, lon=lon, sog_knots=sog, cog_deg=0)
    last = before["ts"].max()
    after = make_track(
        mmsi=mmsi,
        start_ts=last + timedelta(hours=hours),  # type: ignore[operator]
        n=10,
        lat=lat - 0.02,
        lon=lon,
        sog_knots=sog,
        cog_deg=180,
    )
    return pl.concat([before, after])


def _gaps(positions: pl.DataFrame, **kwargs: Any) -> pl.DataFrame:
    return detect_gaps(positions, GapParams(), CONTEXT, **kwargs)


def _calls(
    positions: pl.DataFrame,
    sightings: pl.DataFrame | None = None,
    params: DarkPortCallParams = PARAMS,
    **gap_kwargs: Any,
) -> pl.DataFrame:
    return detect_dark_port_calls(
        _gaps(positions, **gap_kwargs),
        demonstrated_speeds(positions, params),
        empty_sightings() if sightings is None else sightings,
        params,
        CONTEXT,
        router=ROUTER,
    )


def _by_port(events: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {json.loads(d)["port_id"]: json.loads(d) for d in events["details"].to_list()}


def _sighting(**values: Any) -> pl.DataFrame:
    row = {name: None for name in schema.SIGHTINGS} | {
        "sighting_id": "s1",
        "mmsi": MMSI,
        "vessel_text": "LADY R",
        "source": "imagery",
        "observation": "at the pier",
        "confidence": "high",
    }
    row |= values
    row.setdefault("end_ts", row["start_ts"])
    if row["end_ts"] is None:
        row["end_ts"] = row["start_ts"]
    return schema.conform(pl.DataFrame([row]), schema.SIGHTINGS)


def test_a_long_gap_near_vostochny_makes_a_call_at_rajin_possible() -> None:
    calls = _by_port(_calls(_dark_leg(60)))
    assert set(calls) == {"PRK-NAJIN", "RUS-VOSTOCHNYY"}  # Petropavlovsk is out of reach
    najin = calls["PRK-NAJIN"]
    assert najin["status"] == "possible"
    assert najin["sighting_ids"] == []
    assert 100 < najin["route_in_nm"] < 170
    assert najin["route_in_nm"] == pytest.approx(najin["route_out_nm"], rel=0.05)
    detour = najin["route_in_nm"] + najin["route_out_nm"]
    hours = najin["gap_duration_h"]
    assert najin["assumed_speed_knots"] == 11.0
    assert najin["required_speed_knots"] == pytest.approx(detour / hours, abs=2e-3)
    assert najin["possible_dwell_h"] == pytest.approx(hours - detour / 11.0, abs=2e-3)


def test_event_columns_carry_the_port_and_the_gap() -> None:
    positions = _dark_leg(60)
    gap = _gaps(positions).row(0, named=True)
    calls = _calls(positions)
    assert calls.schema == pl.Schema(schema.EVENTS)
    row = calls.filter(pl.col("port") == "Najin").row(0, named=True)
    assert (row["type"], row["country"], row["mmsi"]) == ("dark_port_call", "PRK", MMSI)
    assert (row["start_ts"], row["end_ts"]) == (gap["start_ts"], gap["end_ts"])
    assert json.loads(row["details"])["gap_event_id"] == gap["event_id"]
    assert calls["event_id"].n_unique() == calls.height  # one id per (gap, port)


def test_no_event_for_a_gap_from_which_no_sensitive_port_is_reachable() -> None:
    # 8 h dark in the middle of the Sea of Japan: 2 h left for a detour of hundreds of nm
    calls = _calls(_dark_leg(8, lat=40.0, lon=135.0))
    assert calls.is_empty()
    assert calls.schema == pl.Schema(schema.EVENTS)


def test_a_call_exactly_at_min_dwell_is_possible_and_one_second_more_is_not() -> None:
    positions = _dark_leg(36)
    dwell_h = _by_port(_calls(positions))["PRK-NAJIN"]["possible_dwell_h"]
    gap = _gaps(positions).row(0, named=True)
    detour = sum(
        ROUTER.distance_nm(*end, "PRK-NAJIN") for end in ((gap["lat"], gap["lon"]), (42.53, 133.1))
    )
    exact_h = (gap["end_ts"] - gap["start_ts"]) / timedelta(hours=1) - detour / 11.0
    assert dwell_h == pytest.approx(exact_h, abs=1e-3)
    under = DarkPortCallParams(min_dwell=timedelta(hours=exact_h) - timedelta(seconds=1))
    over = DarkPortCallParams(min_dwell=timedelta(hours=exact_h) + timedelta(seconds=1))
    assert "PRK-NAJIN" in _by_port(_calls(positions, params=under))
    assert "PRK-NAJIN" not in _by_port(_calls(positions, params=over))


def test_a_zero_length_gap_gives_no_call() -> None:
    positions = _dark_leg(60)
    gaps = _gaps(positions).with_columns(pl.col("start_ts").alias("end_ts"))
    sighting = _sighting(start_ts=gaps["start_ts"][0], port_id="PRK-NAJIN")
    calls = detect_dark_port_calls(
        gaps, demonstrated_speeds(positions, PARAMS), sighting, PARAMS, CONTEXT, router=ROUTER
    )
    assert calls.is_empty()


def test_a_vessel_never_seen_underway_has_no_possible_calls() -> None:
    assert _calls(_dark_leg(60, sog=0.5)).is_empty()


def test_a_sighting_at_the_port_inside_the_gap_confirms_the_call() -> None:
    inside = _sighting(start_ts=T0 + timedelta(hours=30), port_id="PRK-NAJIN")
    calls = _by_port(_calls(_dark_leg(60), inside))
    assert calls["PRK-NAJIN"]["status"] == "confirmed"
    assert calls["PRK-NAJIN"]["sighting_ids"] == ["s1"]
    assert calls["RUS-VOSTOCHNYY"]["status"] == "possible"


def test_a_sighting_by_position_near_the_port_confirms_the_call() -> None:
    near = _sighting(start_ts=T0 + timedelta(hours=30), lat=42.25, lon=130.32)  # 2.6 km off
    assert _by_port(_calls(_dark_leg(60), near))["PRK-NAJIN"]["status"] == "confirmed"
    far = _sighting(start_ts=T0 + timedelta(hours=30), lat=42.0, lon=130.6)  # 37 km off
    assert _by_port(_calls(_dark_leg(60), far))["PRK-NAJIN"]["status"] == "possible"


@pytest.mark.parametrize(
    ("why", "values"),
    [
        ("before the gap", {"start_ts": T0 - timedelta(hours=5)}),
        ("after the gap", {"start_ts": T0 + timedelta(days=5)}),
        ("another vessel", {"start_ts": T0 + timedelta(hours=30), "mmsi": 273_999_999}),
        ("unresolved vessel", {"start_ts": T0 + timedelta(hours=30), "mmsi": None}),
        # 1 h into the gap: Rajin is over 100 nm away, more than 25 kn could cover
        ("too soon to be there", {"start_ts": T0 + timedelta(hours=1, minutes=20)}),
    ],
)
def test_a_sighting_that_cannot_place_the_vessel_there_confirms_nothing(
    why: str, values: dict[str, Any]
) -> None:
    sighting = _sighting(port_id="PRK-NAJIN", **values)
    assert _by_port(_calls(_dark_leg(60), sighting))["PRK-NAJIN"]["status"] == "possible", why


def test_a_sighting_spanning_the_gap_start_confirms_when_the_rest_fits() -> None:
    # imagery window from a day before the gap to 20 h into it: the vessel fits in at the end
    window = _sighting(
        start_ts=T0 - timedelta(days=1), end_ts=T0 + timedelta(hours=20), port_id="PRK-NAJIN"
    )
    assert _by_port(_calls(_dark_leg(60), window))["PRK-NAJIN"]["sighting_ids"] == ["s1"]


def test_a_sighting_confirms_even_without_a_demonstrated_speed() -> None:
    sighting = _sighting(start_ts=T0 + timedelta(hours=30), port_id="PRK-NAJIN")
    calls = _by_port(_calls(_dark_leg(60, sog=0.5), sighting))
    assert set(calls) == {"PRK-NAJIN"}
    assert calls["PRK-NAJIN"]["status"] == "confirmed"
    assert calls["PRK-NAJIN"]["assumed_speed_knots"] == PARAMS.max_speed_cap_knots


def test_an_open_gap_counts_only_the_way_in_unless_excluded() -> None:
    before = make_track(mmsi=MMSI, start_ts=T0, n=10, lat=42.55, lon=133.1, sog_knots=11.0)
    as_of = T0 + timedelta(hours=40)
    najin = _by_port(_calls(before, as_of=as_of))["PRK-NAJIN"]
    assert najin["open"] is True
    assert najin["route_out_nm"] is None
    assert najin["required_speed_knots"] == pytest.approx(
        najin["route_in_nm"] / najin["gap_duration_h"], abs=2e-3
    )
    closed_only = DarkPortCallParams(include_open_gaps=False)
    assert _calls(before, params=closed_only, as_of=as_of).is_empty()


def test_row_order_and_vessel_partition_do_not_change_the_result() -> None:
    a = _dark_leg(60)
    b = _dark_leg(50, mmsi=MMSI + 1)
    together = _calls(pl.concat([b, a]).sample(fraction=1.0, shuffle=True, seed=1))
    apart = pl.concat([_calls(a), _calls(b)])
    assert_frame_equal(together, apart)


@settings(max_examples=25, deadline=None)
@given(short_h=st.floats(min_value=6.5, max_value=120.0), extra_h=st.floats(0.0, 100.0))
def test_a_longer_gap_never_loses_a_call_nor_needs_more_speed(
    short_h: float, extra_h: float
) -> None:
    short = _by_port(_calls(_dark_leg(short_h)))
    longer = _by_port(_calls(_dark_leg(short_h + extra_h)))
    assert set(short) <= set(longer)
    for port, call in short.items():
        assert longer[port]["required_speed_knots"] <= call["required_speed_knots"] + 1e-3
        assert longer[port]["possible_dwell_h"] >= call["possible_dwell_h"] - 1e-3


def test_demonstrated_speed_is_a_quantile_of_underway_sog_capped() -> None:
    sog = [0.0] * 50 + [float(k) for k in range(1, 21)]  # underway: 3..20 kn
    frame = pl.DataFrame(
        {"mmsi": [1] * len(sog) + [2, 3], "sog_knots": sog + [60.0, 1.0]},
        schema={"mmsi": pl.Int64, "sog_knots": pl.Float32},
    )
    speeds = dict(demonstrated_speeds(frame, PARAMS).rows())
    # 18 underway values (3..20 kn); nearest rank of 0.9: index round(0.9 * 17) = 15 -> 18 kn
    assert speeds == {1: 18.0, 2: 25.0}  # vessel 2 capped, vessel 3 never underway


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"speed_quantile": 0.0}, "speed_quantile"),
        ({"speed_quantile": 1.5}, "speed_quantile"),
        ({"max_speed_cap_knots": -1.0}, "max_speed_cap_knots"),
        ({"min_underway_sog_knots": 30.0}, "min_underway_sog_knots"),
        ({"min_dwell": timedelta(0)}, "min_dwell"),
        ({"sighting_radius_km": 0.0}, "sighting_radius_km"),
        ({"route_cell_deg": 2.0}, "route_cell_deg"),
        ({"include_open_gaps": "yes"}, "include_open_gaps"),
    ],
)
def test_bad_parameters_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=f"detect.dark_port_call.{message}"):
        DarkPortCallParams(**kwargs)


def test_a_sightings_frame_without_the_contract_columns_is_a_schema_error() -> None:
    positions = _dark_leg(60)
    bad = empty_sightings().drop("port_id")
    with pytest.raises(SchemaError, match="sightings: missing column 'port_id'"):
        detect_dark_port_calls(
            _gaps(positions), demonstrated_speeds(positions, PARAMS), bad, PARAMS, CONTEXT
        )
