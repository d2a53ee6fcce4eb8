"""PointIndex: the screening grid never changes an answer, only skips work."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from darkfleet.detect.context import SCREEN_MAX_RADIUS_M, PointIndex
from darkfleet.units import EARTH_RADIUS_M

lats = st.floats(min_value=-90.0, max_value=90.0, allow_nan=False)
lons = st.floats(min_value=-180.0, max_value=180.0, allow_nan=False, exclude_max=True)


def _haversine_m(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    d_lat = p2 - p1
    d_lon = np.radians(lon2 - lon1)
    h = np.sin(d_lat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(d_lon / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


@settings(max_examples=150, deadline=None)
@given(
    points=st.lists(st.tuples(lats, lons), min_size=1, max_size=6),
    offsets=st.lists(
        st.tuples(
            st.floats(min_value=-1.5, max_value=1.5), st.floats(min_value=-1.5, max_value=1.5)
        ),
        min_size=1,
        max_size=8,
    ),
    radius_m=st.floats(min_value=1.0, max_value=SCREEN_MAX_RADIUS_M),
)
def test_screened_queries_equal_brute_force(
    points: list[tuple[float, float]], offsets: list[tuple[float, float]], radius_m: float
) -> None:
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    index = PointIndex.build(lat, lon)
    # queries near the points (across the dateline and poles), where the screen matters
    q_lat = np.clip(lat[0] + np.array([o[0] for o in offsets]), -90.0, 90.0)
    q_lon = (lon[0] + np.array([o[1] for o in offsets]) + 180.0) % 360.0 - 180.0
    which, distance_m = index.nearest(q_lat, q_lon, max_distance_m=radius_m)
    for i in range(len(q_lat)):
        brute = _haversine_m(q_lat[i], q_lon[i], lat, lon)
        within = brute <= radius_m * (1 - 1e-9)
        if within.any():
            assert which[i] >= 0, (q_lat[i], q_lon[i], brute.min(), radius_m)
            assert abs(distance_m[i] - brute.min()) < 1e-3 + 1e-9 * brute.min()
        elif (brute > radius_m * (1 + 1e-9)).all():
            assert which[i] == -1


def test_dateline_and_pole_points_are_found_from_the_other_side() -> None:
    index = PointIndex.build(np.array([0.0, 89.99]), np.array([179.999, 10.0]))
    which, distance_m = index.nearest(
        np.array([0.0, 89.99]), np.array([-179.999, -170.0]), max_distance_m=5_000.0
    )
    assert which.tolist() == [0, 1]
    assert distance_m[0] < 300.0
    assert distance_m[1] < 5_000.0


def test_far_queries_skip_the_tree_and_get_no_answer() -> None:
    index = PointIndex.build(np.array([42.24]), np.array([130.3]))
    which, distance_m = index.nearest(
        np.array([10.0, np.nan]), np.array([10.0, 0.0]), max_distance_m=4_000.0
    )
    assert which.tolist() == [-1, -1]
    assert np.isinf(distance_m).all()
