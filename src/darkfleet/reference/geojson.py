"""Read a user's ports from a GeoJSON FeatureCollection (reference layer).

Imports ``schema``, ``errors`` and ``reference.countries``. Each feature is a Point,
MultiPoint, Polygon or MultiPolygon with properties ``name`` and ``country`` (ISO 3166-1
alpha-3; alpha-2 accepted and converted); an optional ``port_id`` sets the id (default
``<country>-<NAME>``, e.g. ``PRK-NAJIN``, so a feature named like a built-in port of the
same country refines that port).

Port detectors test distance to port points (enter within 3 km, leave beyond 4 km), so a
polygon becomes points that cover it: its vertices, points every ``POLYGON_STEP_M`` along
its edges and a grid of interior points ``POLYGON_STEP_M`` apart. Every place inside the
polygon is then within about 1.2 km of a point (half the grid diagonal, 0.71 km, plus half
an edge step), well inside the 3 km entry radius; like a built-in port, the area counts
out to the entry radius beyond its edge. Holes are ignored (a berth's water is still the
port). Polygons crossing the antimeridian are not supported: split them in two.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from darkfleet import schema
from darkfleet.errors import DecodeError, InputError
from darkfleet.reference._names import normalise_name, slug
from darkfleet.reference.countries import to_alpha3

__all__ = ["POLYGON_STEP_M", "load_ports_geojson", "polygon_cover_points"]

#: Spacing of the points that cover a polygon, metres.
POLYGON_STEP_M: Final[float] = 1000.0
#: Refuse polygons needing more points than this (about 50,000 km^2 at 1 km spacing).
MAX_POINTS_PER_FEATURE: Final[int] = 50_000
_M_PER_DEG_LAT: Final[float] = 111_195.0

FloatArray = npt.NDArray[np.float64]
Ring = list[tuple[float, float]]  # (lon, lat) pairs as in GeoJSON


def _inside(lon: FloatArray, lat: FloatArray, ring: Ring) -> npt.NDArray[np.bool_]:
    """Even-odd rule point-in-polygon test, vectorised over query points."""
    xs = np.array([p[0] for p in ring])
    ys = np.array([p[1] for p in ring])
    inside = np.zeros(len(lon), dtype=bool)
    for i in range(len(ring) - 1):  # loop over edges, vectorised over points
        x1, y1, x2, y2 = xs[i], ys[i], xs[i + 1], ys[i + 1]
        if y1 == y2:
            continue
        crosses = (y1 > lat) != (y2 > lat)
        x_at = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (lon < x_at)
    return inside


def polygon_cover_points(
    ring: Ring, *, step_m: float = POLYGON_STEP_M
) -> list[tuple[float, float]]:
    """Return (lat, lon) points covering a polygon's exterior ring: vertices, edges, interior.

    ``ring`` holds GeoJSON (lon, lat) positions, first equal to last.

    Examples
    --------
    >>> square = [(130.0, 42.0), (130.02, 42.0), (130.02, 42.02), (130.0, 42.02), (130.0, 42.0)]
    >>> points = polygon_cover_points(square)
    >>> len(points) > 4, all(42.0 <= lat <= 42.02 for lat, _ in points)
    (True, True)
    """
    lat0 = sum(p[1] for p in ring) / len(ring)
    lat_step = step_m / _M_PER_DEG_LAT
    lon_step = lat_step / max(math.cos(math.radians(lat0)), 0.01)
    points: set[tuple[float, float]] = set()
    for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:], strict=True):
        length = math.hypot((x2 - x1) / lon_step, (y2 - y1) / lat_step)
        for k in range(max(1, math.ceil(length))):
            t = k / max(1, math.ceil(length))
            points.add((round(y1 + t * (y2 - y1), 6), round(x1 + t * (x2 - x1), 6)))
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    n_lon = math.floor((max(lons) - min(lons)) / lon_step) + 1
    n_lat = math.floor((max(lats) - min(lats)) / lat_step) + 1
    if n_lon * n_lat > MAX_POINTS_PER_FEATURE:
        raise ValueError(f"needs about {n_lon * n_lat} grid points")
    grid_lon, grid_lat = np.meshgrid(
        min(lons) + lon_step * (np.arange(n_lon) + 0.5),
        min(lats) + lat_step * (np.arange(n_lat) + 0.5),
    )
    grid_lon = grid_lon.ravel()
    grid_lat = grid_lat.ravel()
    keep = _inside(grid_lon, grid_lat, ring)
    points |= {
        (round(float(a), 6), round(float(b), 6))
        for a, b in zip(grid_lat[keep], grid_lon[keep], strict=True)
    }
    return sorted(points)


def _fail(path: Path, index: int, name: object, problem: str) -> InputError:
    label = f" ({name!r})" if isinstance(name, str) else ""
    return InputError(f"{path}: feature {index}{label}: {problem}")


def _position(path: Path, index: int, name: object, value: Any) -> tuple[float, float]:
    if (
        not isinstance(value, list | tuple)
        or len(value) < 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value[:2])
    ):
        raise _fail(path, index, name, f"position {value!r} is not [longitude, latitude]")
    lon, lat = float(value[0]), float(value[1])
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise _fail(
            path,
            index,
            name,
            f"position [{value[0]}, {value[1]}] is out of range; GeoJSON positions are "
            "[longitude, latitude] in WGS84 degrees (longitude first)",
        )
    return lon, lat


def _ring(path: Path, index: int, name: object, value: Any) -> Ring:
    if not isinstance(value, list):
        raise _fail(path, index, name, "a polygon ring must be a list of positions")
    ring = [_position(path, index, name, p) for p in value]
    if len(ring) < 4 or ring[0] != ring[-1]:
        raise _fail(
            path,
            index,
            name,
            f"a polygon ring needs at least 4 positions with the first repeated last, got "
            f"{len(ring)}; close the ring",
        )
    if max(p[0] for p in ring) - min(p[0] for p in ring) > 180.0:
        raise _fail(path, index, name, "the polygon crosses the antimeridian; split it into two")
    return ring


def _feature_points(
    path: Path, index: int, name: object, geometry: Any
) -> list[tuple[float, float]]:
    if not isinstance(geometry, dict) or "type" not in geometry:
        raise _fail(path, index, name, "missing geometry; give a Point or Polygon geometry")
    kind = geometry["type"]
    coords = geometry.get("coordinates")
    try:
        if kind == "Point":
            lon, lat = _position(path, index, name, coords)
            return [(lat, lon)]
        if kind == "MultiPoint" and isinstance(coords, list):
            return [(lat, lon) for lon, lat in (_position(path, index, name, c) for c in coords)]
        if kind == "Polygon" and isinstance(coords, list) and coords:
            return polygon_cover_points(_ring(path, index, name, coords[0]))
        if kind == "MultiPolygon" and isinstance(coords, list) and coords:
            points: list[tuple[float, float]] = []
            for polygon in coords:
                if not isinstance(polygon, list) or not polygon:
                    raise _fail(path, index, name, "a MultiPolygon member has no rings")
                points += polygon_cover_points(_ring(path, index, name, polygon[0]))
            return points
    except ValueError as err:
        raise _fail(
            path,
            index,
            name,
            f"the polygon is too large for port proximity ({err}); draw the port's berths "
            "and anchorages, not the whole bay, or give Points",
        ) from err
    raise _fail(
        path,
        index,
        name,
        f"geometry type {kind!r} with coordinates {str(coords)[:60]} is not supported; use "
        "Point, MultiPoint, Polygon or MultiPolygon",
    )


def load_ports_geojson(path: str | Path) -> pl.DataFrame:
    """Read a GeoJSON FeatureCollection of ports into ``schema.PORTS`` points.

    Parameters
    ----------
    path
        The file. Each feature needs properties ``name`` (text) and ``country`` (ISO 3166-1
        alpha-3 such as ``PRK``; alpha-2 such as ``KP`` is converted); ``port_id`` is
        optional. Polygons become covering points (see the module docstring).

    Returns
    -------
    ``schema.PORTS``: one row per point, sorted by ``port_id``, ``lat``, ``lon``.

    Raises
    ------
    InputError
        The file is missing, not a FeatureCollection, or a feature lacks a property or has
        a bad geometry; the message names the feature's index (from 0) and the fix.
    DecodeError
        The file is not valid JSON (the message gives line and column).

    Examples
    --------
    >>> import tempfile
    >>> doc = {"type": "FeatureCollection", "features": [{"type": "Feature",
    ...     "properties": {"name": "Rajin pier 1", "country": "KP"},
    ...     "geometry": {"type": "Point", "coordinates": [130.30, 42.24]}}]}
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     file = Path(tmp) / "ports.geojson"
    ...     _ = file.write_text(json.dumps(doc))
    ...     load_ports_geojson(file).row(0)
    ('PRK-RAJIN-PIER-1', 'Rajin pier 1', 'PRK', 42.24, 130.3)
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise InputError(f"{path}: ports file not found; check the --ports path") from err
    except (OSError, UnicodeDecodeError) as err:
        raise DecodeError(f"{path}: cannot read the ports file as UTF-8 text ({err})") from err
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise DecodeError(
            f"{path}:{err.lineno}:{err.colno}: not valid JSON ({err.msg}); a ports file is a "
            "GeoJSON FeatureCollection"
        ) from err
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise InputError(
            f"{path}: expected a GeoJSON FeatureCollection "
            '({"type": "FeatureCollection", "features": [...]}), '
            f"got {type(document).__name__ if not isinstance(document, dict) else document.get('type')!r}"
        )
    features = document.get("features")
    if not isinstance(features, list):
        raise InputError(f"{path}: the FeatureCollection has no 'features' list")
    rows: list[tuple[str, str, str, float, float]] = []
    for index, feature in enumerate(features):
        if not isinstance(feature, dict):
            raise _fail(path, index, None, "is not a GeoJSON Feature object")
        properties = feature.get("properties") or {}
        name = properties.get("name")
        if not isinstance(name, str) or not normalise_name(name):
            raise _fail(
                path, index, name, "property 'name' is missing or empty; add the port's name"
            )
        country = properties.get("country")
        if not isinstance(country, str):
            raise _fail(
                path,
                index,
                name,
                "property 'country' is missing; add an ISO 3166-1 alpha-3 code such as 'PRK'",
            )
        alpha3 = to_alpha3(country)
        if alpha3 is None:
            raise _fail(
                path,
                index,
                name,
                f"country {country!r} is not an ISO 3166-1 alpha-3 or alpha-2 code; use e.g. "
                "'RUS' or 'RU'",
            )
        port_id = properties.get("port_id")
        if port_id is not None and (not isinstance(port_id, str) or not port_id.strip()):
            raise _fail(path, index, name, "property 'port_id' must be non-empty text when given")
        port_id = port_id.strip() if isinstance(port_id, str) else f"{alpha3}-{slug(name)}"
        for lat, lon in _feature_points(path, index, name, feature.get("geometry")):
            rows.append((port_id, name.strip(), alpha3, lat, lon))
    points = pl.DataFrame(rows, schema=list(schema.PORTS), orient="row")
    points = schema.conform(points, schema.PORTS).unique().sort(["port_id", "lat", "lon"])
    names = points.group_by("port_id").agg(pl.col("name").n_unique().alias("n"))
    clash = names.filter(pl.col("n") > 1)
    if clash.height:
        raise InputError(
            f"{path}: port_id {clash['port_id'][0]!r} is given to features with different names; "
            "give each port one name (or distinct port_id properties)"
        )
    return points
