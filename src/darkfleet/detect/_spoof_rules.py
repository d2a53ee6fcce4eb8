"""Private: the three spoofing rules (speed, land, interleaved) and their events (pure).

Everything works on the usable positions sorted by (mmsi, ts) as NumPy arrays; per-vessel
quantities use ``np.bincount``/``reduceat`` over vessel numbers, never Python loops over
rows or vessels. Track splitting lives in ``_tracks.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from darkfleet.detect._geo import haversine_m_np
from darkfleet.detect._prep import details_json, iso_ts
from darkfleet.detect._tracks import Arrays, JumpTest, SplitIndex, rows_of
from darkfleet.units import METRES_PER_NM

if TYPE_CHECKING:
    from darkfleet.detect.context import GeoContext
    from darkfleet.detect.spoofing import SpoofingParams

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
    index = SplitIndex(mmsi, track)
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
    key, position = SplitIndex(mmsi, track).key_and_position(rows)
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
    rows = rows_of(mmsi, np.unique(mmsi[track == 1]))
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
