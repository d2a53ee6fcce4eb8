"""Private: time-binned positions and near-pair search for pairwise detectors (pure).

``bin_positions`` resamples each vessel to fixed time bins (mean position and SOG of the
reports in the bin) and fills short holes by linear interpolation, so two vessels can be
compared bin by bin. ``near_pairs`` / ``count_neighbours`` find positions of the same bin
within a distance without comparing all pairs: points live in a KD-tree over
(x, y, z, t) where x, y, z are Earth-centred metres and bins are placed 10^8 m apart along
t, so only same-bin points can be within any distance below that; the tree's cells play
the role of the time-window + spatial-cell join.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from darkfleet.detect._geo import haversine_m_np
from darkfleet.units import EARTH_RADIUS_M, MPS_PER_KNOT

_BIN_SEPARATION_M = 1.0e8


def bin_positions(frame: pl.DataFrame, bin_us: int, max_fill_bins: int) -> pl.DataFrame:
    """Resample positions (sorted by mmsi, ts) to time bins per vessel.

    Returns columns ``mmsi``, ``bin`` (Int64, ts // bin), ``lat``, ``lon``, ``sog_knots``
    (mean of non-null SOG in the bin; null if none), ``n_positions`` (reports in the bin;
    0 for a filled bin), ``first_us``/``last_us`` (times of the first and last report in
    the bin, µs since the epoch; the bin's middle for a filled bin). Holes of up to ``max_fill_bins`` missing bins between two
    observed bins are filled by linear interpolation of lat, lon (longitude across the
    antimeridian taken the short way) and SOG.
    """
    if frame.height == 0:
        return pl.DataFrame(
            schema={
                "mmsi": pl.Int64(),
                "bin": pl.Int64(),
                "lat": pl.Float64(),
                "lon": pl.Float64(),
                "sog_knots": pl.Float64(),
                "n_positions": pl.Int64(),
                "first_us": pl.Int64(),
                "last_us": pl.Int64(),
            }
        )
    # Rows are sorted by (mmsi, ts), so (mmsi, bin) keys are sorted too: bins are runs of
    # equal keys, reduced with np.add.reduceat (no hashing, no sort).
    mmsi_all = frame["mmsi"].to_numpy()
    ts_all = frame["ts"].dt.epoch("us").to_numpy()
    bin_all = ts_all // bin_us
    lat_all = frame["lat"].to_numpy()
    lon_all = frame["lon"].to_numpy()
    sog_all = frame["sog_knots"].cast(pl.Float64).to_numpy()
    starts_mask = np.ones(len(mmsi_all), dtype=bool)
    starts_mask[1:] = (mmsi_all[1:] != mmsi_all[:-1]) | (bin_all[1:] != bin_all[:-1])
    starts = np.flatnonzero(starts_mask)
    count = np.diff(np.append(starts, len(mmsi_all)))
    # Within one bin a vessel moves a few km at most: a plain mean of lon is fine except
    # across the antimeridian; only bins with a step of more than 180 degrees between
    # consecutive reports are averaged as offsets from their first longitude.
    mean_lon = np.add.reduceat(lon_all, starts) / count
    wraps = np.flatnonzero(~starts_mask[1:] & (np.abs(np.diff(lon_all)) > 180.0)) + 1
    if len(wraps):
        bin_of_row = np.cumsum(starts_mask) - 1
        wrapped_bins = np.unique(bin_of_row[wraps])
        first = starts[wrapped_bins]
        n = count[wrapped_bins]
        rows = np.repeat(first, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
        offset = (lon_all[rows] - np.repeat(lon_all[first], n) + 540.0) % 360.0 - 180.0
        mean_offset = np.add.reduceat(offset, np.cumsum(n) - n) / n
        mean_lon[wrapped_bins] = (lon_all[first] + mean_offset + 540.0) % 360.0 - 180.0
    if np.isnan(sog_all).any():
        has_sog = np.isfinite(sog_all)
        n_sog = np.add.reduceat(has_sog.astype(np.int64), starts)
        sum_sog = np.add.reduceat(np.where(has_sog, sog_all, 0.0), starts)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_sog = np.where(n_sog > 0, sum_sog / n_sog, np.nan)
    else:
        mean_sog = np.add.reduceat(sog_all, starts) / count
    observed = pl.DataFrame(
        {
            "mmsi": mmsi_all[starts],
            "bin": bin_all[starts],
            "lat": np.add.reduceat(lat_all, starts) / count,
            "lon": mean_lon,
            "sog_knots": mean_sog,
            "n_positions": count.astype(np.int64),
            "first_us": ts_all[starts],
            "last_us": ts_all[starts + count - 1],
        }
    ).with_columns(pl.col("sog_knots").fill_nan(None))
    if observed.height < 2 or max_fill_bins <= 0:
        return _fill_sog_from_motion(observed, bin_us)
    mmsi = observed["mmsi"].to_numpy()
    bins = observed["bin"].to_numpy()
    step = np.diff(bins)
    hole = np.flatnonzero((mmsi[1:] == mmsi[:-1]) & (step > 1) & (step <= max_fill_bins + 1))
    if len(hole) == 0:
        return _fill_sog_from_motion(observed, bin_us)
    n_new = step[hole] - 1
    src = np.repeat(hole, n_new)
    k = np.arange(len(src)) - np.repeat(np.cumsum(n_new) - n_new, n_new) + 1
    frac = k / step[src]
    lat = observed["lat"].to_numpy()
    lon = observed["lon"].to_numpy()
    sog = observed["sog_knots"].to_numpy().astype(np.float64)
    dlon = (lon[src + 1] - lon[src] + 540.0) % 360.0 - 180.0
    # Scatter observed and filled rows into one (mmsi, bin)-ordered array: filled rows of
    # a hole go right after the hole's first observed bin (no sort needed).
    extra = np.zeros(len(bins), dtype=np.int64)
    extra[hole] = n_new
    obs_pos = np.arange(len(bins)) + np.concatenate([[0], np.cumsum(extra)[:-1]])
    new_pos = obs_pos[src] + k
    total = len(bins) + len(src)

    def merged(observed_values: np.ndarray, filled_values: np.ndarray) -> np.ndarray:
        out = np.empty(total, dtype=np.result_type(observed_values, filled_values))
        out[obs_pos] = observed_values
        out[new_pos] = filled_values
        return out

    n_positions = observed["n_positions"].to_numpy()
    middle_us = (bins[src] + k) * bin_us + bin_us // 2
    binned = pl.DataFrame(
        {
            "mmsi": merged(mmsi, mmsi[src]),
            "bin": merged(bins, bins[src] + k),
            "lat": merged(lat, lat[src] + frac * (lat[src + 1] - lat[src])),
            "lon": merged(lon, (lon[src] + frac * dlon + 540.0) % 360.0 - 180.0),
            "sog_knots": merged(sog, sog[src] + frac * (sog[src + 1] - sog[src])),
            "n_positions": merged(n_positions, np.zeros(len(src), dtype=np.int64)),
            "first_us": merged(observed["first_us"].to_numpy(), middle_us),
            "last_us": merged(observed["last_us"].to_numpy(), middle_us),
        }
    ).with_columns(pl.col("sog_knots").fill_nan(None))
    return _fill_sog_from_motion(binned, bin_us)


def _fill_sog_from_motion(binned: pl.DataFrame, bin_us: int) -> pl.DataFrame:
    """Where a bin has no SOG, use the implied speed from the neighbouring bin of the vessel.

    Position-only sources (e.g. some CSV exports) carry no SOG; their speed is what the
    positions imply: from the previous bin, else towards the next one.
    """
    if binned.height < 2 or binned["sog_knots"].null_count() == 0:
        return binned
    mmsi = binned["mmsi"].to_numpy()
    bins = binned["bin"].to_numpy()
    lat = binned["lat"].to_numpy()
    lon = binned["lon"].to_numpy()
    sog = binned["sog_knots"].to_numpy().astype(np.float64)
    step_s = np.diff(bins) * (bin_us / 1e6)
    step_m = haversine_m_np(lat[:-1], lon[:-1], lat[1:], lon[1:])
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(
            (mmsi[1:] == mmsi[:-1]) & (step_s > 0), step_m / step_s / MPS_PER_KNOT, np.nan
        )
    from_prev = np.concatenate([[np.nan], speed])
    to_next = np.concatenate([speed, [np.nan]])
    implied = np.where(np.isfinite(from_prev), from_prev, to_next)
    filled = np.where(np.isfinite(sog), sog, implied)
    return binned.with_columns(pl.Series("sog_knots", filled).fill_nan(None))


def _points(bins: np.ndarray, lat: np.ndarray, lon: np.ndarray, bin0: int) -> np.ndarray:
    phi = np.radians(lat)
    lmb = np.radians(lon)
    cos_phi = np.cos(phi)
    return np.column_stack(
        [
            EARTH_RADIUS_M * cos_phi * np.cos(lmb),
            EARTH_RADIUS_M * cos_phi * np.sin(lmb),
            EARTH_RADIUS_M * np.sin(phi),
            (bins - bin0).astype(np.float64) * _BIN_SEPARATION_M,
        ]
    )


def chord_m(distance_m: float) -> float:
    """Chord length for a great-circle distance (what the KD-tree measures)."""
    return float(2.0 * EARTH_RADIUS_M * np.sin(distance_m / (2.0 * EARTH_RADIUS_M)))


#: Default bound on the candidate pairs one ``iter_near_pairs`` chunk may hold.
MAX_CANDIDATE_PAIRS = 2_000_000
#: Neighbour cells of a cell in the pair bound (3 x 3 x 3 around it, itself included).
_ADJACENT_CELLS = 27


def _pair_bound(bins: np.ndarray, points: np.ndarray, radius: float) -> np.ndarray:
    """Upper bound of the near pairs of each bin (``bins`` sorted ascending).

    Points are put in cubes of side ``radius`` (Earth-centred metres); a pair within
    ``radius`` lies in one cube or two adjacent ones, and ``n_a * n_b <= (n_a^2 + n_b^2)
    / 2`` bounds every cube pair, so a bin holds at most ``27 / 2 * sum(n_cube^2)`` pairs.
    """
    cubes = pl.DataFrame(
        {
            "bin": bins,
            "x": np.floor(points[:, 0] / radius).astype(np.int64),
            "y": np.floor(points[:, 1] / radius).astype(np.int64),
            "z": np.floor(points[:, 2] / radius).astype(np.int64),
        }
    )
    per_bin = (
        cubes.group_by("bin", "x", "y", "z")
        .len()
        .group_by("bin")
        .agg((pl.col("len").cast(pl.Int64) ** 2).sum().alias("squares"))
        .sort("bin")
    )
    return np.asarray(per_bin["squares"].to_numpy() * _ADJACENT_CELLS // 2 + 1, dtype=np.int64)


def iter_near_pairs(
    bins: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    max_distance_m: float,
    *,
    max_candidates: int = MAX_CANDIDATE_PAIRS,
) -> Iterator[np.ndarray]:
    """Index pairs (i < j) of points in the same bin within ``max_distance_m``, in chunks.

    Memory stays bounded however crowded a place is: bins are grouped into chunks whose
    bound on near pairs (``_pair_bound``) stays within ``max_candidates`` and searched one
    chunk at a time (a KD-tree per chunk); a single bin over the bound (thousands of
    vessels within ``max_distance_m`` of each other) is searched in blocks of query points
    whose exact neighbour counts fit. Each yielded array holds at most about
    ``max_candidates`` pairs; together they hold every pair exactly once.
    """
    if len(bins) < 2:
        return
    order = np.argsort(bins, kind="stable")
    sorted_bins = bins[order]
    points = _points(sorted_bins, lat[order], lon[order], int(sorted_bins[0]))
    radius = chord_m(max_distance_m)
    bin_starts = np.flatnonzero(np.r_[True, sorted_bins[1:] != sorted_bins[:-1]])
    bin_ends = np.r_[bin_starts[1:], len(sorted_bins)]
    cumulative = np.cumsum(_pair_bound(sorted_bins, points, radius))
    first = 0
    while first < len(bin_starts):
        base = cumulative[first - 1] if first else 0
        last = max(int(np.searchsorted(cumulative, base + max_candidates, side="right")), first + 1)
        lo, hi = int(bin_starts[first]), int(bin_ends[last - 1])
        tree = cKDTree(points[lo:hi])
        if last - first > 1 or cumulative[first] - base <= max_candidates:
            found = tree.query_pairs(radius, output_type="ndarray")
            if len(found):
                yield _ordered(order[lo + np.asarray(found, dtype=np.int64)])
        else:
            yield from _crowded_bin(tree, points[lo:hi], order[lo:hi], radius, max_candidates)
        first = last


def _crowded_bin(
    tree: cKDTree, points: np.ndarray, rows: np.ndarray, radius: float, max_candidates: int
) -> Iterator[np.ndarray]:
    """Near pairs of one crowded bin, in blocks of query points of bounded neighbour count."""
    counts = np.asarray(tree.query_ball_point(points, radius, return_length=True), np.int64)
    cumulative = np.cumsum(counts)
    start = 0
    while start < len(points):
        base = cumulative[start - 1] if start else 0
        end = max(int(np.searchsorted(cumulative, base + max_candidates, side="right")), start + 1)
        neighbours = tree.query_ball_point(points[start:end], radius)
        i = np.repeat(np.arange(start, end), counts[start:end])
        j = np.fromiter(itertools.chain.from_iterable(neighbours), np.int64, len(i))
        later = j > i
        if later.any():
            yield _ordered(np.column_stack([rows[i[later]], rows[j[later]]]))
        start = end


def _ordered(pairs: np.ndarray) -> np.ndarray:
    """Pairs as rows (smaller index, larger index)."""
    return np.column_stack([pairs.min(axis=1), pairs.max(axis=1)])


def near_pairs(
    bins: np.ndarray, lat: np.ndarray, lon: np.ndarray, max_distance_m: float
) -> np.ndarray:
    """All index pairs (i < j) of ``iter_near_pairs`` in one array (for small inputs)."""
    chunks = list(iter_near_pairs(bins, lat, lon, max_distance_m))
    if not chunks:
        return np.zeros((0, 2), dtype=np.int64)
    return np.concatenate(chunks)


def has_neighbour(
    bins: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    query_rows: np.ndarray,
    max_distance_m: float,
) -> np.ndarray:
    """For each query row (an index into the points), is another point of its bin near?

    "Near" is within ``max_distance_m`` (great circle). The query point itself is in the
    tree at distance 0, so the second-nearest neighbour decides (a k=2 query).
    """
    if len(query_rows) == 0 or len(bins) < 2:
        return np.zeros(len(query_rows), dtype=bool)
    points = _points(bins, lat, lon, int(bins.min()))
    tree = cKDTree(points)
    distance, _ = tree.query(
        points[query_rows], k=2, distance_upper_bound=chord_m(max_distance_m), workers=-1
    )
    return np.asarray(np.isfinite(distance[:, 1]), dtype=bool)
