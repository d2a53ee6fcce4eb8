from __future__ import annotations

import numpy as np
import pytest

from darkfleet.detect.context import DistanceGrid
from darkfleet.reference.shore import SHORE_GRID_SATURATION_KM, load_shore_grid


@pytest.fixture(scope="module")
def grid() -> DistanceGrid:
    return load_shore_grid()


def lookup(grid: DistanceGrid, lat: float, lon: float) -> float:
    return float(grid.lookup_km(np.array([lat]), np.array([lon]))[0])


def test_grid_shape_and_resolution(grid: DistanceGrid) -> None:
    assert grid.values_km.shape == (3600, 7200)
    assert grid.cell_deg == 0.05
    assert (grid.lat_min, grid.lon_min) == (-90.0, -180.0)
    assert grid.values_km.dtype == np.float32
    assert not grid.values_km.flags.writeable


@pytest.mark.parametrize(
    ("lat", "lon"), [(0.0, -140.0), (30.0, -40.0), (-45.0, 90.0), (20.0, 65.0)]
)
def test_open_ocean_is_far_from_shore(grid: DistanceGrid, lat: float, lon: float) -> None:
    assert lookup(grid, lat, lon) > 200.0


@pytest.mark.parametrize(
    ("name", "lat", "lon"),
    [
        ("Rajin harbour", 42.245, 130.30),
        ("Vladivostok port", 43.11, 131.89),
        ("Vostochny", 42.75, 133.05),
        ("Rotterdam", 51.95, 4.05),
    ],
)
def test_ports_are_within_a_few_km_of_shore(
    grid: DistanceGrid, name: str, lat: float, lon: float
) -> None:
    assert abs(lookup(grid, lat, lon)) < 5.0, name


@pytest.mark.parametrize(
    ("name", "lat", "lon", "deeper_than_km"),
    [
        ("Moscow", 55.75, 37.62, 240.0),
        ("Berlin", 52.52, 13.40, 100.0),
        ("Madrid", 40.42, -3.70, 200.0),
    ],
)
def test_inland_cities_are_negative_and_far(
    grid: DistanceGrid, name: str, lat: float, lon: float, deeper_than_km: float
) -> None:
    assert lookup(grid, lat, lon) < -deeper_than_km, name


def test_twenty_nautical_miles_off_a_straight_coast(grid: DistanceGrid) -> None:
    # the Namibian coast near 23 S runs north-south at about 14.45 E
    at_sea = lookup(grid, -23.5, 14.45 - 20 * 1.852 / (111.195 * np.cos(np.radians(23.5))))
    assert at_sea == pytest.approx(37.0, abs=6.0)


def test_values_saturate_at_the_documented_bound(grid: DistanceGrid) -> None:
    assert float(grid.values_km.max()) == SHORE_GRID_SATURATION_KM
    assert float(grid.values_km.min()) == -SHORE_GRID_SATURATION_KM


def test_null_coordinates_give_nan(grid: DistanceGrid) -> None:
    assert np.isnan(grid.lookup_km(np.array([np.nan]), np.array([10.0]))[0])


def test_loader_is_cached(grid: DistanceGrid) -> None:
    assert load_shore_grid() is grid
