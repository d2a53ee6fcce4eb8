"""Build darkfleet's signed distance-to-shore grid from Natural Earth 1:10m countries.

Usage::

    python scripts/build_shore_grid.py \
        /work/shared/data/real/ref-naturalearth/ne_10m_admin_0_countries_deu.zip \
        src/darkfleet/reference/data/shore_grid.npz

Method (documented in src/darkfleet/reference/data/SOURCE.md):

1. Land = union of all admin-0 country polygons (shapely ``union_all``), so land borders
   between countries vanish and only coastlines (and the shores of water bodies that are
   holes in the union, such as the Caspian Sea) remain.
2. The land mask is rasterised at ``CELL_DEG`` by an exact even-odd scanline fill at cell
   centres (vectorised NumPy, no per-cell Python).
3. The coastline (boundary of the union) is densified to at most ``DENSIFY_DEG`` between
   points and put in a KD-tree on unit vectors; each cell centre gets the great-circle
   distance to the nearest coastline point (exact on the sphere up to the densification
   spacing, correct across the antimeridian and at the poles).
4. Sign: positive where the cell centre is at sea, negative on land. Values saturate at
   +-``SATURATE_KM`` ("at least that far").
5. Stored as int16 tenths of a kilometre (100 m steps), differenced along each row
   (int8 wraps are avoided by storing the differences as int16) and compressed with
   ``np.savez_compressed``; ``darkfleet.reference.shore.load_shore_grid`` undoes it.

The script is deterministic: the same input zip gives the same array (the zip container
holds file times, so the bytes may differ).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np
import shapefile  # pyshp
import shapely
from scipy.spatial import cKDTree

CELL_DEG = 0.05  # ~5.6 km N-S; cell-centre error <= ~3.9 km, fine for a 20 nm rule
DENSIFY_DEG = 0.01  # <= ~1.1 km between coastline points
SATURATE_KM = 250.0  # far values are stored as +-250 km, meaning "at least 250 km"
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius, as darkfleet.units.EARTH_RADIUS_M
LAT_MIN, LAT_MAX, LON_MIN, LON_MAX = -90.0, 90.0, -180.0, 180.0


def read_land(path: Path) -> shapely.MultiPolygon:
    """Union of every country polygon in the shapefile (zip or .shp)."""
    reader = shapefile.Reader(str(path))
    geoms = [shapely.geometry.shape(s.__geo_interface__) for s in reader.iterShapes()]
    geoms = [g if g.is_valid else shapely.make_valid(g) for g in geoms]
    return shapely.union_all(geoms)


def rasterise_even_odd(land: shapely.Geometry, n_rows: int, n_cols: int) -> np.ndarray:
    """Boolean mask (row 0 = south) of cells whose centre lies inside ``land``.

    Even-odd scanline over every ring of the (non-overlapping) union: for each row centre,
    the x crossings of all edges, sorted, pair up into inside spans.
    """
    rings = shapely.get_rings(shapely.get_parts(land))
    coords, ring_idx = shapely.get_coordinates(rings, return_index=True)
    same_ring = ring_idx[1:] == ring_idx[:-1]
    x0, y0 = coords[:-1, 0][same_ring], coords[:-1, 1][same_ring]
    x1, y1 = coords[1:, 0][same_ring], coords[1:, 1][same_ring]
    y_lo, y_hi = np.minimum(y0, y1), np.maximum(y0, y1)
    r_start = np.ceil((y_lo - LAT_MIN) / CELL_DEG - 0.5).astype(np.int64)
    r_end = np.ceil((y_hi - LAT_MIN) / CELL_DEG - 0.5).astype(np.int64)
    r_start = np.clip(r_start, 0, n_rows)
    r_end = np.clip(r_end, 0, n_rows)
    count = np.maximum(r_end - r_start, 0)
    edge = np.repeat(np.arange(len(x0)), count)
    offset = np.arange(len(edge)) - np.repeat(np.cumsum(count) - count, count)
    row = r_start[edge] + offset
    y_row = LAT_MIN + (row + 0.5) * CELL_DEG
    t = (y_row - y0[edge]) / (y1[edge] - y0[edge])
    x_cross = x0[edge] + t * (x1[edge] - x0[edge])
    order = np.lexsort((x_cross, row))
    row, x_cross = row[order], x_cross[order]
    if len(row) % 2 or np.any(row[0::2] != row[1::2]):
        raise SystemExit("odd number of crossings in a row: polygon rings are not closed")
    c_start = np.ceil((x_cross[0::2] - LON_MIN) / CELL_DEG - 0.5).astype(np.int64)
    c_end = np.ceil((x_cross[1::2] - LON_MIN) / CELL_DEG - 0.5).astype(np.int64)
    span_row = row[0::2]
    diff = np.zeros((n_rows, n_cols + 1), dtype=np.int32)
    np.add.at(diff, (span_row, np.clip(c_start, 0, n_cols)), 1)
    np.add.at(diff, (span_row, np.clip(c_end, 0, n_cols)), -1)
    return np.cumsum(diff[:, :n_cols], axis=1) > 0


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lmb = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)])


def coast_distance_km(land: shapely.Geometry, n_rows: int, n_cols: int) -> np.ndarray:
    """Great-circle km from each cell centre to the nearest coastline point (capped)."""
    coast = shapely.get_coordinates(shapely.segmentize(land.boundary, DENSIFY_DEG))
    tree = cKDTree(unit_vectors(coast[:, 1], coast[:, 0]))
    bound = 2.0 * np.sin(SATURATE_KM / EARTH_RADIUS_KM / 2.0) * 1.001
    lon_c = LON_MIN + (np.arange(n_cols) + 0.5) * CELL_DEG
    out = np.empty((n_rows, n_cols), dtype=np.float32)
    chunk = 200
    for r0 in range(0, n_rows, chunk):  # build script, not a hot path: chunked for memory
        rows = np.arange(r0, min(r0 + chunk, n_rows))
        lat_c = LAT_MIN + (rows + 0.5) * CELL_DEG
        lat_g, lon_g = np.meshgrid(lat_c, lon_c, indexing="ij")
        chord, _ = tree.query(
            unit_vectors(lat_g.ravel(), lon_g.ravel()), distance_upper_bound=bound, workers=-1
        )
        km = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))
        out[rows] = np.where(np.isfinite(chord), km, SATURATE_KM).reshape(len(rows), n_cols)
    return np.minimum(out, SATURATE_KM)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("countries_zip", type=Path, help="ne_10m_admin_0_countries*.zip or .shp")
    parser.add_argument("output", type=Path, help="output .npz")
    args = parser.parse_args(argv)
    started = time.monotonic()
    n_rows = round((LAT_MAX - LAT_MIN) / CELL_DEG)
    n_cols = round((LON_MAX - LON_MIN) / CELL_DEG)
    land = read_land(args.countries_zip)
    is_land = rasterise_even_odd(land, n_rows, n_cols)
    distance_km = coast_distance_km(land, n_rows, n_cols)
    signed_km = np.where(is_land, -distance_km, distance_km)
    tenths = np.round(signed_km * 10.0).astype(np.int16)
    row_diff = np.diff(tenths, axis=1, prepend=np.int16(0)).astype(np.int16)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    source_sha = hashlib.sha256(args.countries_zip.read_bytes()).hexdigest()
    np.savez_compressed(
        args.output,
        row_diff_tenths_km=row_diff,
        lat_min=np.float64(LAT_MIN),
        lon_min=np.float64(LON_MIN),
        cell_deg=np.float64(CELL_DEG),
        saturate_km=np.float64(SATURATE_KM),
        source_sha256=np.str_(source_sha),
    )
    print(  # noqa: T201 - a script's report
        f"wrote {args.output} ({args.output.stat().st_size / 1e6:.1f} MB, "
        f"{n_rows}x{n_cols} cells, land {is_land.mean():.1%}) in {time.monotonic() - started:.0f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
