"""Build the simulator's shipped land mask from Natural Earth 1:10m (build time only).

Reads ``../shared/data/real/ref-naturalearth/ne_10m_admin_0_countries_deu.zip`` (public
domain), unions every country polygon that touches the simulator's region (Sea of Japan,
Yellow Sea, Bohai, north of the East China Sea) and rasterises it on a regular grid of
1/120 degree (30 arc-seconds, about 0.93 km north-south): a cell is land when its centre
lies inside a land polygon. The grid is bit-packed and compressed into
``src/darkfleet/reference/data/land_mask.npz`` (about 30 KB).

Nothing at run time reads ``../shared``: the simulator loads only the shipped file.

Run from the repository root::

    python scripts/build_simulator_land.py [--natural-earth PATH]

Needs the ``build`` dependency group (pyshp, shapely).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import shapefile
import shapely
from shapely.geometry import box, shape

REPO = Path(__file__).resolve().parent.parent
NE_ZIP = Path("shared", "data", "real", "ref-naturalearth", "ne_10m_admin_0_countries_deu.zip")
# ../shared beside the repository (main checkout) or two levels up (a git worktree in wt/).
DEFAULT_SOURCE = next(
    (base / NE_ZIP for base in (REPO.parent, REPO.parent.parent) if (base / NE_ZIP).is_file()),
    REPO.parent / NE_ZIP,
)
OUTPUT = REPO / "src" / "darkfleet" / "reference" / "data" / "land_mask.npz"

LAT_MIN, LAT_MAX = 30.0, 48.0
LON_MIN, LON_MAX = 117.0, 143.0
CELLS_PER_DEG = 120


def build_land_polygon(source: Path) -> shapely.Geometry:
    """Union of the Natural Earth country polygons clipped to the region (plus a margin)."""
    region = box(LON_MIN - 0.5, LAT_MIN - 0.5, LON_MAX + 0.5, LAT_MAX + 0.5)
    reader = shapefile.Reader(str(source))
    pieces = []
    for item in reader.iterShapeRecords():
        west, south, east, north = item.shape.bbox
        if (
            east < LON_MIN - 0.5
            or west > LON_MAX + 0.5
            or north < LAT_MIN - 0.5
            or south > LAT_MAX + 0.5
        ):
            continue
        geometry = shapely.make_valid(shape(item.shape.__geo_interface__)).intersection(region)
        if not geometry.is_empty:
            pieces.append(geometry)
    return shapely.union_all(pieces)


def rasterise(land: shapely.Geometry) -> np.ndarray:
    """Boolean grid, row 0 the southernmost band: True where the cell centre is on land."""
    cell_deg = 1.0 / CELLS_PER_DEG
    n_rows = round((LAT_MAX - LAT_MIN) * CELLS_PER_DEG)
    n_cols = round((LON_MAX - LON_MIN) * CELLS_PER_DEG)
    lats = LAT_MIN + (np.arange(n_rows) + 0.5) * cell_deg
    lons = LON_MIN + (np.arange(n_cols) + 0.5) * cell_deg
    shapely.prepare(land)
    grid_lon, grid_lat = np.meshgrid(lons, lats)
    inside = shapely.contains_xy(land, grid_lon.ravel(), grid_lat.ravel())
    return inside.reshape(n_rows, n_cols)


def main() -> None:
    """Build and write the land mask."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--natural-earth", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args()
    land = build_land_polygon(args.natural_earth)
    mask = rasterise(land)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        OUTPUT,
        packed=np.packbits(mask, axis=1),
        shape=np.array(mask.shape, dtype=np.int64),
        lat_min=np.float64(LAT_MIN),
        lon_min=np.float64(LON_MIN),
        cells_per_deg=np.int64(CELLS_PER_DEG),
    )
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes, land ratio {mask.mean():.3f})")  # noqa: T201


if __name__ == "__main__":
    main()
