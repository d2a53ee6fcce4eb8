"""Private: the three spoofing rules and track splitting (pure; see ``spoofing.py``).

Everything works on the usable positions sorted by (mmsi, ts) as NumPy arrays; per-vessel
quantities use ``np.bincount``/``reduceat`` over vessel numbers, never Python loops over
rows or vessels. The only loop is the bounded fixed-point refinement of track labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from darkfleet.detect._geo import haversine_m_np
from darkfleet.detect._prep import details_json, iso_ts, vessel_first_index
from darkfleet.units import METRES_PER_NM

if TYPE_CHECKING:
    from darkfleet.detect.context import GeoContext
    from darkfleet.detect.spoofing import SpoofingParams

JumpTest = Callable[..., tuple[np.ndarray, np.ndarray]]
Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
_US = timedelta(microseconds=1)

_POINT = pl.Struct({"lat": pl.Float64(), "lon": pl.Float64(), "ts": pl.String()})
_JUMP = pl.Struct(
    {
        "distance_nm": pl.Float64(),
        "from": _POINT,
        "implied_speed_knots": pl.Float64(),
        "to": _POINT,
    }
)
_TRACK = pl.Struct(
    {
        "first_ts": pl.String(),
        "last_ts": pl.String(),
        "mean_lat": pl.Float64(),
        "mean_lon": pl.Float64(),
        "n_positions": pl.Int64(),
        "track": pl.Int64(),
    }
)
#: Every spoofing event carries these detail keys (null where a rule does not apply).
_RULE_COLUMNS: dict[str, pl.DataType] = {
    "mmsi": pl.Int64(),
    "start_ts": pl.Datetime("us", "UTC"),
    "end_ts": pl.Datetime("us", "UTC"),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "rule": pl.String(),
    "priority": pl.Int8(),
    "max_implied_speed_knots": pl.Float64(),
    "n_positions": pl.Int64(),
    "n_offending_positions": pl.Int64(),
    "offending_positions": pl.List(_POINT),
    "jumps": pl.List(_JUMP),
    "tracks": pl.List(_TRACK),
    "n_switches": pl.Int64(),
    "min_distance_to_shore_km": pl.Float64(),
}


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
        speeds = []
        feasible = []
        for value in (0, 1):  # two labels, not rows or vessels
            prev = _prev_with_label(sub, value, first)
            safe = np.maximum(prev, 0)
            impossible, speed = is_jump(la[safe], lo[safe], t[safe], la, lo, t, params)
            feasible.append((prev >= 0) & ~impossible)
            speeds.append(np.where(prev >= 0, speed, np.inf))
        both = feasible[0] & feasible[1]
        choice = np.where(feasible[0] & ~feasible[1], 0, choice)
        choice = np.where(feasible[1] & ~feasible[0], 1, choice)
        choice = np.where(both, np.where(speeds[1] < speeds[0], 1, 0), choice)
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


def _rows_of(mmsi: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Indices of the rows of the wanted MMSIs in ``mmsi`` (sorted), in order."""
    starts = np.searchsorted(mmsi, wanted, side="left")
    ends = np.searchsorted(mmsi, wanted, side="right")
    count = ends - starts
    within = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    return np.asarray(np.repeat(starts, count) + within, dtype=np.int64)


class _SplitIndex:
    """Where each row of a split MMSI sits inside its own track (small: split rows only).

    Rows of unsplit MMSIs keep their row index as position; rows of split MMSIs get their
    rank within the (mmsi, track)-ordered block of split rows. Only differences of
    positions within one track are ever used, so the two numberings never mix.
    """

    def __init__(self, mmsi: np.ndarray, track: np.ndarray) -> None:
        self.mmsi = mmsi
        self.track = track
        self.split_mmsi = np.unique(mmsi[track != 0])
        self.split_rows = _rows_of(mmsi, self.split_mmsi)
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


def _point(lat: str, lon: str, ts: str) -> pl.Expr:
    return pl.struct(
        pl.col(lat).round(6).alias("lat"),
        pl.col(lon).round(6).alias("lon"),
        iso_ts(pl.col(ts)).alias("ts"),
    )


def _episodes(key: np.ndarray, ts_us: np.ndarray, gap_us: int) -> np.ndarray:
    """Episode number for offending items ordered by (key, ts): new when key or gap."""
    new = np.ones(len(key), dtype=bool)
    new[1:] = (key[1:] != key[:-1]) | (ts_us[1:] - ts_us[:-1] > gap_us)
    return np.cumsum(new)


def jump_events(
    usable: Arrays,
    track: np.ndarray,
    steps: tuple[np.ndarray, np.ndarray],
    params: SpoofingParams,
    is_jump: JumpTest,
) -> pl.DataFrame:
    """Speed rule: impossible steps inside each track, grouped into episodes."""
    if len(usable[0]) < 2:
        return _conform(pl.DataFrame())
    mmsi, ts, lat, lon = usable
    index = _SplitIndex(mmsi, track)
    # steps between consecutive rows (precomputed), except inside split MMSIs ...
    to = np.flatnonzero(steps[0])
    to = to[~index.is_split(to)]
    frm = to - 1
    speed = steps[1][to]
    if len(index.ordered) > 1:  # ... whose steps are taken along each of their tracks
        sub = index.ordered
        sub_key = mmsi[sub] * 10 + track[sub].astype(np.int64)
        bad, sub_speed = is_jump(
            lat[sub[:-1]],
            lon[sub[:-1]],
            ts[sub[:-1]],
            lat[sub[1:]],
            lon[sub[1:]],
            ts[sub[1:]],
            params,
        )
        j = np.flatnonzero(bad & (sub_key[1:] == sub_key[:-1])) + 1
        to = np.concatenate([to, sub[j]])
        frm = np.concatenate([frm, sub[j - 1]])
        speed = np.concatenate([speed, sub_speed[j - 1]])
    if len(to) == 0:
        return _conform(pl.DataFrame())
    key, to_position = index.key_and_position(to)
    _, from_position = index.key_and_position(frm)
    order = np.lexsort((to_position, key))
    to, frm, speed, key = to[order], frm[order], speed[order], key[order]
    to_position, from_position = to_position[order], from_position[order]
    episode = _episodes(key, ts[frm], params.episode_gap // _US)
    jumps = pl.DataFrame(
        {
            "episode": episode,
            "mmsi": mmsi[to],
            "from_row": from_position,
            "to_row": to_position,
            "from_ts": ts[frm],
            "to_ts": ts[to],
            "from_lat": lat[frm],
            "from_lon": lon[frm],
            "to_lat": lat[to],
            "to_lon": lon[to],
            # same timestamp, different place: infinitely fast; JSON has no inf -> null
            "speed": np.where(np.isfinite(speed), speed, np.nan),
            "distance_nm": haversine_m_np(lat[frm], lon[frm], lat[to], lon[to]) / METRES_PER_NM,
        }
    ).with_columns(pl.col("from_ts", "to_ts").cast(pl.Datetime("us", "UTC")))
    cap = params.max_listed_positions
    events = jumps.group_by("episode").agg(
        pl.col("mmsi").first(),
        pl.col("from_ts").first().alias("start_ts"),
        pl.col("to_ts").last().alias("end_ts"),
        pl.col("to_lat").first().alias("lat"),
        pl.col("to_lon").first().alias("lon"),
        pl.col("speed").max().alias("max_implied_speed_knots"),
        (pl.col("to_row").last() - pl.col("from_row").first() + 1).alias("n_positions"),
        pl.len().alias("n_offending_positions"),
        _point("to_lat", "to_lon", "to_ts").head(cap).alias("offending_positions"),
        pl.struct(
            pl.col("distance_nm").round(3).alias("distance_nm"),
            _point("from_lat", "from_lon", "from_ts").alias("from"),
            pl.col("speed").round(1).alias("implied_speed_knots"),
            _point("to_lat", "to_lon", "to_ts").alias("to"),
        )
        .head(cap)
        .alias("jumps"),
    )
    return _conform(events.with_columns(pl.lit("speed").alias("rule"), pl.lit(3).alias("priority")))


def land_events(
    usable: Arrays, track: np.ndarray, params: SpoofingParams, context: GeoContext
) -> pl.DataFrame:
    """Land rule: positions deep inland and far from ports, grouped into episodes."""
    if not params.check_land or context.shore is None or len(usable[0]) == 0:
        return _conform(pl.DataFrame())
    mmsi, ts, lat, lon = usable
    shore_km = context.shore.lookup_km(lat, lon)
    offending = shore_km < -params.min_inland_km
    if offending.any() and context.port_index.size:
        rows = np.flatnonzero(offending)
        which, _ = context.port_index.nearest(
            lat[rows], lon[rows], max_distance_m=params.port_exempt_km * 1000.0
        )
        offending[rows[which >= 0]] = False
    if not offending.any():
        return _conform(pl.DataFrame())
    rows = np.flatnonzero(offending)
    key, position = _SplitIndex(mmsi, track).key_and_position(rows)
    order = np.lexsort((position, key))
    rows, key, position = rows[order], key[order], position[order]
    episode = _episodes(key, ts[rows], params.episode_gap // _US)
    land = pl.DataFrame(
        {
            "episode": episode,
            "mmsi": mmsi[rows],
            "pos": position,
            "ts": ts[rows],
            "lat": lat[rows],
            "lon": lon[rows],
            "shore_km": shore_km[rows].astype(np.float64),
        }
    ).with_columns(pl.col("ts").cast(pl.Datetime("us", "UTC")))
    events = land.group_by("episode").agg(
        pl.col("mmsi").first(),
        pl.col("ts").first().alias("start_ts"),
        pl.col("ts").last().alias("end_ts"),
        pl.col("lat").first(),
        pl.col("lon").first(),
        (pl.col("pos").last() - pl.col("pos").first() + 1).alias("n_positions"),
        pl.len().alias("n_offending_positions"),
        _point("lat", "lon", "ts").head(params.max_listed_positions).alias("offending_positions"),
        pl.col("shore_km").min().round(1).alias("min_distance_to_shore_km"),
    )
    return _conform(events.with_columns(pl.lit("land").alias("rule"), pl.lit(2).alias("priority")))


def interleaved_events(
    usable: Arrays, track: np.ndarray, params: SpoofingParams, is_jump: JumpTest
) -> pl.DataFrame:  # only split MMSIs: small
    """Interleaving rule: one event per split MMSI, spanning its second track."""
    if not track.any():
        return _conform(pl.DataFrame())
    mmsi, ts, lat, lon = usable
    rows = _rows_of(mmsi, np.unique(mmsi[track == 1]))
    m, t, la, lo, tr = mmsi[rows], ts[rows], lat[rows], lon[rows], track[rows]
    switch = np.zeros(len(rows), dtype=bool)
    switch[1:] = (m[1:] == m[:-1]) & (tr[1:] != tr[:-1])
    _, speed = is_jump(la[:-1], lo[:-1], t[:-1], la[1:], lo[1:], t[1:], params)
    speed = np.where(np.isfinite(speed), speed, np.nan)
    switch_speed = np.concatenate([[np.nan], np.where(switch[1:], speed, np.nan)])
    frame = pl.DataFrame(
        {
            "mmsi": m,
            "track": tr.astype(np.int64),
            "ts": t,
            "lat": la,
            "lon": lo,
            "switch": switch,
            "switch_speed": switch_speed,
        }
    ).with_columns(pl.col("ts").cast(pl.Datetime("us", "UTC")))
    per_track = (
        frame.group_by(["mmsi", "track"])
        .agg(
            iso_ts(pl.col("ts").first()).alias("first_ts"),
            iso_ts(pl.col("ts").last()).alias("last_ts"),
            pl.col("lat").mean().round(6).alias("mean_lat"),
            pl.col("lon").mean().round(6).alias("mean_lon"),
            pl.len().cast(pl.Int64).alias("n_positions"),
        )
        .sort(["mmsi", "track"])
        .group_by("mmsi", maintain_order=True)
        .agg(
            pl.struct("first_ts", "last_ts", "mean_lat", "mean_lon", "n_positions", "track").alias(
                "tracks"
            )
        )
    )
    second = frame.filter(pl.col("track") == 1)
    bounds = second.group_by("mmsi").agg(
        pl.col("ts").first().alias("start_ts"),
        pl.col("ts").last().alias("end_ts"),
        pl.col("lat").first(),
        pl.col("lon").first(),
        pl.len().alias("n_offending_positions"),
        _point("lat", "lon", "ts").head(params.max_listed_positions).alias("offending_positions"),
    )
    stats = frame.group_by("mmsi").agg(
        pl.col("switch").sum().cast(pl.Int64).alias("n_switches"),
        pl.col("switch_speed").max().alias("max_implied_speed_knots"),
    )
    events = (
        bounds.join(stats, on="mmsi")
        .join(per_track, on="mmsi")
        .join(
            frame.select("mmsi", "ts"),
            on="mmsi",
        )
        .filter(pl.col("ts").is_between(pl.col("start_ts"), pl.col("end_ts")))
        .group_by("mmsi")
        .agg(pl.all().exclude("ts").first(), pl.len().alias("n_positions"))
    )
    return _conform(
        events.with_columns(pl.lit("interleaved").alias("rule"), pl.lit(1).alias("priority"))
    )


def _conform(frame: pl.DataFrame) -> pl.DataFrame:
    return (
        pl.DataFrame(
            [
                (frame[name] if name in frame.columns else pl.Series(name, [None] * frame.height))
                .cast(dtype)
                .alias(name)
                for name, dtype in _RULE_COLUMNS.items()
            ]
        )
        if frame.height
        else pl.DataFrame(schema=_RULE_COLUMNS)
    )


def build_spoofing_events(
    rule_frames: Sequence[pl.DataFrame], params: SpoofingParams
) -> pl.DataFrame:
    """Merge the rules' events (one per mmsi and start) and encode ``details``."""
    del params
    merged = (
        pl.concat(list(rule_frames))
        .sort(["mmsi", "start_ts", "priority"])
        .group_by(["mmsi", "start_ts"], maintain_order=True)
        .agg(
            pl.all().exclude("rule").first(),
            pl.col("rule").first(),
            pl.col("rule").slice(1).alias("also_rules"),
            pl.col("end_ts").max().alias("_end"),
        )
        .with_columns(pl.col("_end").alias("end_ts"))
        .drop("_end")
    )
    details = details_json(
        {
            "rule": pl.col("rule"),
            "also_rules": pl.col("also_rules"),
            "max_implied_speed_knots": pl.col("max_implied_speed_knots").round(1),
            "n_positions": pl.col("n_positions"),
            "n_offending_positions": pl.col("n_offending_positions"),
            "offending_positions": pl.col("offending_positions"),
            "jumps": pl.col("jumps"),
            "tracks": pl.col("tracks"),
            "n_switches": pl.col("n_switches"),
            "min_distance_to_shore_km": pl.col("min_distance_to_shore_km"),
        }
    )
    return merged.with_columns(details)
