"""Sea routes on water: searoute's lanes checked against the land mask and refined.

Reference layer: imports ``errors``, ``reference.land`` and ``darkfleet.geodesy`` only, so
both the simulator (``simulate.routes``) and dark-leg reasoning (``fuse.darklegs``) use it
without importing each other.

``searoute`` (Eurostat's MARNET network) gives the lane between two points. Its network
is coarse in the Sea of Japan (Vostochny to Rajin comes back as two nodes ending near
132 E, and the first node lies 50 km east of Vostochny), so every route is checked
against the shipped land mask (``reference.land``) and refined:

1. the route starts and ends at the given points; a first or last network node that
   makes a detour (the end point is closer to the next node than that node is) is dropped;
2. every leg is sampled every 200 m against a *routing mask*: land grown by one cell
   (about 0.9 km of sea room) except inside port zones (water within 5 km of a port);
3. each run of blocked samples is replaced by the shortest 8-connected water path on the
   routing mask (Dijkstra in a window around the run, widened until a path exists), then
   straightened by line of sight so ships do not sail staircases.

Every leg of the result therefore lies on water cells of the routing mask, except the
first and last legs when an end point itself lies on a blocked cell (a berth next to a
quay): those legs join the end point to the nearest free cell.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import searoute
from scipy import ndimage, sparse
from scipy.sparse import csgraph

from darkfleet.errors import ConfigError
from darkfleet.geodesy import haversine_m
from darkfleet.reference.land import KM_PER_DEG, LandMask

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

__all__ = [
    "PORT_ZONE_KM",
    "SAMPLE_SPACING_M",
    "RoutingGrid",
    "build_routing_grid",
    "cells_within_km",
    "cumulative_m",
    "densify",
    "nearest_free_point",
    "sea_route",
]

#: water within this distance of a port point stays routable even next to land (km).
PORT_ZONE_KM = 5.0
#: legs are checked against the mask at this spacing (m), a fifth of a cell.
SAMPLE_SPACING_M = 200.0


@dataclass(frozen=True, slots=True, eq=False)
class RoutingGrid:
    """Cells a ship may sail through: water, one cell away from land except in port zones."""

    land: LandMask
    is_blocked: BoolArray

    def blocked_at(self, lat: FloatArray, lon: FloatArray) -> BoolArray:
        """True where a point's cell is blocked; outside the grid counts as open sea."""
        row, col, inside = self.land.cells(lat, lon)
        return self.is_blocked[row, col] & inside


def cumulative_m(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Distance along a polyline from its first point, in metres (one value per vertex)."""
    steps = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    return np.concatenate([[0.0], np.cumsum(steps)])


def cells_within_km(
    land: LandMask, lat: float, lon: float, radius_km: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """Cells whose centres lie within ``radius_km`` of a point, with distances in km."""
    reach = (
        int(np.ceil(radius_km / (KM_PER_DEG / land.cells_per_deg) / np.cos(np.radians(lat)))) + 1
    )
    row0, col0, _ = land.cells(np.array([lat]), np.array([lon]))
    rows_n, cols_n = land.shape
    rr, cc = np.meshgrid(
        np.arange(max(row0[0] - reach, 0), min(row0[0] + reach + 1, rows_n)),
        np.arange(max(col0[0] - reach, 0), min(col0[0] + reach + 1, cols_n)),
        indexing="ij",
    )
    rows = rr.ravel().astype(np.int64)
    cols = cc.ravel().astype(np.int64)
    cell_lat, cell_lon = land.centres(rows, cols)
    distance_km = haversine_m(lat, lon, cell_lat, cell_lon) / 1000.0
    keep = distance_km <= radius_km
    return rows[keep], cols[keep], distance_km[keep]


def build_routing_grid(
    land: LandMask, ports: Sequence[tuple[float, float]], *, zone_km: float = PORT_ZONE_KM
) -> RoutingGrid:
    """The routing mask for ``land`` with port zones around ``ports`` ((lat, lon) points).

    Land grown by one cell is blocked, except water inside port zones. A port whose zone
    is cut off from the open sea by the grown land (a narrow harbour such as Vladivostok's
    Golden Horn) gets a channel: the shortest path over water cells from its nearest water
    cell to the open sea is unblocked. Pockets of free cells that no ship can reach from
    the open sea are then blocked, so every free cell is reachable.
    """
    blocked = ndimage.binary_dilation(land.is_land_cell, structure=np.ones((3, 3), dtype=bool))
    for lat, lon in ports:
        rr, cc, _ = cells_within_km(land, lat, lon, zone_km)
        blocked[rr, cc] = land.is_land_cell[rr, cc]
    sea = _open_sea(blocked)
    for lat, lon in ports:
        rr, cc, distance_km = cells_within_km(land, lat, lon, 3.0)
        water = ~land.is_land_cell[rr, cc]
        if not water.any():
            continue
        nearest = int(np.argmin(np.where(water, distance_km, np.inf)))
        start = (int(rr[nearest]), int(cc[nearest]))
        if not sea[start]:
            _carve_channel(land, blocked, sea, start)
    blocked |= ~_open_sea(blocked)
    return RoutingGrid(land=land, is_blocked=blocked)


def _open_sea(blocked: BoolArray) -> BoolArray:
    """Free cells 4-connected to the largest free component (the open sea)."""
    labels, count = ndimage.label(~blocked)
    if count == 0:
        return np.zeros_like(blocked)
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return np.asarray(labels == int(np.argmax(sizes)), dtype=bool)


def _carve_channel(
    land: LandMask, blocked: BoolArray, sea: BoolArray, start: tuple[int, int]
) -> None:
    """Unblock the shortest water path from ``start`` to the nearest open-sea cell (in place)."""
    rows_n, cols_n = blocked.shape
    for margin in (20, 60, 180):
        r0, r1 = max(start[0] - margin, 0), min(start[0] + margin + 1, rows_n)
        c0, c1 = max(start[1] - margin, 0), min(start[1] + margin + 1, cols_n)
        window_sea = sea[r0:r1, c0:c1]
        if not window_sea.any():
            continue
        water = ~land.is_land_cell[r0:r1, c0:c1]
        graph, index = _grid_graph(land, (r0, c0), water)
        s = index[start[0] - r0, start[1] - c0]
        distances, predecessors = csgraph.dijkstra(graph, indices=s, return_predecessors=True)
        reach = np.where(window_sea.ravel(), distances, np.inf)
        goal = int(np.argmin(reach))
        if not np.isfinite(reach[goal]):
            continue
        cells = [goal]
        while cells[-1] != s:
            cells.append(int(predecessors[cells[-1]]))
        flat = np.array(cells, dtype=np.int64)
        rr = flat // (c1 - c0) + r0
        cc = flat % (c1 - c0) + c0
        blocked[rr, cc] = False
        # free the water neighbours too, so diagonal steps keep their orthogonal cells
        for dr, dc in ((0, 1), (0, -1), (1, 0), (-1, 0)):
            nr = np.clip(rr + dr, 0, rows_n - 1)
            nc = np.clip(cc + dc, 0, cols_n - 1)
            blocked[nr, nc] &= land.is_land_cell[nr, nc]
        return


def densify(lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray, IntArray]:
    """Samples every ``SAMPLE_SPACING_M`` along the polyline; returns (lat, lon, vertex index).

    ``vertex`` holds the polyline vertex a sample sits on, or -1 between vertices.
    """
    steps = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    counts = np.maximum(np.ceil(steps / SAMPLE_SPACING_M).astype(np.int64), 1)
    leg = np.repeat(np.arange(len(steps)), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    frac = (np.arange(counts.sum()) - np.repeat(first, counts)) / np.repeat(counts, counts)
    out_lat = np.concatenate([lat[leg] + (lat[leg + 1] - lat[leg]) * frac, lat[-1:]])
    out_lon = np.concatenate([lon[leg] + (lon[leg + 1] - lon[leg]) * frac, lon[-1:]])
    vertex = np.concatenate([np.where(frac == 0.0, leg, -1), [len(lat) - 1]])
    return out_lat, out_lon, vertex


def _segment_is_free(grid: RoutingGrid, lat0: float, lon0: float, lat1: float, lon1: float) -> bool:
    sample_lat, sample_lon, _ = densify(np.array([lat0, lat1]), np.array([lon0, lon1]))
    return not bool(grid.blocked_at(sample_lat, sample_lon).any())


def _grid_path(grid: RoutingGrid, start: tuple[int, int], goal: tuple[int, int]) -> IntArray:
    """Shortest 8-connected path of free cells from start to goal, as (k, 2) cell indices."""
    rows_n, cols_n = grid.is_blocked.shape
    margin = 30
    while True:
        r0 = max(min(start[0], goal[0]) - margin, 0)
        r1 = min(max(start[0], goal[0]) + margin + 1, rows_n)
        c0 = max(min(start[1], goal[1]) - margin, 0)
        c1 = min(max(start[1], goal[1]) + margin + 1, cols_n)
        path = _window_path(grid, (r0, c0), ~grid.is_blocked[r0:r1, c0:c1], start, goal)
        if path is not None:
            return path
        if r0 == 0 and c0 == 0 and r1 == rows_n and c1 == cols_n:
            raise ConfigError(f"no sea route between cells {start} and {goal} on the land mask")
        margin *= 3


def _grid_graph(
    land: LandMask, origin: tuple[int, int], is_free: BoolArray
) -> tuple[sparse.csr_matrix, IntArray]:
    """8-connected graph of free cells (edge weights in km), no corner cutting."""
    n_rows, n_cols = is_free.shape
    index = np.arange(n_rows * n_cols).reshape(n_rows, n_cols)
    lat_centre, _ = land.centres(
        np.arange(origin[0], origin[0] + n_rows), np.zeros(n_rows, np.int64)
    )
    cell_ns_km = KM_PER_DEG / land.cells_per_deg
    cell_ew_km = cell_ns_km * np.cos(np.radians(lat_centre))[:, None] * np.ones((1, n_cols))
    sources: list[IntArray] = []
    targets: list[IntArray] = []
    weights: list[FloatArray] = []
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        a = (slice(0, n_rows - dr), slice(max(-dc, 0), n_cols - max(dc, 0)))
        b = (slice(dr, n_rows), slice(max(dc, 0), n_cols + min(dc, 0)))
        ok = is_free[a] & is_free[b]
        if dr and dc:  # diagonal: both orthogonal neighbours must be free (no corner cutting)
            ok &= is_free[(slice(0, n_rows - dr), b[1])] & is_free[(slice(dr, n_rows), a[1])]
        length = np.hypot(dr * cell_ns_km, dc * cell_ew_km[a])
        sources.append(index[a][ok])
        targets.append(index[b][ok])
        weights.append(length[ok])
    src = np.concatenate(sources)
    dst = np.concatenate(targets)
    weight = np.concatenate(weights)
    graph = sparse.coo_matrix(
        (
            np.concatenate([weight, weight]),
            (np.concatenate([src, dst]), np.concatenate([dst, src])),
        ),
        shape=(n_rows * n_cols, n_rows * n_cols),
    ).tocsr()
    return graph, index


def _window_path(
    grid: RoutingGrid,
    origin: tuple[int, int],
    is_free: BoolArray,
    start: tuple[int, int],
    goal: tuple[int, int],
) -> IntArray | None:
    n_cols = is_free.shape[1]
    graph, index = _grid_graph(grid.land, origin, is_free)
    s = index[start[0] - origin[0], start[1] - origin[1]]
    g = index[goal[0] - origin[0], goal[1] - origin[1]]
    distances, predecessors = csgraph.dijkstra(graph, indices=s, return_predecessors=True)
    if not np.isfinite(distances[g]):
        return None
    cells = [int(g)]
    while cells[-1] != s:
        cells.append(int(predecessors[cells[-1]]))
    flat = np.array(cells[::-1], dtype=np.int64)
    return np.column_stack([flat // n_cols + origin[0], flat % n_cols + origin[1]])


def _straighten(
    grid: RoutingGrid, lat: FloatArray, lon: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Drop vertices while the straight segment that replaces them stays on free cells."""
    keep = [0]
    i = 0
    n = len(lat)
    while i < n - 1:
        best = i + 1
        step = 1
        while i + step * 2 < n and _segment_is_free(
            grid, lat[i], lon[i], lat[i + step * 2], lon[i + step * 2]
        ):
            step *= 2
        lo, hi = i + step, min(i + step * 2, n - 1)
        best = lo
        while lo <= hi:
            mid = (lo + hi) // 2
            if _segment_is_free(grid, lat[i], lon[i], lat[mid], lon[mid]):
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
        keep.append(best)
        i = best
    return lat[keep], lon[keep]


def _drop_detours(lat: list[float], lon: list[float]) -> tuple[list[float], list[float]]:
    """Drop first/last network nodes that the end point would reach the next node without."""
    while len(lat) > 3 and haversine_m(lat[0], lon[0], lat[2], lon[2]) < haversine_m(
        lat[1], lon[1], lat[2], lon[2]
    ):
        del lat[1], lon[1]
    while len(lat) > 3 and haversine_m(lat[-1], lon[-1], lat[-3], lon[-3]) < haversine_m(
        lat[-2], lon[-2], lat[-3], lon[-3]
    ):
        del lat[-2], lon[-2]
    return lat, lon


def sea_route(
    grid: RoutingGrid, o_lat: float, o_lon: float, d_lat: float, d_lon: float
) -> tuple[FloatArray, FloatArray]:
    """Polyline (lat, lon) from one point to another over water (see the module docstring).

    Outside the land mask's region the searoute lane is kept as it is (open sea counts as
    free there).

    Raises
    ------
    ConfigError
        When searoute finds no lane between the points (a closed passage), or no water
        path joins a blocked stretch's two ends.
    """
    with warnings.catch_warnings():
        # searoute warns when no lane joins the points; that case is raised below
        warnings.simplefilter("ignore", UserWarning)
        feature = searoute.searoute([o_lon, o_lat], [d_lon, d_lat])
    nodes = [(float(x), float(y)) for x, y in feature["geometry"]["coordinates"]]
    if not nodes and (o_lat, o_lon) != (d_lat, d_lon):
        raise ConfigError(
            f"no sea lane joins ({o_lat:.3f}, {o_lon:.3f}) and ({d_lat:.3f}, {d_lon:.3f}) "
            "(searoute found none; passages such as the Northwest Passage are closed)"
        )
    lat, lon = _drop_detours(
        [o_lat] + [y for _, y in nodes] + [d_lat], [o_lon] + [x for x, _ in nodes] + [d_lon]
    )
    sample_lat, sample_lon, vertex = densify(np.array(lat), np.array(lon))
    blocked = grid.blocked_at(sample_lat, sample_lon)
    if not blocked.any():
        return np.array(lat), np.array(lon)
    return _refine(grid, sample_lat, sample_lon, vertex >= 0, blocked)


def _refine(
    grid: RoutingGrid,
    sample_lat: FloatArray,
    sample_lon: FloatArray,
    is_vertex: BoolArray,
    blocked: BoolArray,
) -> tuple[FloatArray, FloatArray]:
    """Replace each blocked run of samples by a straightened grid path between free samples."""
    pieces_lat: list[FloatArray] = []
    pieces_lon: list[FloatArray] = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], blocked.astype(np.int8), [0]])))
    runs = edges.reshape(-1, 2)  # [first blocked, one past last blocked]
    cursor = 0
    for first, stop in runs:
        before = max(first - 1, 0)
        after = min(stop, len(sample_lat) - 1)
        # keep the free stretch up to the run: its ends and the route's vertices inside it
        if before > cursor:
            pieces_lat.append(_stretch(sample_lat, is_vertex, cursor, before))
            pieces_lon.append(_stretch(sample_lon, is_vertex, cursor, before))
        rows, cols, _ = grid.land.cells(sample_lat[[before, after]], sample_lon[[before, after]])
        start = _nearest_free(grid, int(rows[0]), int(cols[0]))
        goal = _nearest_free(grid, int(rows[1]), int(cols[1]))
        path = _grid_path(grid, start, goal)
        path_lat, path_lon = grid.land.centres(path[:, 0], path[:, 1])
        path_lat = np.concatenate([[sample_lat[before]], path_lat, [sample_lat[after]]])
        path_lon = np.concatenate([[sample_lon[before]], path_lon, [sample_lon[after]]])
        path_lat, path_lon = _straighten(grid, path_lat, path_lon)
        pieces_lat.append(path_lat)
        pieces_lon.append(path_lon)
        cursor = after
    if cursor < len(sample_lat) - 1:
        pieces_lat.append(_stretch(sample_lat, is_vertex, cursor, len(sample_lat) - 1))
        pieces_lon.append(_stretch(sample_lon, is_vertex, cursor, len(sample_lon) - 1))
    lat = np.concatenate(pieces_lat)
    lon = np.concatenate(pieces_lon)
    keep = np.concatenate([[True], (np.diff(lat) != 0) | (np.diff(lon) != 0)])
    return lat[keep], lon[keep]


def _stretch(values: FloatArray, is_vertex: BoolArray, first: int, last: int) -> FloatArray:
    inner = np.flatnonzero(is_vertex[first + 1 : last]) + first + 1
    return np.asarray(values[np.concatenate([[first], inner, [last]])], dtype=np.float64)


def _nearest_free(grid: RoutingGrid, row: int, col: int) -> tuple[int, int]:
    """The free cell nearest (row, col), searching outwards ring by ring."""
    rows_n, cols_n = grid.is_blocked.shape
    for reach in range(0, 50):
        r0, r1 = max(row - reach, 0), min(row + reach + 1, rows_n)
        c0, c1 = max(col - reach, 0), min(col + reach + 1, cols_n)
        window = ~grid.is_blocked[r0:r1, c0:c1]
        if window.any():
            rr, cc = np.nonzero(window)
            best = int(np.argmin((rr + r0 - row) ** 2 + (cc + c0 - col) ** 2))
            return int(rr[best] + r0), int(cc[best] + c0)
    raise ConfigError(f"no water near cell ({row}, {col}) on the land mask")


def nearest_free_point(grid: RoutingGrid, lat: float, lon: float) -> tuple[float, float]:
    """Centre of the free cell nearest (lat, lon); the point itself outside the grid.

    Raises
    ------
    ConfigError
        When no free cell lies within 50 cells (about 45 km).
    """
    row, col, inside = grid.land.cells(np.array([lat]), np.array([lon]))
    if not inside[0]:
        return lat, lon
    free_row, free_col = _nearest_free(grid, int(row[0]), int(col[0]))
    c_lat, c_lon = grid.land.centres(np.array([free_row]), np.array([free_col]))
    return float(c_lat[0]), float(c_lon[0])
