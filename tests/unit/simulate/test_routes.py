"""Routes between the simulator's ports stay on water."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from darkfleet.errors import ConfigError
from darkfleet.geodesy import haversine_m
from darkfleet.reference.land import load_land_mask
from darkfleet.reference.sea_routes import densify as _densify
from darkfleet.simulate.ports import PORTS, get_port
from darkfleet.simulate.routes import berth_of, build_route, load_routing_grid

SHUTTLE_PAIRS = [("NAJIN", "VOSTOCHNYY"), ("DUNAY", "NAJIN"), ("CH'ONGJIN", "NAKHODKA")]


def test_land_mask_knows_land_from_sea() -> None:
    mask = load_land_mask()
    # Vladivostok city centre (Muravyov-Amursky peninsula) vs the middle of the Sea of Japan
    assert mask.is_land(np.array([43.13]), np.array([131.95]))[0]
    assert not mask.is_land(np.array([40.0]), np.array([134.0]))[0]
    assert mask.distance_to_land_km(np.array([40.0]), np.array([134.0]))[0] > 150


@pytest.mark.parametrize("name", sorted(PORTS))
def test_every_port_has_a_water_berth_within_3_km(name: str) -> None:
    port = PORTS[name]
    lat, lon = berth_of(name)
    assert haversine_m(port.lat, port.lon, lat, lon) < 3000.0
    assert not load_land_mask().is_land(np.array([lat]), np.array([lon]))[0]


@pytest.mark.parametrize(
    ("origin", "destination"), SHUTTLE_PAIRS + [("DALIAN", "NIIGATA KO"), ("VLADIVOSTOK", "PUSAN")]
)
def test_route_legs_stay_on_routable_water(origin: str, destination: str) -> None:
    route = build_route(origin, destination)
    lat, lon, _ = _densify(route.lat, route.lon)
    assert not load_routing_grid().blocked_at(lat, lon).any()
    assert (route.lat[0], route.lon[0]) == berth_of(origin)
    assert (route.lat[-1], route.lon[-1]) == berth_of(destination)
    assert np.all(np.diff(route.cum_m) >= 0)


def test_vostochny_to_rajin_reaches_rajin_although_searoute_stops_short() -> None:
    route = build_route("NAJIN", "VOSTOCHNYY")
    najin = get_port("RAJIN")
    assert haversine_m(najin.lat, najin.lon, route.lat[0], route.lon[0]) < 3000.0
    # a plausible sea distance (about 140 nm), not a straight line over land
    assert 200_000 < route.length_m < 320_000


def test_reversed_route_is_the_same_line() -> None:
    route = build_route("DUNAY", "NAJIN")
    back = route.reversed()
    assert back.origin == "NAJIN"
    assert back.length_m == pytest.approx(route.length_m)
    np.testing.assert_array_equal(back.lat, route.lat[::-1])


def test_all_routes_between_a_sample_of_ports_stay_in_the_mask_region() -> None:
    mask = load_land_mask()
    for origin, destination in itertools.combinations(
        ["PUSAN", "TIANJIN XIN GANG", "OTARU KO", "HAKATA"], 2
    ):
        route = build_route(origin, destination)
        assert route.lat.min() >= mask.lat_min
        assert route.lat.max() <= mask.lat_max
        assert route.lon.min() >= mask.lon_min
        assert route.lon.max() <= mask.lon_max


def test_unknown_port_is_refused_with_the_known_names() -> None:
    with pytest.raises(ConfigError, match="unknown port 'ATLANTIS'.*NAJIN"):
        build_route("ATLANTIS", "NAJIN")
    with pytest.raises(ConfigError, match="unknown port"):
        get_port("atlantis")


def test_route_to_the_same_port_is_refused() -> None:
    with pytest.raises(ConfigError, match="two different ports"):
        build_route("NAJIN", "NAJIN")


def test_port_aliases_resolve_to_wpi_labels() -> None:
    assert get_port("Rajin").name == "NAJIN"
    assert get_port("busan").name == "PUSAN"
    assert get_port("Dunai").country == "RUS"
