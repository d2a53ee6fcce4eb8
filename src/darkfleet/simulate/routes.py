"""Sea routes between the simulator's ports (simulate layer; core and reference imports only).

The routing itself (searoute's lane checked against the shipped land mask and refined
near the coast) lives in ``darkfleet.reference.sea_routes``, shared with dark-leg
reasoning; this module fixes the simulator's port zones and berths and caches one route
per port pair. Every leg of a route lies on water cells of the routing mask, which is
what ``tests/unit/simulate/test_routes.py`` asserts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from darkfleet.errors import ConfigError
from darkfleet.reference.land import load_land_mask
from darkfleet.reference.sea_routes import (
    RoutingGrid,
    build_routing_grid,
    cells_within_km,
    cumulative_m,
    sea_route,
)
from darkfleet.simulate.ports import PORTS

FloatArray = npt.NDArray[np.float64]

__all__ = ["Route", "RoutingGrid", "berth_of", "build_route", "load_routing_grid"]

#: berths are water cells within this distance of the port point (km); the port_visit
#: contract counts a vessel as in port within 3 km, so berths stay well inside that.
BERTH_RADIUS_KM = 2.0


@dataclass(frozen=True, slots=True, eq=False)
class Route:
    """A polyline from one berth to another, with cumulative distance in metres."""

    origin: str
    destination: str
    lat: FloatArray
    lon: FloatArray
    cum_m: FloatArray

    @property
    def length_m(self) -> float:
        """Total length in metres."""
        return float(self.cum_m[-1])

    def reversed(self) -> Route:
        """The same route sailed the other way."""
        lat = self.lat[::-1].copy()
        lon = self.lon[::-1].copy()
        return Route(self.destination, self.origin, lat, lon, cumulative_m(lat, lon))


@functools.cache
def load_routing_grid() -> RoutingGrid:
    """The routing mask for the shipped land mask with the simulator's ports (cached).

    See ``reference.sea_routes.build_routing_grid``: land grown by one cell is blocked
    except in port zones, narrow harbours get a channel, unreachable pockets are blocked.
    """
    return build_routing_grid(load_land_mask(), [(p.lat, p.lon) for p in PORTS.values()])


@functools.cache
def berth_cells(port_name: str) -> tuple[FloatArray, FloatArray]:
    """Centres of water cells within ``BERTH_RADIUS_KM`` of the port, nearest first.

    Raises
    ------
    ConfigError
        When the port has no water cell within 3 km on the land mask.
    """
    port = PORTS[port_name]
    grid = load_routing_grid()
    rr, cc, distance_km = cells_within_km(grid.land, port.lat, port.lon, 3.0)
    water = ~grid.is_blocked[rr, cc]
    if not water.any():
        raise ConfigError(
            f"port {port.name} has no water within 3 km on the simulator's land mask; "
            "move its point in darkfleet/simulate/ports.py"
        )
    order = np.argsort(distance_km[water], kind="stable")
    near = distance_km[water][order] <= BERTH_RADIUS_KM
    near[0] = True  # the nearest water cell always qualifies
    lat, lon = grid.land.centres(rr[water][order][near], cc[water][order][near])
    return lat, lon


def berth_of(port_name: str) -> tuple[float, float]:
    """The port's main berth: the water cell nearest its reference point (lat, lon)."""
    lat, lon = berth_cells(port_name)
    return float(lat[0]), float(lon[0])


@functools.cache
def build_route(origin: str, destination: str) -> Route:
    """Route from one port's berth to another's, on water (cached per port pair).

    Parameters
    ----------
    origin, destination : names of ports in ``ports.PORTS`` (WPI labels).

    Returns
    -------
    Route
        Polyline whose every leg lies on free cells of the routing mask.

    Raises
    ------
    ConfigError
        When a port is unknown or no water path exists.
    """
    for name in (origin, destination):
        if name not in PORTS:
            raise ConfigError(f"unknown port {name!r}; use one of: {', '.join(sorted(PORTS))}")
    if origin == destination:
        raise ConfigError(f"a route needs two different ports, got {origin!r} twice")
    grid = load_routing_grid()
    o_lat, o_lon = berth_of(origin)
    d_lat, d_lon = berth_of(destination)
    out_lat, out_lon = sea_route(grid, o_lat, o_lon, d_lat, d_lon)
    return Route(origin, destination, out_lat, out_lon, cumulative_m(out_lat, out_lon))
