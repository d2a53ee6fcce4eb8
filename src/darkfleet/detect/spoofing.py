"""Spoofing detector (detect layer: pure; imports only schema, units, errors and detect/_*).

Definition
----------
Positions of one MMSI that no ship could connect. Three rules, each its own event
(``details.rule``):

``speed``
    Consecutive positions of one track more than ``min_jump_nm`` (1 nm) apart with an
    implied speed above ``max_speed_knots`` (50 kn). The distance floor tolerates GPS noise
    and receive-time jitter (the same report heard late by another station); positions
    with the same timestamp but far apart count as infinitely fast. Jumps of one track
    less than ``episode_gap`` (6 h) apart form one event.
``interleaved``
    One MMSI carries two tracks at once (two transceivers with the same MMSI, or a spoofed
    copy): positions alternate between two places no ship could sail between. See
    "Track splitting" below. The speed rule then runs on each track separately, so an
    interleaved MMSI gives one ``interleaved`` event instead of hundreds of jumps.
``land``
    Positions deeper on land than ``min_inland_km`` (100 km) by ``context.shore`` and
    farther than ``port_exempt_km`` (30 km) from any port point in ``context``.
    Consecutive such positions of a track within ``episode_gap`` form one event.

Aircraft (AIS message type 9, SAR aircraft) are excluded from every rule: they fly fast and
over land. Rows without ts/lat/lon are ignored.

Track splitting
---------------
Per MMSI, consecutive positions that cannot be connected (the speed rule's test) cut the
track into segments; segments get alternate labels 0/1 (two interleaved tracks alternate
by construction). A fixed-point refinement then reassigns every position greedily to the
label whose latest earlier position it can reach (if both, the one whose latest
position is nearer: not the lower implied speed, which made a clone's track silent for
days "reachable" from anywhere and took positions of the real ship; if neither, it keeps
its label), computed for the whole frame at once with NumPy
and repeated until no label changes (at most ``max_refinements`` = 5 rounds; a clean
interleaving is stable after the first). An MMSI is split when both tracks have at least
``min_track_positions`` (5) positions, the labels switch at least ``min_switches`` (4)
times, and at most ``max_track_jump_ratio`` (0.2) of the steps inside the tracks are
still impossible (otherwise it is noise, not two ships, and the speed rule reports it).

The second returned frame is the positions in (mmsi, ts) order with two added columns:
``track`` (Int8: 0 for the main track, the one with more positions; 1 for the other) and
``track_mmsi`` (Int64: ``mmsi`` on track 0, ``mmsi * 10 + track`` on track 1: a 10-digit
number that can never be a real 9-digit MMSI; ``track_mmsi // 10`` recovers it). To let
other detectors see two vessels, run them on
``tracks.with_columns(pl.col("track_mmsi").alias("mmsi"))``. Rows without a position and
aircraft rows are on track 0.

Event: ``lat``/``lon`` = first offending position (the position after the first jump,
the first land position, or the first position of the second track). ``details``: ``rule``,
``max_implied_speed_knots``, ``n_positions`` (positions of the track within the event),
``offending_positions`` (list of ``{lat, lon, ts}``, at most ``max_listed_positions``),
``n_offending_positions``, plus per rule ``jumps`` (speed: ``{distance_nm, from, to,
implied_speed_knots}``), ``tracks``/``n_switches`` (interleaved),
``min_distance_to_shore_km`` (land); keys that do not apply are null. If two rules produce
an event with the same MMSI and start, the one first in (interleaved, land, speed) is kept
and the other rule's name is listed in ``also_rules``.

Known false positives
---------------------
- Inland waterways: Natural Earth counts rivers, lakes and canals as land; ships on the
  Great Lakes (-250 km), the Rhine at Duisburg (-170 km), the Volga, Yangtze or Mississippi
  are "deep on land". Add inland ports to the gazetteer or raise ``min_inland_km``.
- Two ships sharing an MMSI by mistake (copied configuration, default MMSIs such as
  123456789 or 1193046): ``interleaved`` fires, rightly, but it is misconfiguration more
  often than deception.
- Receive-time errors in merged feeds (a station with a wrong clock) make real positions
  look fast; the 1 nm floor removes jitter, not clock errors of minutes.
- High-speed craft (hydrofoils, fast ferries at 40+ kn) are near the 50 kn bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import polars as pl

from darkfleet.detect._events import finish_events, params_fingerprint
from darkfleet.detect._geo import haversine_m_np
from darkfleet.detect._prep import check_duration, check_positive, sorted_positions
from darkfleet.detect._spoof_rules import (
    build_spoofing_events,
    interleaved_events,
    jump_events,
    land_events,
)
from darkfleet.detect._tracks import arrays_of, consecutive_steps, split_tracks
from darkfleet.detect.context import GeoContext
from darkfleet.errors import ConfigError
from darkfleet.units import METRES_PER_NM, MPS_PER_KNOT

__all__ = ["SpoofingParams", "detect_spoofing"]

_OWNER = "detect.spoofing"


@dataclass(frozen=True, slots=True, kw_only=True)
class SpoofingParams:
    """Parameters of ``detect_spoofing`` (every default is a claim; sources in comments)."""

    # Analyst decision: the fastest merchant craft (HSC ferries) sail ~40-45 kn; 50 kn
    # is beyond any ship that carries AIS class A cargo.
    max_speed_knots: float = 50.0
    # Analyst decision: GPS noise is tens of metres and receive-time jitter seconds; a
    # jump under 1 nm is never evidence.
    min_jump_nm: float = 1.0
    # Measured here: the Suez Canal lies up to 62 km "inland" on the 1:10m coastline and
    # the Saigon River 18 km; 100 km keeps both quiet with a margin.
    min_inland_km: float = 100.0
    # Analyst decision: river ports and their approaches within 30 km of a gazetteer port
    # point are never "deep on land".
    port_exempt_km: float = 30.0
    # Analyst decision: jumps or land positions less than 6 h apart are one episode.
    episode_gap: timedelta = timedelta(hours=6)
    # Analyst decision: two tracks need >= 4 switches and >= 5 positions each to be two
    # ships rather than one glitch.
    min_switches: int = 4
    min_track_positions: int = 5
    # Analyst decision: two real tracks are internally consistent; allow 20 % bad steps.
    max_track_jump_ratio: float = 0.2
    # Bounded work for the fixed point (a clean interleaving converges in one round).
    max_refinements: int = 5
    # Keeps details small: the first 20 offending positions are listed, all are counted.
    max_listed_positions: int = 20
    # The land rule needs context.shore; False skips it explicitly.
    check_land: bool = True

    def __post_init__(self) -> None:
        """Validate every field (ConfigError names field, value, range and unit)."""
        check_positive(_OWNER, "max_speed_knots", self.max_speed_knots, "knots", upper=1000.0)
        check_positive(_OWNER, "min_jump_nm", self.min_jump_nm, "nm", upper=1000.0)
        check_positive(_OWNER, "min_inland_km", self.min_inland_km, "km", upper=250.0)
        check_positive(_OWNER, "port_exempt_km", self.port_exempt_km, "km", upper=1000.0)
        check_duration(
            _OWNER, "episode_gap", self.episode_gap, lower=timedelta(0), upper=timedelta(days=30)
        )
        for name, value, upper in (
            ("min_switches", self.min_switches, 10_000),
            ("min_track_positions", self.min_track_positions, 1_000_000),
            ("max_refinements", self.max_refinements, 50),
            ("max_listed_positions", self.max_listed_positions, 10_000),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or not (1 <= value <= upper):
                raise ConfigError(
                    f"{_OWNER}.{name} must be an integer >= 1 and <= {upper} (a count), "
                    f"got {value!r}"
                )
        check_positive(
            _OWNER, "max_track_jump_ratio", self.max_track_jump_ratio, "(ratio 0-1)", upper=1.0
        )
        if not isinstance(self.check_land, bool):
            raise ConfigError(f"{_OWNER}.check_land must be true or false, got {self.check_land!r}")


def _is_jump(
    lat0: np.ndarray,
    lon0: np.ndarray,
    ts0_us: np.ndarray,
    lat1: np.ndarray,
    lon1: np.ndarray,
    ts1_us: np.ndarray,
    params: SpoofingParams,
) -> tuple[np.ndarray, np.ndarray]:
    """(is the step impossible, implied speed in knots) for steps 0 -> 1."""
    distance_m = haversine_m_np(lat0, lon0, lat1, lon1)
    dt_s = np.abs(ts1_us - ts0_us) / 1e6
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(dt_s > 0, distance_m / dt_s / MPS_PER_KNOT, np.inf)
    speed = np.where(distance_m > 0, speed, 0.0)
    impossible = (distance_m >= params.min_jump_nm * METRES_PER_NM) & (
        speed > params.max_speed_knots
    )
    return impossible, speed


def detect_spoofing(
    positions: pl.DataFrame | pl.LazyFrame, params: SpoofingParams, context: GeoContext
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Find positions no ship could connect, and split MMSIs that carry two tracks.

    Parameters
    ----------
    positions
        ``schema.POSITIONS`` frame (any order).
    params
        ``SpoofingParams`` (50 kn, 1 nm, 100 km inland by default).
    context
        ``shore`` (needed unless ``params.check_land`` is False) and ports (exempt from
        the land rule).

    Returns
    -------
    tuple[pl.DataFrame, pl.DataFrame]
        ``schema.EVENTS`` rows of type ``spoofing``, and the positions with ``track``
        (Int8) and ``track_mmsi`` (Int64) added: every input row, those with a usable
        position first in (mmsi, ts, lat, lon) order, then the others (null or
        non-finite position, SAR aircraft) in (mmsi, ts) order with track 0.

    Raises
    ------
    ConfigError
        When ``params.check_land`` is True and ``context.shore`` is None.
    SchemaError
        When ``positions`` lacks a canonical column.

    Examples
    --------
    >>> from darkfleet.testing import make_track
    >>> a = make_track(n=3)
    >>> b = make_track(n=3, lat=50.0, start_ts=a["ts"][0] + timedelta(seconds=30))
    >>> events, tracks = detect_spoofing(
    ...     pl.concat([a, b]), SpoofingParams(check_land=False), GeoContext()
    ... )
    >>> sorted(tracks["track"].unique().to_list())
    [0]

    Notes
    -----
    See the module docstring for the definition and known false positives.
    """
    if params.check_land and context.shore is None:
        raise ConfigError(
            "detect_spoofing's land rule needs a shore distance grid: pass "
            "GeoContext(shore=darkfleet.reference.shore.load_shore_grid(), ...) or "
            "SpoofingParams(check_land=False)"
        )
    fingerprint = params_fingerprint(params)
    all_rows = positions.collect() if isinstance(positions, pl.LazyFrame) else positions
    if not isinstance(all_rows, pl.DataFrame):
        raise TypeError(
            f"positions must be a polars DataFrame or LazyFrame, got {type(positions).__name__}"
        )
    indexed = all_rows.with_row_index("_row")
    usable = sorted_positions(
        indexed, drop_msg_types=(9,), columns=("_row", "mmsi", "ts", "lat", "lon")
    )
    arrays = arrays_of(usable)
    steps = consecutive_steps(arrays, params, _is_jump)
    track = split_tracks(arrays, steps, params, _is_jump)
    events = build_spoofing_events(
        [
            interleaved_events(arrays, track, params, _is_jump),
            land_events(arrays, track, params, context),
            jump_events(arrays, track, steps, params, _is_jump),
        ],
        params,
    )
    row = usable["_row"].to_numpy()
    in_order = len(row) == all_rows.height and bool(np.all(np.diff(row) == 1))
    with_track = (all_rows if in_order else all_rows[row]).with_columns(
        pl.Series("track", track, dtype=pl.Int8)
    )
    if len(row) < all_rows.height:  # rows without a usable position follow, with track 0
        unusable = np.ones(all_rows.height, dtype=bool)
        unusable[row] = False
        rest = (
            indexed.filter(pl.Series(unusable))
            .sort(["mmsi", "ts", "_row"], nulls_last=True)
            .drop("_row")
            .with_columns(pl.lit(0, dtype=pl.Int8).alias("track"))
        )
        with_track = pl.concat([with_track, rest], how="vertical")
    tracks = with_track.with_columns(
        pl.when(pl.col("track") == 0)
        .then(pl.col("mmsi"))
        .otherwise(pl.col("mmsi") * 10 + pl.col("track").cast(pl.Int64))
        .alias("track_mmsi")
    ).drop("_row", strict=False)
    return finish_events(events, "spoofing", fingerprint), tracks
