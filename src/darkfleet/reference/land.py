"""Shipped land mask of the Sea of Japan region and distances to land (reference layer).

Imports only ``units``. Used by the simulator (placing ships, routing) and by dark-leg
reasoning (``reference.sea_routes``).

``data/land_mask.npz`` is built once by ``scripts/build_simulator_land.py`` from Natural
Earth 1:10m country polygons (public domain): a 1/120-degree grid (about 0.93 km north-south)
over 30-48 N, 117-143 E (Sea of Japan, Yellow Sea, Bohai, north of the East China Sea), a
cell being land when its centre is inside a land polygon. Nothing here reads ``../shared``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from darkfleet.units import EARTH_RADIUS_M

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

__all__ = ["LandMask", "load_land_mask"]

#: kilometres per degree of latitude on the mean Earth sphere.
KM_PER_DEG: float = EARTH_RADIUS_M * np.pi / 180.0 / 1000.0
#: the distance grid pools this many mask cells per side (1/30 degree cells).
DISTANCE_POOL: int = 4


@dataclass(frozen=True, slots=True, eq=False)
class LandMask:
    """Boolean land grid; row 0 is the southernmost band starting at ``lat_min``."""

    is_land_cell: BoolArray
    lat_min: float
    lon_min: float
    cells_per_deg: int
    coarse_distance_km: npt.NDArray[np.float32]

    @classmethod
    def build(
        cls, is_land_cell: BoolArray, *, lat_min: float, lon_min: float, cells_per_deg: int
    ) -> LandMask:
        """Wrap a land grid and precompute its coarse distance-to-land grid."""
        return cls(
            is_land_cell=is_land_cell,
            lat_min=lat_min,
            lon_min=lon_min,
            cells_per_deg=cells_per_deg,
            coarse_distance_km=_distance_grid_km(is_land_cell, cells_per_deg),
        )

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the grid."""
        rows, cols = self.is_land_cell.shape
        return int(rows), int(cols)

    @property
    def lat_max(self) -> float:
        """Northern edge of the grid in degrees."""
        return self.lat_min + self.shape[0] / self.cells_per_deg

    @property
    def lon_max(self) -> float:
        """Eastern edge of the grid in degrees."""
        return self.lon_min + self.shape[1] / self.cells_per_deg

    def cells(self, lat: FloatArray, lon: FloatArray) -> tuple[IntArray, IntArray, BoolArray]:
        """Return (row, column, is_inside_grid) of each point's cell (clipped when outside)."""
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        rows, cols = self.shape
        row_f = np.floor((lat - self.lat_min) * self.cells_per_deg)
        col_f = np.floor((lon - self.lon_min) * self.cells_per_deg)
        inside = (row_f >= 0) & (row_f < rows) & (col_f >= 0) & (col_f < cols)
        row = np.clip(np.nan_to_num(row_f, nan=0.0), 0, rows - 1).astype(np.int64)
        col = np.clip(np.nan_to_num(col_f, nan=0.0), 0, cols - 1).astype(np.int64)
        return row, col, inside

    def centres(self, row: IntArray, col: IntArray) -> tuple[FloatArray, FloatArray]:
        """Return (lat, lon) of the cell centres."""
        lat = self.lat_min + (np.asarray(row, dtype=np.float64) + 0.5) / self.cells_per_deg
        lon = self.lon_min + (np.asarray(col, dtype=np.float64) + 0.5) / self.cells_per_deg
        return lat, lon

    def is_land(self, lat: FloatArray, lon: FloatArray) -> BoolArray:
        """True where the point's cell is land; points outside the grid count as sea."""
        row, col, inside = self.cells(lat, lon)
        return self.is_land_cell[row, col] & inside

    def distance_to_land_km(self, lat: FloatArray, lon: FloatArray) -> FloatArray:
        """Approximate distance from each point to the nearest land cell, in kilometres.

        Uses a Euclidean distance transform of the mask pooled to 1/30 degree, with the
        east-west cell size taken at 40 N: good to a few kilometres, which is all the
        reception model and the placement checks need.
        """
        row, col, _ = self.cells(lat, lon)
        n_rows, n_cols = self.coarse_distance_km.shape
        coarse_row = np.minimum(row // DISTANCE_POOL, n_rows - 1)
        coarse_col = np.minimum(col // DISTANCE_POOL, n_cols - 1)
        return np.asarray(self.coarse_distance_km[coarse_row, coarse_col], dtype=np.float64)


def _pool_any(mask: BoolArray, factor: int) -> BoolArray:
    rows, cols = mask.shape
    trimmed = mask[: rows - rows % factor, : cols - cols % factor]
    pooled = trimmed.reshape(rows // factor, factor, cols // factor, factor).any(axis=(1, 3))
    return np.asarray(pooled, dtype=np.bool_)


def _distance_grid_km(is_land_cell: BoolArray, cells_per_deg: int) -> npt.NDArray[np.float32]:
    coarse = _pool_any(is_land_cell, DISTANCE_POOL)
    cell_km_ns = KM_PER_DEG * DISTANCE_POOL / cells_per_deg
    cell_km_ew = cell_km_ns * float(np.cos(np.radians(40.0)))
    distance = ndimage.distance_transform_edt(~coarse, sampling=(cell_km_ns, cell_km_ew))
    return np.asarray(distance, dtype=np.float32)


@functools.cache
def load_land_mask() -> LandMask:
    """Load the shipped land mask (cached: the file is read once per process)."""
    with resources.files("darkfleet.reference").joinpath("data/land_mask.npz").open("rb") as fh:
        with np.load(fh) as archive:
            rows, cols = (int(v) for v in archive["shape"])
            is_land = np.unpackbits(archive["packed"], axis=1, count=cols).astype(bool)
            return LandMask.build(
                is_land[:rows],
                lat_min=float(archive["lat_min"]),
                lon_min=float(archive["lon_min"]),
                cells_per_deg=int(archive["cells_per_deg"]),
            )
