"""Simulated positions against the real Natural Earth 1:10m coastline (needs ../shared)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from darkfleet.geodesy import haversine_m
from darkfleet.simulate import simulate
from darkfleet.simulate.feed import sample_messages
from darkfleet.simulate.ports import PORTS

shapefile = pytest.importorskip("shapefile")
shapely = pytest.importorskip("shapely")


def test_no_position_is_inside_natural_earth_land_away_from_ports(shared_real: Path) -> None:
    from shapely.geometry import box, shape

    source = shared_real / "ref-naturalearth" / "ne_10m_admin_0_countries_deu.zip"
    region = box(117, 30, 143, 48)
    reader = shapefile.Reader(str(source))
    pieces = []
    for item in reader.iterShapeRecords():
        west, south, east, north = item.shape.bbox
        if east < 117 or west > 143 or north < 30 or south > 48:
            continue
        pieces.append(shapely.make_valid(shape(item.shape.__geo_interface__)).intersection(region))
    land = shapely.union_all(pieces)
    shapely.prepare(land)

    result = simulate("shuttle", seed=8, vessels=20, days=20)
    fleet = result.fleet
    positions = sample_messages(
        fleet, result.feed, result.seed, fleet.start_s, fleet.end_s
    ).positions
    on_land = shapely.contains_xy(land, positions["lon"], positions["lat"])
    idx = np.flatnonzero(on_land)
    ports_lat = np.array([p.lat for p in PORTS.values()])
    ports_lon = np.array([p.lon for p in PORTS.values()])
    nearest_m = haversine_m(
        positions["lat"][idx, None], positions["lon"][idx, None], ports_lat[None], ports_lon[None]
    ).min(axis=1)
    assert len(positions["lat"]) > 10_000
    # the shipped mask samples cell centres (1/120 degree); in narrow harbour channels a
    # water cell can hold a sliver of real land, so the real coastline is checked outside
    # the 5 km port zones (the shipped-mask test keeps the 3 km rule)
    far = nearest_m >= 5000
    assert not far.any(), list(
        zip(positions["lat"][idx][far], positions["lon"][idx][far], strict=True)
    )[:5]
