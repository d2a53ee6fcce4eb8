"""Sea routes to sensitive ports: on water, reaching the port, cached without changing results."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import searoute
from hypothesis import given, settings
from hypothesis import strategies as st

from darkfleet.errors import ConfigError
from darkfleet.fuse.sea_distance import SeaRouter
from darkfleet.geodesy import haversine_m
from darkfleet.reference.land import load_land_mask
from darkfleet.reference.sea_routes import cumulative_m, densify, sea_route
from darkfleet.units import METRES_PER_NM

NAJIN = (42.23333, 130.3)
VOSTOCHNY = (42.763278, 133.001203)
PORTS = pl.DataFrame(
    {
        "port_id": ["PRK-NAJIN", "RUS-VOSTOCHNYY", "PRK-NAMPO"],
        "lat": [NAJIN[0], VOSTOCHNY[0], 38.71667],
        "lon": [NAJIN[1], VOSTOCHNY[1], 125.4],
    }
)


@pytest.fixture(scope="module")
def router() -> SeaRouter:
    return SeaRouter.for_ports(PORTS, cell_deg=0.05)


def _route(router: SeaRouter, lat: float, lon: float, port_id: str) -> tuple[np.ndarray, ...]:
    b_lat, b_lon = router.berths[port_id]
    return sea_route(router.grid, lat, lon, b_lat, b_lon)


def test_searoute_alone_stops_short_of_rajin() -> None:
    # the fact measured in DESIGN.md that makes refinement necessary
    feature = searoute.searoute([VOSTOCHNY[1], VOSTOCHNY[0]], [NAJIN[1], NAJIN[0]])
    last_lon, last_lat = feature["geometry"]["coordinates"][-1]
    assert haversine_m(last_lat, last_lon, *NAJIN) > 50_000


def test_vostochny_to_rajin_reaches_rajin_on_water(router: SeaRouter) -> None:
    lat, lon = _route(router, 42.60, 133.05, "PRK-NAJIN")
    assert haversine_m(lat[-1], lon[-1], *NAJIN) < 3000.0  # ends at Rajin's berth
    assert not load_land_mask().is_land(np.array([lat[-1]]), np.array([lon[-1]]))[0]
    sample_lat, sample_lon, _ = densify(lat, lon)
    assert not router.grid.blocked_at(sample_lat, sample_lon).any()
    length_nm = float(cumulative_m(lat, lon)[-1]) / METRES_PER_NM
    straight_nm = float(haversine_m(42.60, 133.05, *NAJIN)) / METRES_PER_NM
    assert straight_nm < length_nm < 1.4 * straight_nm
    assert router.distance_nm(42.60, 133.05, "PRK-NAJIN") == pytest.approx(length_nm, rel=0.05)


def test_route_around_the_korean_peninsula_never_crosses_land(router: SeaRouter) -> None:
    # from the Sea of Japan to Nampo on the Yellow Sea: the straight line crosses Korea
    lat, lon = _route(router, 41.0, 131.0, "PRK-NAMPO")
    sample_lat, sample_lon, _ = densify(lat, lon)
    assert not load_land_mask().is_land(sample_lat[1:-1], sample_lon[1:-1]).any()
    assert float(cumulative_m(lat, lon)[-1]) > 2.0 * float(
        haversine_m(41.0, 131.0, 38.71667, 125.4)
    )


def test_distance_is_cached_per_cell_and_port(router: SeaRouter) -> None:
    fresh = SeaRouter.for_ports(PORTS, cell_deg=0.05)
    first = fresh.distance_nm(42.701, 133.049, "PRK-NAJIN")
    again = fresh.distance_nm(42.699, 133.051, "PRK-NAJIN")  # same 0.05-degree cell
    assert first == again
    assert (fresh.routes_computed, fresh.routes_reused) == (1, 1)
    assert router.distance_nm(42.701, 133.049, "PRK-NAJIN") == first  # order-independent


@settings(max_examples=15, deadline=None)
@given(
    lat=st.floats(min_value=38.5, max_value=43.5),
    lon=st.floats(min_value=131.0, max_value=138.0),
    port_id=st.sampled_from(["PRK-NAJIN", "RUS-VOSTOCHNYY"]),
)
def test_routes_from_open_sea_stay_on_water_and_are_no_shorter_than_a_straight_line(
    router: SeaRouter, lat: float, lon: float, port_id: str
) -> None:
    if router.grid.blocked_at(np.array([lat]), np.array([lon]))[0]:
        return  # a start on land or at the coast: not a position a dark leg starts from
    q_lat, q_lon = round(lat / 0.05) * 0.05, round(lon / 0.05) * 0.05
    route_lat, route_lon = _route(router, q_lat, q_lon, port_id)
    sample_lat, sample_lon, _ = densify(route_lat, route_lon)
    assert not load_land_mask().is_land(sample_lat[1:-1], sample_lon[1:-1]).any()
    b_lat, b_lon = router.berths[port_id]
    straight_nm = float(haversine_m(q_lat, q_lon, b_lat, b_lon)) / METRES_PER_NM
    assert router.distance_nm(lat, lon, port_id) >= straight_nm - 1e-6


def test_no_sea_lane_is_an_infinite_distance_not_a_straight_line(
    recwarn: pytest.WarningsRecorder,
) -> None:
    # from the Canadian Arctic to the Bering Sea only the (closed) Northwest Passage
    # would do: searoute returns no lane, which must not become a straight line
    arctic, bering = (80.0, -86.6), (64.717, 177.58)
    with pytest.raises(ConfigError, match="no sea lane joins"):
        sea_route(SeaRouter.for_ports(PORTS, cell_deg=0.05).grid, *arctic, *bering)
    far = SeaRouter.for_ports(
        pl.DataFrame({"port_id": ["RUS-BERING"], "lat": [bering[0]], "lon": [bering[1]]}),
        cell_deg=0.05,
    )
    assert far.distance_nm(*arctic, "RUS-BERING") == float("inf")
    assert not [w for w in recwarn if "No path found" in str(w.message)]  # no noise
