"""AIS gap detector (detect layer: pure; imports only schema, units, errors and detect/_*).

Definition
----------
A *gap* is an interval of at least ``min_gap`` (default 6 h, Global Fishing Watch's AIS
disabling threshold) between two consecutive positions of the same MMSI. With ``as_of``,
a vessel whose last position is at least ``min_gap`` before ``as_of`` has an *open* gap:
its ``end_ts`` is ``as_of`` and ``details.open`` is true (the ship has not reappeared yet).

The event's ``lat``/``lon`` is where the vessel went dark (the last position before the
gap). ``details`` (keys sorted, units in names):

- ``open``: true for a gap still open at ``as_of``;
- ``gap_duration_h``; ``distance_nm`` (straight line, start to end; null when open);
  ``implied_speed_knots`` (distance / duration; null when open);
- ``start`` / ``end``: ``{lat, lon, ts}`` of the last position before and the first after
  (``end`` null when open);
- ``n_positions_12h_before``: positions in the 12 h up to and including the start (a
  vessel that transmitted densely and then stopped is more suspicious than one on the
  fringe of coverage);
- ``starts_near_port`` / ``ends_near_port``: name of the nearest port point within
  ``near_port_km`` (``context.port_index``), else null;
- ``max_speed_knots``: the speed bound used for reachability (see below);
- ``sensitive_ports_reachable``: list of ``{port_id, name, country, required_speed_knots,
  time_in_port_h}`` for every sensitive port (``context.sensitive_port_ids``, port centre =
  mean of the port's points) with d(start, port) + d(port, end) <= max_speed * duration
  (for an open gap: d(start, port) <= max_speed * duration). ``required_speed_knots`` is
  the detour distance over the gap duration; ``time_in_port_h`` is the time left in port
  when sailing at ``max_speed_knots`` (duration - detour / max_speed).

Reachability speed bound: the vessel's demonstrated speed, the ``speed_quantile`` (default
0.95) quantile (nearest rank) of its reported SOG in the input (robust to single bad SOG values), capped at
``max_speed_cap_knots`` (25 kn: faster than almost every merchant ship's service speed),
and never below ``min_speed_floor_knots`` (8 kn: a ship seen only at anchor can still
sail; without a floor it could "reach" nothing). Vessels without any SOG use the cap.

Known false positives
---------------------
- Coverage holes: terrestrial receivers see ~40-70 nm offshore; a ship in open ocean far
  from receivers and outside satellite passes looks dark without switching anything off.
  ``n_positions_12h_before`` and the implied speed help to tell the two apart.
- Class B transponders report rarely when slow (every 3 min) and are often unheard.
- Ships in port with AIS switched off on the berth (allowed in some ports): check
  ``starts_near_port``.
- Aircraft (AIS message type 9, SAR aircraft) are ignored: they report only in flight.
- Straight-line reachability ignores land: a port may be "reachable" only across a
  peninsula. Treat it as an upper bound; routing belongs to the fusion layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.detect._events import finish_events, params_fingerprint
from darkfleet.detect._geo import haversine_m_np
from darkfleet.detect._prep import (
    check_duration,
    check_positive,
    count_in_window_before,
    details_json,
    iso_ts,
    sorted_positions,
    sorted_struct,
)
from darkfleet.detect.context import GeoContext
from darkfleet.units import METRES_PER_NM, MPS_PER_KNOT

__all__ = ["GapParams", "detect_gaps"]

_OWNER = "detect.gap"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class GapParams:
    """Parameters of ``detect_gaps`` (every default is a claim; sources in comments)."""

    # GFW "AIS disabling events": no positions for at least 12 h in their 2022 paper,
    # 6 h in their gap events API; DESIGN.md fixes 6 h.
    min_gap: timedelta = timedelta(hours=6)
    # Analyst decision: the window the DESIGN names ("positions in the 12 h before").
    activity_window: timedelta = timedelta(hours=12)
    # Analyst decision: a gap that starts within 10 km of a port point starts "in port"
    # (GFW anchorages are clustered within ~4 km; 10 km covers outer anchorages).
    near_port_km: float = 10.0
    # Analyst decision: 95th percentile of reported SOG = the speed the ship demonstrably
    # sails at, robust to a few bad SOG values.
    speed_quantile: float = 0.95
    # Analyst decision: 25 kn exceeds the service speed of almost all cargo ships and
    # tankers (container ships ~16-24 kn); a higher "demonstrated" speed is SOG noise.
    max_speed_cap_knots: float = 25.0
    # Analyst decision: an old general-cargo ship sails at >= 8 kn; a vessel seen only at
    # rest could still sail that fast.
    min_speed_floor_knots: float = 8.0

    def __post_init__(self) -> None:
        """Validate every field (ConfigError names field, value, range and unit)."""
        check_duration(
            _OWNER, "min_gap", self.min_gap, lower=timedelta(0), upper=timedelta(days=365)
        )
        check_duration(
            _OWNER,
            "activity_window",
            self.activity_window,
            lower=timedelta(0),
            upper=timedelta(days=30),
        )
        check_positive(_OWNER, "near_port_km", self.near_port_km, "km", upper=1000.0)
        check_positive(_OWNER, "speed_quantile", self.speed_quantile, "(ratio 0-1)", upper=1.0)
        check_positive(
            _OWNER, "max_speed_cap_knots", self.max_speed_cap_knots, "knots", upper=100.0
        )
        check_positive(
            _OWNER,
            "min_speed_floor_knots",
            self.min_speed_floor_knots,
            "knots",
            upper=self.max_speed_cap_knots,
        )


def _gap_rows(
    mmsi: np.ndarray, ts_us: np.ndarray, min_gap_us: int, as_of_us: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Start rows of closed gaps and last rows of vessels with an open gap."""
    n = len(mmsi)
    same = mmsi[1:] == mmsi[:-1]
    closed = np.flatnonzero(same & (ts_us[1:] - ts_us[:-1] >= min_gap_us))
    if as_of_us is None or n == 0:
        return closed, np.zeros(0, dtype=np.int64)
    is_last = np.ones(n, dtype=bool)
    is_last[:-1] = ~same
    open_rows = np.flatnonzero(is_last & (as_of_us - ts_us >= min_gap_us))
    return closed, open_rows


def detect_gaps(
    positions: pl.DataFrame | pl.LazyFrame,
    params: GapParams,
    context: GeoContext,
    *,
    as_of: datetime | None = None,
) -> pl.DataFrame:
    """Find intervals of at least ``params.min_gap`` without positions, per MMSI.

    Parameters
    ----------
    positions
        ``schema.POSITIONS`` frame (any order; rows without ts/lat/lon are ignored).
    params
        ``GapParams``; defaults follow Global Fishing Watch (6 h).
    context
        Ports and sensitive ports (``GeoContext``); the shore grid is not used.
    as_of
        Time the data is complete up to (timezone-aware). When given, vessels silent since
        at least ``min_gap`` before it get an open gap ending at ``as_of``. Never
        defaulted to the clock: detectors are pure.

    Returns
    -------
    pl.DataFrame
        ``schema.EVENTS`` rows of type ``gap``; ``details`` as described in the module
        docstring.

    Raises
    ------
    SchemaError
        When ``positions`` lacks a canonical column.
    TypeError
        When ``as_of`` is naive.

    Examples
    --------
    >>> from darkfleet.testing import make_track
    >>> a = make_track(n=2, start_ts=datetime(2023, 10, 1, tzinfo=UTC))
    >>> b = make_track(n=2, start_ts=datetime(2023, 10, 1, 8, tzinfo=UTC))
    >>> events = detect_gaps(pl.concat([a, b]), GapParams(), GeoContext())
    >>> events.height, events["type"][0]
    (1, 'gap')

    Notes
    -----
    See the module docstring for the definition and known false positives.
    """
    if as_of is not None and (as_of.tzinfo is None or as_of.utcoffset() is None):
        raise TypeError("as_of must be timezone-aware, e.g. datetime(2023, 10, 1, tzinfo=UTC)")
    frame = sorted_positions(
        positions, drop_msg_types=(9,), columns=("mmsi", "ts", "lat", "lon", "sog_knots")
    )
    fingerprint = params_fingerprint(params)
    if frame.height == 0:
        return finish_events(schema.empty(schema.EVENTS), "gap", fingerprint)
    mmsi = frame["mmsi"].to_numpy()
    ts_us = frame["ts"].dt.epoch("us").to_numpy()
    lat = frame["lat"].to_numpy()
    lon = frame["lon"].to_numpy()
    min_gap_us = int(params.min_gap / timedelta(microseconds=1))
    as_of_us = None
    if as_of is not None:
        as_of_us = (as_of - _EPOCH) // timedelta(microseconds=1)
    closed, open_rows = _gap_rows(mmsi, ts_us, min_gap_us, as_of_us)
    start = np.concatenate([closed, open_rows])
    if len(start) == 0:
        return finish_events(schema.empty(schema.EVENTS), "gap", fingerprint)
    is_open = np.concatenate([np.zeros(len(closed), bool), np.ones(len(open_rows), bool)])
    end = np.where(is_open, start, start + 1)
    end_ts_us = np.where(is_open, as_of_us if as_of_us is not None else 0, ts_us[end])
    duration_s = (end_ts_us - ts_us[start]) / 1e6
    distance_m = np.where(
        is_open, np.nan, haversine_m_np(lat[start], lon[start], lat[end], lon[end])
    )
    n_before = count_in_window_before(
        mmsi, ts_us, start, int(params.activity_window / timedelta(microseconds=1))
    )
    # Speed bound per vessel from its demonstrated SOG (only vessels with gaps).
    gap_mmsi = mmsi[start]
    vessel_no = np.cumsum(np.concatenate([[True], mmsi[1:] != mmsi[:-1]])) - 1
    has_gap = np.zeros(int(vessel_no[-1]) + 1, dtype=bool)
    has_gap[vessel_no[start]] = True
    speeds = (
        frame.filter(pl.Series(has_gap[vessel_no]))
        .group_by("mmsi")
        .agg(
            pl.col("sog_knots")
            .quantile(params.speed_quantile, interpolation="nearest")
            .cast(pl.Float64)
            .alias("q")
        )
    )
    speed_frame = pl.DataFrame({"mmsi": gap_mmsi}).join(speeds, on="mmsi", how="left")
    q = speed_frame["q"].to_numpy().astype(np.float64)
    max_speed_knots = np.clip(
        np.where(np.isfinite(q), q, params.max_speed_cap_knots),
        params.min_speed_floor_knots,
        params.max_speed_cap_knots,
    )
    start_port = _near_port_names(context, lat[start], lon[start], params.near_port_km, None)
    end_port = _near_port_names(context, lat[end], lon[end], params.near_port_km, is_open)
    reachable = _reachable_ports(
        context, lat[start], lon[start], lat[end], lon[end], is_open, duration_s, max_speed_knots
    )
    raw = pl.DataFrame(
        {
            "mmsi": gap_mmsi,
            "start_ts": ts_us[start],
            "end_ts": end_ts_us,
            "lat": lat[start],
            "lon": lon[start],
            "end_lat": np.where(is_open, np.nan, lat[end]),
            "end_lon": np.where(is_open, np.nan, lon[end]),
            "is_open": is_open,
            "duration_h": duration_s / 3600.0,
            "distance_nm": distance_m / METRES_PER_NM,
            "n_before": n_before,
            "max_speed_knots": max_speed_knots,
            "start_port": start_port,
            "end_port": end_port,
        }
    ).with_columns(
        pl.col("start_ts", "end_ts").cast(pl.Datetime("us", "UTC")),
        reachable.to_series().alias("reachable"),
    )
    end_struct = sorted_struct(
        {
            "lat": pl.col("end_lat").round(6),
            "lon": pl.col("end_lon").round(6),
            "ts": iso_ts(pl.col("end_ts")),
        }
    )
    details = details_json(
        {
            "open": pl.col("is_open"),
            "gap_duration_h": pl.col("duration_h").round(3),
            "distance_nm": pl.col("distance_nm").round(3),
            "implied_speed_knots": pl.when(pl.col("duration_h") > 0)
            .then(pl.col("distance_nm") / pl.col("duration_h"))
            .round(3),
            "n_positions_12h_before": pl.col("n_before"),
            "starts_near_port": pl.col("start_port"),
            "ends_near_port": pl.col("end_port"),
            "max_speed_knots": pl.col("max_speed_knots").round(3),
            "sensitive_ports_reachable": pl.col("reachable"),
            "start": sorted_struct(
                {
                    "lat": pl.col("lat").round(6),
                    "lon": pl.col("lon").round(6),
                    "ts": iso_ts(pl.col("start_ts")),
                }
            ),
            "end": pl.when(pl.col("is_open")).then(None).otherwise(end_struct),
        }
    )
    return finish_events(raw.with_columns(details), "gap", fingerprint)


def _near_port_names(
    context: GeoContext,
    lat: np.ndarray,
    lon: np.ndarray,
    radius_km: float,
    is_masked: np.ndarray | None,
) -> pl.Series:
    """Name of the nearest port point within ``radius_km`` (null if none or masked)."""
    which, _ = context.port_index.nearest(lat, lon, max_distance_m=radius_km * 1000.0)
    found = which >= 0
    if is_masked is not None:
        found &= ~is_masked
    if context.ports.height == 0:
        return pl.Series(np.full(len(which), None, dtype=object), dtype=pl.String)
    names = context.ports["name"].gather(np.maximum(which, 0))
    return names.to_frame().select(pl.when(pl.Series(found)).then(pl.col("name"))).to_series()


def _empty_lists(n: int, item: pl.DataType) -> pl.DataFrame:
    """A one-column frame of ``n`` empty lists (built without a Python list per row)."""
    empty_list = pl.Series("reachable", [[]], dtype=pl.List(item))
    return pl.DataFrame({"reachable": empty_list.gather(np.zeros(n, dtype=np.int64))})


def _reachable_ports(
    context: GeoContext,
    lat0: np.ndarray,
    lon0: np.ndarray,
    lat1: np.ndarray,
    lon1: np.ndarray,
    is_open: np.ndarray,
    duration_s: np.ndarray,
    max_speed_knots: np.ndarray,
) -> pl.DataFrame:
    """One list of reachable sensitive ports per gap (gaps x sensitive ports, broadcast)."""
    n = len(lat0)
    item = pl.Struct(
        {
            "country": pl.String(),
            "name": pl.String(),
            "port_id": pl.String(),
            "required_speed_knots": pl.Float64(),
            "time_in_port_h": pl.Float64(),
        }
    )
    sensitive = (
        context.ports.filter(pl.col("port_id").is_in(sorted(context.sensitive_port_ids)))
        .group_by("port_id")
        .agg(
            pl.col("name").first(),
            pl.col("country").first(),
            pl.col("lat").mean(),
            pl.col("lon").mean(),
        )
        .sort("port_id")
    )
    if sensitive.height == 0 or n == 0:
        return _empty_lists(n, item)
    plat = sensitive["lat"].to_numpy()[None, :]
    plon = sensitive["lon"].to_numpy()[None, :]
    d_in = haversine_m_np(lat0[:, None], lon0[:, None], plat, plon)
    d_out = haversine_m_np(lat1[:, None], lon1[:, None], plat, plon)
    detour_m = np.where(is_open[:, None], d_in, d_in + d_out)
    budget_m = (max_speed_knots * MPS_PER_KNOT * duration_s)[:, None]
    ok = detour_m <= budget_m
    gap_no, port_no = np.nonzero(ok)
    with np.errstate(divide="ignore", invalid="ignore"):
        required = detour_m / duration_s[:, None] / MPS_PER_KNOT
    left_h = (duration_s[:, None] - detour_m / (max_speed_knots[:, None] * MPS_PER_KNOT)) / 3600.0
    pairs = pl.DataFrame(
        {
            "gap_no": gap_no,
            "country": sensitive["country"].gather(port_no),
            "name": sensitive["name"].gather(port_no),
            "port_id": sensitive["port_id"].gather(port_no),
            "required_speed_knots": np.round(required[gap_no, port_no], 3),
            "time_in_port_h": np.round(left_h[gap_no, port_no], 3),
        }
    )
    lists = pairs.group_by("gap_no").agg(
        pl.struct(["country", "name", "port_id", "required_speed_knots", "time_in_port_h"])
        .sort_by("port_id")
        .alias("reachable")
    )
    return (
        pl.DataFrame({"gap_no": np.arange(n)})
        .join(lists, on="gap_no", how="left")
        .sort("gap_no")
        .select(pl.col("reachable").cast(pl.List(item)))
        .with_columns(
            pl.when(pl.col("reachable").is_null())
            .then(_empty_lists(n, item)["reachable"])
            .otherwise(pl.col("reachable"))
        )
    )
