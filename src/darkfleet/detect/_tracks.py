"""Private: consecutive-step tests and track splitting for the spoofing detector (pure).

Works on positions sorted by (mmsi, ts) as NumPy arrays; per-vessel quantities use
``np.bincount`` over vessel numbers, never Python loops over rows or vessels. The only
loop is the bounded fixed-point refinement of track labels (``max_refinements``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from darkfleet.detect._geo import haversine_m_np
from darkfleet.detect._prep import vessel_first_index

if TYPE_CHECKING:
    from darkfleet.detect.spoofing import SpoofingParams

JumpTest = Callable[..., tuple[np.ndarray, np.ndarray]]
Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def arrays_of(usable: pl.DataFrame) -> Arrays:
    """(mmsi, ts in µs, lat, lon) as NumPy arrays, computed once per call."""
    return (
        usable["mmsi"].to_numpy(),
        usable["ts"].dt.epoch("us").to_numpy(),
        usable["lat"].to_numpy(),
        usable["lon"].to_numpy(),
    )


def _prev_with_label(label: np.ndarray, value: int, first: np.ndarray) -> np.ndarray:
    """For each row, the latest earlier row of the same vessel with ``label == value``."""
    idx = np.arange(len(label))
    marked = np.where(label == value, idx, -1)
    running = np.maximum.accumulate(marked)
    prev = np.concatenate([[-1], running[:-1]])
    return np.where(prev >= first, prev, -1)


def consecutive_steps(
    usable: Arrays, params: SpoofingParams, is_jump: JumpTest
) -> tuple[np.ndarray, np.ndarray]:
    """(impossible, implied speed) for each row from the previous row (row 0: False, 0).

    Exact distances are computed only for steps that could be impossible: the path along
    the meridian then the parallel, (|dlat| + |dlon|) x 60.05 nm, is never shorter than
    the great circle, so a step whose bound is under ``min_jump_nm`` or under
    ``max_speed_knots`` x elapsed time is never a jump; its speed is left at 0 (speeds are
    only read for impossible steps).
    """
    n = len(usable[0])
    bad = np.zeros(n, dtype=bool)
    speed = np.zeros(n, dtype=np.float64)
    if n < 2:
        return bad, speed
    mmsi, ts, lat, lon = usable
    dlon = np.abs(lon[1:] - lon[:-1])
    upper_nm = (np.abs(lat[1:] - lat[:-1]) + np.minimum(dlon, 360.0 - dlon)) * 60.05
    elapsed_h = (ts[1:] - ts[:-1]) / 3.6e9
    could = (
        (mmsi[1:] == mmsi[:-1])
        & (upper_nm >= params.min_jump_nm)
        & (upper_nm > params.max_speed_knots * elapsed_h)
    )
    step = np.flatnonzero(could)
    bad[step + 1], speed[step + 1] = is_jump(
        lat[step], lon[step], ts[step], lat[step + 1], lon[step + 1], ts[step + 1], params
    )
    return bad, speed


def split_tracks(
    usable: Arrays,
    steps: tuple[np.ndarray, np.ndarray],
    params: SpoofingParams,
    is_jump: JumpTest,
) -> np.ndarray:
    """Track label per usable row (0 main, 1 second track of a split MMSI)."""
    n = len(usable[0])
    label = np.zeros(n, dtype=np.int8)
    if n < 2:
        return label
    mmsi, ts, lat, lon = usable
    same = np.zeros(n, dtype=bool)
    same[1:] = mmsi[1:] == mmsi[:-1]
    bad = steps[0]
    vessel_all = np.cumsum(~same) - 1
    n_bad = np.bincount(vessel_all, weights=bad, minlength=vessel_all[-1] + 1)
    candidate_rows = np.flatnonzero(n_bad[vessel_all] >= params.min_switches)
    if len(candidate_rows) == 0:
        return label
    # Work on the candidate vessels only (their rows are contiguous blocks).
    m = mmsi[candidate_rows]
    t = ts[candidate_rows]
    la = lat[candidate_rows]
    lo = lon[candidate_rows]
    b = bad[candidate_rows]
    first = vessel_first_index(m)
    is_first = first == np.arange(len(m))
    segment = np.cumsum(is_first | b)
    sub = ((segment - segment[first]) % 2).astype(np.int8)
    for _ in range(params.max_refinements):
        choice = sub.copy()
        distances = []
        feasible = []
        for value in (0, 1):  # two labels, not rows or vessels
            prev = _prev_with_label(sub, value, first)
            safe = np.maximum(prev, 0)
            impossible, _ = is_jump(la[safe], lo[safe], t[safe], la, lo, t, params)
            feasible.append((prev >= 0) & ~impossible)
            distance = haversine_m_np(la[safe], lo[safe], la, lo)
            distances.append(np.where(prev >= 0, distance, np.inf))
        both = feasible[0] & feasible[1]
        choice = np.where(feasible[0] & ~feasible[1], 0, choice)
        choice = np.where(feasible[1] & ~feasible[0], 1, choice)
        # both reachable: the nearer latest position, not the lower speed (a track silent
        # for days is "reachable" at a low speed from anywhere within hundreds of nm)
        choice = np.where(both, np.where(distances[1] < distances[0], 1, 0), choice)
        choice = np.where(is_first, 0, choice).astype(np.int8)
        if np.array_equal(choice, sub):
            break
        sub = choice
    vessel = np.cumsum(is_first) - 1
    n_vessels = vessel[-1] + 1
    n1 = np.bincount(vessel, weights=sub, minlength=n_vessels)
    n0 = np.bincount(vessel, minlength=n_vessels) - n1
    switch = np.zeros(len(m), dtype=bool)
    switch[1:] = (sub[1:] != sub[:-1]) & ~is_first[1:]
    n_switches = np.bincount(vessel, weights=switch, minlength=n_vessels)
    inner_bad = np.zeros(len(m), dtype=bool)
    has_prev = np.zeros(len(m), dtype=bool)
    for value in (0, 1):
        rows = sub == value
        prev = _prev_with_label(sub, value, first)
        safe = np.maximum(prev, 0)
        impossible, _ = is_jump(la[safe], lo[safe], t[safe], la, lo, t, params)
        inner_bad |= rows & (prev >= 0) & impossible
        has_prev |= rows & (prev >= 0)
    n_inner_bad = np.bincount(vessel, weights=inner_bad, minlength=n_vessels)
    n_steps = np.maximum(np.bincount(vessel, weights=has_prev, minlength=n_vessels), 1)
    is_split = (
        (n0 >= params.min_track_positions)
        & (n1 >= params.min_track_positions)
        & (n_switches >= params.min_switches)
        & (n_inner_bad / n_steps <= params.max_track_jump_ratio)
    )
    flip = n1 > n0  # the main track is the one with more positions
    final = np.where(is_split[vessel], np.where(flip[vessel], 1 - sub, sub), 0).astype(np.int8)
    label[candidate_rows] = final
    return label


def rows_of(mmsi: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Indices of the rows of the wanted MMSIs in ``mmsi`` (sorted), in order."""
    starts = np.searchsorted(mmsi, wanted, side="left")
    ends = np.searchsorted(mmsi, wanted, side="right")
    count = ends - starts
    within = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    return np.asarray(np.repeat(starts, count) + within, dtype=np.int64)


class SplitIndex:
    """Where each row of a split MMSI sits inside its own track (small: split rows only).

    Rows of unsplit MMSIs keep their row index as position; rows of split MMSIs get their
    rank within the (mmsi, track)-ordered block of split rows. Only differences of
    positions within one track are ever used, so the two numberings never mix.
    """

    def __init__(self, mmsi: np.ndarray, track: np.ndarray) -> None:
        self.mmsi = mmsi
        self.track = track
        self.split_mmsi = np.unique(mmsi[track != 0])
        self.split_rows = rows_of(mmsi, self.split_mmsi)
        key = mmsi[self.split_rows] * 10 + track[self.split_rows].astype(np.int64)
        self.ordered = self.split_rows[np.argsort(key, kind="stable")]
        self.rank = np.empty(len(self.split_rows), dtype=np.int64)
        self.rank[np.searchsorted(self.split_rows, self.ordered)] = np.arange(len(self.ordered))

    def is_split(self, rows: np.ndarray) -> np.ndarray:
        """Which of the given rows belong to a split MMSI."""
        if len(self.split_rows) == 0:
            return np.zeros(len(rows), dtype=bool)
        at = np.minimum(np.searchsorted(self.split_rows, rows), len(self.split_rows) - 1)
        return np.asarray(self.split_rows[at] == rows, dtype=bool)

    def key_and_position(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Track key (mmsi * 10 + track) and position within the track, per row."""
        key = self.mmsi[rows] * 10 + self.track[rows].astype(np.int64)
        split = self.is_split(rows)
        position = rows.astype(np.int64).copy()
        position[split] = self.rank[np.searchsorted(self.split_rows, rows[split])]
        return key, position
