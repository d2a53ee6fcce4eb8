"""Port visits: a vessel enters within 3 km of a port and leaves beyond 4 km (detect layer).

Pure: imports only ``schema``, ``errors`` and detect's own modules; the port gazetteer
arrives in a ``GeoContext``.

Definition
----------
Each position is matched to the nearest port point of ``context.ports`` (a KD-tree on the
sphere). A visit **starts** at the first position within ``entry_radius_m`` of a port and
**continues** while consecutive positions stay within ``exit_radius_m`` of the same port;
it ends at the last such position (hysteresis: positions between 3 and 4 km neither start
nor end a visit). Distances are compared at 1 mm resolution, so a position exactly at the
entry radius enters and one exactly at the exit radius is still in port; one beyond it
has left.

- **Reporting gaps in port** do not split a visit: a visit continues across a silence of
  up to ``max_in_port_gap`` when the positions before and after it are both within the
  exit radius. A longer silence ends the visit at the last position before it (and a new
  visit may start after it), because a vessel silent for longer could have sailed to
  another port and back unseen: the gap and dark-port-call detectors judge such silences.
- **Dwell** (``end_ts - start_ts``) must reach ``min_dwell``.
- **A stop** (``require_stop``, on by default): the visit must hold a position at or
  below ``stop_speed_knots``. A ship sailing through a port's anchorage circle on its way
  to a neighbouring berth (Qingdao's anchorages lie 7-10 km from Qingdao Gang's) is not
  visiting it, however slowly it crosses or however long a reception hole it has there.
- A visit whose last position is the vessel's last position in the input is **open**
  (``details.open``): the vessel may still be in port; ``departure_ts`` is then null.
- Moving straight from one port's exit radius into another's ends the first visit and
  starts the second when the vessel comes within the second's entry radius.

Defaults and their sources
--------------------------
- ``entry_radius_m = 3000``, ``exit_radius_m = 4000``: Global Fishing Watch's port-visit
  method (``anchorage_entry_distance_km: 3.0``, ``anchorage_exit_distance_km: 4.0`` in
  ``GlobalFishingWatch/anchorages_pipeline:anchorage_cfg.yaml``).
- ``stop_speed_knots = 0.2``: GFW's ``stopped_begin_speed_knots``; positions at or below it
  are counted as ``n_stopped_positions``, evidence of a berth or anchor stop.
- ``min_dwell = 30 min``: analyst decision. A vessel crossing the 8 km-wide exit circle in
  a straight line at 9 knots or more spends under 30 minutes inside it, so transits past
  a port are not visits.
- ``require_stop = True``: GFW counts a port visit as confident (confidence 3 or 4) only
  when it includes a stop or an in-port gap. Found by ``darkfleet evaluate``: without it,
  14 % of detected visits in simulated traffic were transits through a neighbouring
  port's anchorage circle (0.5-0.9 h inside, no stopped position). We do not accept a
  gap instead of a stop: transits heard only by satellite had in-port reception holes
  of 0.5-0.9 h. A ship that goes dark in port before it is seen stopped is left to the
  gap and dark-port-call detectors.
- ``max_in_port_gap = 12 h``: analyst decision. The fastest dark round trip between the
  shuttle's ports, Dunay to Rajin and back (about 2 x 97 nm), takes about 14 h at 14
  knots before any time alongside, so a silence of up to 12 h cannot hide one.

Evidence (``details``)
----------------------
``port_id``, ``arrival_ts``, ``departure_ts`` (null when open), ``dwell_h``, ``open``,
``n_positions``, ``n_stopped_positions``, ``min_distance_m`` (closest approach to a port
point), ``max_in_port_gap_h``, ``next_position_ts`` (first position after the visit, null
when open). The event's ``lat``/``lon`` is the visit's position closest to the port (a
reported position, not an average); ``port`` and ``country`` come from the gazetteer.

Known false positives
---------------------
- Vessels anchored or drifting within 3 km of a port point without calling (waiting
  areas, fishing grounds at a harbour mouth) for over 30 minutes.
- Slow transits (tugs, pilots, ferries crossing a harbour) and vessels passing a port
  point placed on a fairway.
- Ports given by a single WPI point (all DPRK ports) can sit 1-2 km from the berths: a
  vessel at a distant berth may be missed, or a vessel at a neighbouring facility counted.
- Spoofed positions placed in a port (see the spoofing detector).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.detect._events import finish_events, params_fingerprint
from darkfleet.detect._evidence import iso_ts, json_object
from darkfleet.detect._prep import sorted_positions
from darkfleet.detect.context import GeoContext
from darkfleet.errors import ConfigError

__all__ = ["PortVisitParams", "detect_port_visits"]

EVENT_TYPE = "port_visit"
_MAX_RADIUS_M = 50_000.0
_US_PER_H = 3_600_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class PortVisitParams:
    """Parameters of ``detect_port_visits`` (see the module docstring for sources)."""

    entry_radius_m: float = 3000.0  # GFW anchorage_entry_distance_km 3.0
    exit_radius_m: float = 4000.0  # GFW anchorage_exit_distance_km 4.0
    min_dwell: timedelta = timedelta(minutes=30)  # analyst: excludes straight transits >= 9 kn
    max_in_port_gap: timedelta = timedelta(
        hours=12
    )  # analyst: < fastest dark Dunay-Rajin round trip
    stop_speed_knots: float = 0.2  # GFW stopped_begin_speed_knots 0.2
    require_stop: bool = True  # GFW: a confident visit has a stop (or an in-port gap)

    def __post_init__(self) -> None:
        """Reject out-of-range values, naming the field, value, range and unit."""
        where = "detect.port_visit"
        if not 0.0 < self.entry_radius_m <= _MAX_RADIUS_M:
            raise ConfigError(
                f"{where}.entry_radius_m must be in (0, {_MAX_RADIUS_M:g}] metres, got "
                f"{self.entry_radius_m}"
            )
        if not self.entry_radius_m <= self.exit_radius_m <= _MAX_RADIUS_M:
            raise ConfigError(
                f"{where}.exit_radius_m must be in [entry_radius_m ({self.entry_radius_m:g}), "
                f"{_MAX_RADIUS_M:g}] metres, got {self.exit_radius_m}"
            )
        if self.min_dwell < timedelta(0):
            raise ConfigError(
                f"{where}.min_dwell must be >= 0, got {self.min_dwell}; give e.g. 30m"
            )
        if self.max_in_port_gap <= timedelta(0):
            raise ConfigError(
                f"{where}.max_in_port_gap must be > 0, got {self.max_in_port_gap}; give e.g. 12h"
            )
        if not 0.0 <= self.stop_speed_knots <= 5.0:
            raise ConfigError(
                f"{where}.stop_speed_knots must be in [0, 5] knots, got {self.stop_speed_knots}"
            )


def _empty() -> pl.DataFrame:
    return schema.empty(schema.EVENTS)


def detect_port_visits(
    positions: pl.DataFrame | pl.LazyFrame,
    params: PortVisitParams,
    context: GeoContext,
) -> pl.DataFrame:
    """Find port visits: within ``entry_radius_m`` of a port, until beyond ``exit_radius_m``.

    Parameters
    ----------
    positions
        ``schema.POSITIONS`` rows of any number of vessels, in any order (not modified).
    params
        Radii, minimum dwell, the longest reporting gap a visit bridges, stop speed.
    context
        Ports (``context.ports`` and its ``port_index``).

    Returns
    -------
    ``schema.EVENTS`` with ``type = "port_visit"``, ``port`` (name), ``country`` (alpha-3)
    and ``details`` (see the module docstring), sorted by ``mmsi``, ``start_ts``.

    Raises
    ------
    SchemaError
        ``positions`` lacks a column or has a wrong dtype.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from darkfleet.testing import make_track
    >>> ports = pl.DataFrame({"port_id": ["PRK-NAJIN"], "name": ["Najin"],
    ...     "country": ["PRK"], "lat": [42.2333], "lon": [130.3]})
    >>> track = make_track(n=3, step=timedelta(hours=1), lat=42.2333, lon=130.3, sog_knots=0.0)
    >>> events = detect_port_visits(track, PortVisitParams(), GeoContext(ports=ports))
    >>> events.select("port", "country").row(0), events["end_ts"][0] - events["start_ts"][0]
    (('Najin', 'PRK'), datetime.timedelta(seconds=7200))

    Notes
    -----
    Known false positives: vessels waiting or fishing near a port point, slow harbour
    transits, ports known only by one WPI point (all DPRK ports), spoofed positions.
    """
    # Ties in (mmsi, ts, lat, lon) differing only in speed cannot change a visit: its
    # fields are order-free within one instant and place.
    frame = sorted_positions(positions, columns=("mmsi", "ts", "lat", "lon", "sog_knots"))
    if frame.is_empty() or context.ports.is_empty():
        return _empty()

    which, distance_m = context.port_index.nearest(
        # 1 m of slack: the tree's bound may be strict; the radii are applied below.
        frame["lat"].to_numpy(),
        frame["lon"].to_numpy(),
        max_distance_m=params.exit_radius_m + 1.0,
    )
    # Compare at 1 mm: points placed exactly on a radius behave as the definition says.
    distance_m = np.round(distance_m, 3)
    found = which >= 0
    nearest_port_id = context.ports["port_id"].gather(np.where(found, which, 0))
    frame = frame.with_columns(
        pl.when(pl.Series(found)).then(nearest_port_id).alias("port_id"),
        pl.Series("distance_m", np.where(found, distance_m, np.nan)),
        pl.Series("is_outer", found & (distance_m <= params.exit_radius_m)),
        pl.Series("is_inner", found & (distance_m <= params.entry_radius_m)),
    )

    gap_us = int(params.max_in_port_gap / timedelta(microseconds=1))
    prev_mmsi = pl.col("mmsi").shift(1)
    frame = frame.with_columns(
        is_new_run=(
            prev_mmsi.is_null()
            | (pl.col("mmsi") != prev_mmsi)
            | (pl.col("is_outer") != pl.col("is_outer").shift(1))
            | pl.col("port_id").ne_missing(pl.col("port_id").shift(1))
            | ((pl.col("ts") - pl.col("ts").shift(1)).dt.total_microseconds() > gap_us)
        ),
        is_vessel_last=pl.col("mmsi").shift(-1).is_null()
        | (pl.col("mmsi") != pl.col("mmsi").shift(-1)),
        next_ts=pl.when(pl.col("mmsi") == pl.col("mmsi").shift(-1)).then(pl.col("ts").shift(-1)),
    ).with_columns(run_id=pl.col("is_new_run").cum_sum())
    # Hysteresis: inside a run of positions within the exit radius, the vessel is in port
    # from its first position within the entry radius to the end of the run.
    frame = frame.filter(pl.col("is_outer")).filter(
        pl.col("is_inner").cast(pl.Int8).cum_max().over("run_id") == 1
    )
    if frame.is_empty():
        return _empty()
    frame = frame.with_columns(
        gap_us=pl.when(pl.col("run_id") == pl.col("run_id").shift(1)).then(
            (pl.col("ts") - pl.col("ts").shift(1)).dt.total_microseconds()
        )
    )

    visits = frame.group_by("run_id").agg(
        pl.col("mmsi").first(),
        pl.col("port_id").first(),
        pl.col("ts").min().alias("start_ts"),
        pl.col("ts").max().alias("end_ts"),
        pl.len().alias("n_positions"),
        (pl.col("sog_knots") <= params.stop_speed_knots).sum().alias("n_stopped_positions"),
        pl.col("distance_m").min().alias("min_distance_m"),
        # arg_min takes the first minimum: the earliest of equally close positions
        pl.col("lat").get(pl.col("distance_m").arg_min()).alias("lat"),
        pl.col("lon").get(pl.col("distance_m").arg_min()).alias("lon"),
        pl.col("gap_us").max().fill_null(0).alias("max_gap_us"),
        pl.col("is_vessel_last").last().alias("open"),
        pl.col("next_ts").last().alias("next_position_ts"),
    )
    min_dwell_us = int(params.min_dwell / timedelta(microseconds=1))
    visits = visits.filter(
        (pl.col("end_ts") - pl.col("start_ts")).dt.total_microseconds() >= min_dwell_us
    )
    if params.require_stop:
        visits = visits.filter(pl.col("n_stopped_positions") > 0)
    if visits.is_empty():
        return _empty()

    names = context.ports.group_by("port_id").agg(
        pl.col("name").sort().first().alias("port"), pl.col("country").sort().first()
    )
    # port_id in the id: with min_dwell 0, two one-instant visits (one position in each of
    # two ports at the same time) start together.
    visits = visits.join(names, on="port_id", how="left").with_columns(
        pl.col("port_id").alias("event_key")
    )
    dwell_h = (pl.col("end_ts") - pl.col("start_ts")).dt.total_microseconds() / _US_PER_H
    visits = visits.with_columns(
        details=json_object(
            port_id=pl.col("port_id"),
            arrival_ts=iso_ts(pl.col("start_ts")),
            departure_ts=pl.when(~pl.col("open")).then(iso_ts(pl.col("end_ts"))),
            dwell_h=dwell_h.round(3),
            open=pl.col("open"),
            n_positions=pl.col("n_positions"),
            n_stopped_positions=pl.col("n_stopped_positions"),
            min_distance_m=pl.col("min_distance_m").round(1),
            max_in_port_gap_h=(pl.col("max_gap_us") / _US_PER_H).round(3),
            next_position_ts=iso_ts(pl.col("next_position_ts")),
        )
    )
    return finish_events(visits, EVENT_TYPE, params_fingerprint(params))
