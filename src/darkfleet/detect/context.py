"""Geographic context that detectors take as an argument: ports and distance to shore.

Detectors stay pure: the engine loads reference data (``darkfleet.reference``) and hands
it to them in a ``GeoContext``. Nothing here reads files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.spatial import cKDTree

from darkfleet import schema
from darkfleet.units import EARTH_RADIUS_M

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = ["DistanceGrid", "GeoContext", "PointIndex"]


def _unit_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    phi = np.radians(lat)
    lmb = np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)])


#: Cell size of the grid that screens queries before the KD-tree (degrees).
SCREEN_CELL_DEG: Final = 0.1
#: Radii above this use the KD-tree alone (a screen would mark most cells anyway).
SCREEN_MAX_RADIUS_M: Final = 100_000.0


def _screen_cells(lat: FloatArray, lon: FloatArray) -> tuple[IntArray, IntArray]:
    """Row and column of the ``SCREEN_CELL_DEG`` cell holding each point (finite input)."""
    n_rows, n_cols = round(180 / SCREEN_CELL_DEG), round(360 / SCREEN_CELL_DEG)
    row = np.clip(np.floor((lat + 90.0) / SCREEN_CELL_DEG).astype(np.int64), 0, n_rows - 1)
    col = np.floor((lon + 180.0) / SCREEN_CELL_DEG).astype(np.int64) % n_cols
    return row, col


def _screen_grid(lat: FloatArray, lon: FloatArray, radius_m: float) -> npt.NDArray[np.bool_]:
    """Cells holding any place within ``radius_m`` of a point: a conservative screen.

    Each point marks every cell its bounding box of angular radius theta overlaps: theta
    in latitude and ``asin(sin theta / cos(|lat| + theta))`` in longitude (the widest
    extent of the spherical cap), widened by 1 % against rounding; caps reaching a pole
    mark whole rows.
    """
    n_rows, n_cols = round(180 / SCREEN_CELL_DEG), round(360 / SCREEN_CELL_DEG)
    grid = np.zeros((n_rows, n_cols), dtype=np.bool_)
    theta = radius_m / EARTH_RADIUS_M * 1.01
    dlat = np.degrees(theta)
    edge = np.radians(np.abs(lat)) + theta
    polar = edge >= np.pi / 2 - 1e-9
    dlon = np.degrees(
        np.arcsin(np.clip(np.sin(theta) / np.cos(np.where(polar, 0.0, edge)), 0.0, 1.0))
    )
    row0, _ = _screen_cells(lat - dlat, lon)
    row1, _ = _screen_cells(lat + dlat, lon)
    col0 = np.floor((lon - dlon + 180.0) / SCREEN_CELL_DEG).astype(np.int64)
    col1 = np.floor((lon + dlon + 180.0) / SCREEN_CELL_DEG).astype(np.int64)
    for r0, r1 in zip(row0[polar], row1[polar], strict=True):
        grid[r0 : r1 + 1, :] = True
    row0, row1, col0, col1 = row0[~polar], row1[~polar], col0[~polar], col1[~polar]
    if len(row0) == 0:
        return grid
    for d_row in range(int((row1 - row0).max()) + 1):
        for d_col in range(int((col1 - col0).max()) + 1):
            hit = (row0 + d_row <= row1) & (col0 + d_col <= col1)
            grid[row0[hit] + d_row, (col0[hit] + d_col) % n_cols] = True
    return grid


@dataclass(frozen=True, slots=True, eq=False)
class PointIndex:
    """Nearest-neighbour index over points on the sphere (a KD-tree on unit vectors).

    Chord length on the unit sphere maps one-to-one to great-circle distance, so the
    nearest point by chord is the nearest by great circle; distances are returned in metres.
    Queries with a bound of at most ``SCREEN_MAX_RADIUS_M`` first pass a grid of the cells
    within that bound of any point (built once per bound), so positions far from every
    point (most positions at sea, for ports) never reach the tree.

    Examples
    --------
    >>> index = PointIndex.build(np.array([0.0, 10.0]), np.array([0.0, 10.0]))
    >>> which, distance_m = index.nearest(np.array([0.0]), np.array([1.0]))
    >>> int(which[0]), round(float(distance_m[0]) / 1852, 1)
    (0, 60.0)
    """

    tree: cKDTree
    size: int
    lat: FloatArray
    lon: FloatArray
    screens: dict[float, npt.NDArray[np.bool_]] = field(default_factory=dict)

    @classmethod
    def build(cls, lat: FloatArray, lon: FloatArray) -> PointIndex:
        """Index the given points (degrees)."""
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        return cls(tree=cKDTree(_unit_vectors(lat, lon)), size=len(lat), lat=lat, lon=lon)

    def nearest(
        self, lat: FloatArray, lon: FloatArray, *, max_distance_m: float | None = None
    ) -> tuple[IntArray, FloatArray]:
        """Return (index of the nearest point, great-circle distance in metres) for each query.

        Queries with NaN coordinates, or farther than ``max_distance_m``, get index -1 and
        distance ``inf``.
        """
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        which = np.full(len(lat), -1, dtype=np.int64)
        distance_m = np.full(len(lat), np.inf)
        ok = np.isfinite(lat) & np.isfinite(lon)
        if self.size == 0 or not ok.any():
            return which, distance_m
        bound = np.inf
        if max_distance_m is not None:
            bound = 2.0 * np.sin(min(max_distance_m / EARTH_RADIUS_M, np.pi) / 2.0)
            if max_distance_m <= SCREEN_MAX_RADIUS_M:
                screen = self.screens.get(max_distance_m)
                if screen is None:
                    screen = _screen_grid(self.lat, self.lon, max_distance_m)
                    self.screens[max_distance_m] = screen
                candidates = np.flatnonzero(ok)
                row, col = _screen_cells(lat[candidates], lon[candidates])
                ok = np.zeros(len(lat), dtype=np.bool_)
                ok[candidates[screen[row, col]]] = True
                if not ok.any():
                    return which, distance_m
        chord, idx = self.tree.query(_unit_vectors(lat[ok], lon[ok]), distance_upper_bound=bound)
        found = np.isfinite(chord)
        sub_which = np.where(found, idx, -1).astype(np.int64)
        sub_dist = np.where(
            found, 2.0 * EARTH_RADIUS_M * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0)), np.inf
        )
        which[ok] = sub_which
        distance_m[ok] = sub_dist
        return which, distance_m


@dataclass(frozen=True, slots=True, eq=False)
class DistanceGrid:
    """Signed distance to the nearest coastline on a regular lat/lon grid, in kilometres.

    Positive at sea (distance to the nearest land), negative on land (distance to the
    nearest sea). Row 0 is the southernmost band starting at ``lat_min``; column 0 starts
    at ``lon_min``; cells are ``cell_deg`` square.
    """

    values_km: npt.NDArray[np.float32]
    lat_min: float
    lon_min: float
    cell_deg: float

    def lookup_km(self, lat: FloatArray, lon: FloatArray) -> FloatArray:
        """Signed distance to shore in km of the cell holding each point (NaN for null input)."""
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        n_lat, n_lon = self.values_km.shape
        ok = np.isfinite(lat) & np.isfinite(lon)
        row = np.clip(
            ((np.where(ok, lat, 0.0) - self.lat_min) / self.cell_deg).astype(np.int64), 0, n_lat - 1
        )
        col = np.clip(
            ((np.where(ok, lon, 0.0) - self.lon_min) / self.cell_deg).astype(np.int64), 0, n_lon - 1
        )
        out = self.values_km[row, col].astype(np.float64)
        out[~ok] = np.nan
        return out


@dataclass(frozen=True, slots=True, eq=False)
class GeoContext:
    """Reference geography for detectors.

    ports : port reference points in ``schema.PORTS`` form (several points per port).
    sensitive_port_ids : ``port_id`` values the configuration marks as sensitive
        (default: DPRK ports and Russian Far East ports).
    shore : signed distance-to-shore grid, or None when unavailable (detectors that need it
        then raise ``ConfigError``).
    """

    ports: pl.DataFrame = field(default_factory=lambda: schema.empty(schema.PORTS))
    sensitive_port_ids: frozenset[str] = frozenset()
    shore: DistanceGrid | None = None
    port_index: PointIndex = field(init=False)

    def __post_init__(self) -> None:
        schema.require(self.ports, schema.PORTS, what="ports")
        object.__setattr__(
            self,
            "port_index",
            PointIndex.build(self.ports["lat"].to_numpy(), self.ports["lon"].to_numpy()),
        )
