"""Dark-leg reasoning: could a vessel have called at a sensitive port while it was dark?

Fuse layer: imports ``schema``, ``errors``, ``detect`` helpers, ``darkfleet.geodesy`` and
``fuse.sea_distance``; never ``engine`` or ``cli``. Pure apart from the route cache:
frames + parameters -> events frame.

Definition
----------
For every ``gap`` event and every sensitive port (``GeoContext.sensitive_port_ids``; the
port's centre is the mean of its gazetteer points), with ``T`` the gap's duration:

- ``route_in_nm``: sea-route distance from where the vessel went dark (the gap's start
  position) to the port; ``route_out_nm``: from the port to where it reappeared (null for
  a gap still open). Routes come from ``fuse.sea_distance.SeaRouter`` (searoute's lanes,
  checked against the land mask and refined near the coast), never straight lines.
- ``required_speed_knots`` = (route_in + route_out) / T: the speed the round trip needs
  with no time in port.
- the vessel's **demonstrated speed** ``v``: the ``speed_quantile`` (nearest rank) of its
  reported SOG over positions at or above ``min_underway_sog_knots`` (underway, so time in
  port and at anchor does not drag it down), capped at ``max_speed_cap_knots`` (a higher
  "demonstrated" speed is SOG noise). See ``demonstrated_speeds``.
- ``possible_dwell_h`` = T - (route_in + route_out) / v: the time left in port when it
  sails at ``v`` (``assumed_speed_knots``; the cap when the vessel has no underway SOG).

A ``dark_port_call`` event is emitted for (gap, port) when

- ``status = "confirmed"``: a sighting of the same vessel (``mmsi``) whose time overlaps
  the gap places it at the port (its ``port_id`` is the port, or its position lies within
  ``sighting_radius_km`` of one of the port's points) and the sighting is consistent with
  the tracks: some instant ``t`` inside both the sighting and the gap satisfies
  ``start + route_in / cap <= t <= end - route_out / cap`` (reachable at the physical cap).
  ``sighting_ids`` lists every such sighting, sorted;
- otherwise ``status = "possible"``: the vessel has a demonstrated speed and
  ``possible_dwell_h >= min_dwell``.

Nothing is emitted for gaps from which no sensitive port is reachable. A straight-line
bound (great circle <= sea route) skips port/gap pairs that cannot qualify before any
route is computed. Open gaps (``details.open``) count with ``route_out_nm`` null unless
``include_open_gaps`` is false.

The event: ``mmsi``, ``start_ts``/``end_ts`` of the gap (the call lies somewhere inside
it), ``lat``/``lon`` of the port centre, ``port`` (name), ``country``; ``details`` keys
(sorted): ``assumed_speed_knots``, ``gap_duration_h``, ``gap_event_id``, ``open``,
``port_id``, ``possible_dwell_h``, ``required_speed_knots``, ``route_in_nm``,
``route_out_nm``, ``sighting_ids``, ``status``. ``event_id`` hashes the gap's vessel and
start with the port id, so each (gap, port) has its own stable id.

Known false positives
---------------------
- "Possible" is a statement about time and distance only: a gap near a sensitive port
  makes a call there possible whatever the vessel did. Coverage holes near Russian ports
  (terrestrial receivers) produce gaps without any intent. Read it with the gap's
  ``n_positions_12h_before`` and with the vessel's history.
- A long gap reaches many ports; each gets its own event (the shuttle detector keeps one
  port group per gap, see ``detect/shuttle.py``).
- A sighting matched to the wrong MMSI confirms a call that did not happen; the
  consistency check rejects only sightings no ship could have made.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.detect._events import finish_events, params_fingerprint
from darkfleet.detect._prep import check_duration, check_positive, details_json
from darkfleet.detect.context import GeoContext
from darkfleet.errors import ConfigError
from darkfleet.fuse.sea_distance import SeaRouter
from darkfleet.geodesy import haversine_m
from darkfleet.units import METRES_PER_NM

__all__ = [
    "SPEEDS",
    "DarkPortCallParams",
    "demonstrated_speeds",
    "detect_dark_port_calls",
    "empty_sightings",
    "rank_calls_in_gaps",
    "sensitive_ports",
]

EVENT_TYPE: Final = "dark_port_call"
_OWNER: Final = "detect.dark_port_call"
_US_PER_H: Final = 3_600_000_000
#: gaps x ports are compared in blocks of this many gaps (bounds the matrices' memory).
_BLOCK_GAPS: Final = 20_000

#: Demonstrated speed per vessel (``demonstrated_speeds``).
SPEEDS: Final[schema.Schema] = {"mmsi": pl.Int64(), "speed_knots": pl.Float64()}


def rank_calls_in_gaps(calls: pl.DataFrame, sanctioned: Collection[str]) -> pl.DataFrame:
    """Order ``dark_port_call`` events within each gap as an analyst reads them.

    A gap makes a call possible at every sensitive port in reach; the first to read is a
    port of a ``sanctioned`` country, then the lowest required speed, then the smallest
    event id. Adds ``gap_event_id``, ``rank_in_gap`` (0 for the first) and
    ``ports_in_gap`` (the gap's ports in that order, on every row of the gap); rows come
    sorted by gap, then rank.

    Examples
    --------
    >>> calls = pl.DataFrame({"event_id": ["a", "b", "c"], "port": ["Vostochnyy", "Senbong", "Najin"],
    ...     "country": ["RUS", "PRK", "PRK"], "details": [
    ...     f'{{"gap_event_id": "g", "required_speed_knots": {v}}}' for v in (4.0, 9.0, 8.5)]})
    >>> rank_calls_in_gaps(calls, {"PRK"}).select("event_id", "rank_in_gap").rows()
    [('c', 0), ('b', 1), ('a', 2)]
    """
    details = pl.col("details").str
    return (
        calls.with_columns(details.json_path_match("$.gap_event_id").alias("gap_event_id"))
        .sort(
            pl.col("gap_event_id"),
            ~pl.col("country").is_in(list(sanctioned)).fill_null(False),
            details.json_path_match("$.required_speed_knots").cast(pl.Float64),
            pl.col("event_id"),
            nulls_last=True,
        )
        .with_columns(
            pl.int_range(pl.len()).over("gap_event_id").alias("rank_in_gap"),
            pl.col("port").over("gap_event_id", mapping_strategy="join").alias("ports_in_gap"),
        )
    )


def empty_sightings() -> pl.DataFrame:
    """A ``schema.SIGHTINGS`` frame with no rows (detection without any sightings)."""
    return schema.empty(schema.SIGHTINGS)


@dataclass(frozen=True, slots=True, kw_only=True)
class DarkPortCallParams:
    """Parameters of ``detect_dark_port_calls`` (sources in docs/detectors.md)."""

    # Analyst decision: the 90th percentile of underway SOG is the speed the ship
    # demonstrably sails at; the top decile absorbs SOG spikes.
    speed_quantile: float = 0.9
    # Analyst decision: below 3 kn a ship is manoeuvring, drifting or at anchor, not
    # showing its sailing speed (the loitering detector's 2 kn plus a margin).
    min_underway_sog_knots: float = 3.0
    # Analyst decision, as detect.gap: 25 kn exceeds almost every cargo ship's service
    # speed; also the bound a sighting must respect to confirm a call.
    max_speed_cap_knots: float = 25.0
    # Analyst decision: berthing, cargo work and unberthing take at least about 6 h; the
    # 2023 shuttle's calls at Rajin lasted one to two days (CSIS Beyond Parallel, 2023-10).
    min_dwell: timedelta = timedelta(hours=6)
    # Analyst decision, as detect.gap's near_port_km: a sighting within 10 km of a port
    # point is at that port (Rajin and Senbong are 13 km apart).
    sighting_radius_km: float = 10.0
    # Route cache cell: end points are moved by at most half a cell (2.8 km at 42 N).
    route_cell_deg: float = 0.05
    # Analyst decision: a vessel still dark at the end of the data may be in port now.
    include_open_gaps: bool = True

    def __post_init__(self) -> None:
        """Validate every field (ConfigError names field, value, range and unit)."""
        check_positive(_OWNER, "speed_quantile", self.speed_quantile, "(ratio 0-1)", upper=1.0)
        check_positive(
            _OWNER, "max_speed_cap_knots", self.max_speed_cap_knots, "knots", upper=100.0
        )
        check_positive(
            _OWNER,
            "min_underway_sog_knots",
            self.min_underway_sog_knots,
            "knots",
            upper=self.max_speed_cap_knots,
        )
        check_duration(
            _OWNER, "min_dwell", self.min_dwell, lower=timedelta(0), upper=timedelta(days=30)
        )
        check_positive(_OWNER, "sighting_radius_km", self.sighting_radius_km, "km", upper=100.0)
        check_positive(_OWNER, "route_cell_deg", self.route_cell_deg, "degrees", upper=1.0)
        if not isinstance(self.include_open_gaps, bool):
            raise ConfigError(
                f"{_OWNER}.include_open_gaps must be true or false, got {self.include_open_gaps!r}"
            )


def demonstrated_speeds(
    positions: pl.DataFrame | pl.LazyFrame, params: DarkPortCallParams
) -> pl.DataFrame:
    """Each vessel's demonstrated speed: a high quantile of its underway SOG, capped.

    Parameters
    ----------
    positions
        Frame with ``mmsi`` and ``sog_knots`` typed as in ``schema.POSITIONS`` (the whole
        positions frame or that projection).
    params
        ``speed_quantile``, ``min_underway_sog_knots``, ``max_speed_cap_knots``.

    Returns
    -------
    ``SPEEDS`` (``mmsi``, ``speed_knots``), sorted by ``mmsi``; vessels without an underway
    position are absent.

    Examples
    --------
    >>> frame = pl.DataFrame({"mmsi": [1, 1, 1, 2], "sog_knots": [0.1, 11.0, 12.0, 40.0]},
    ...     schema={"mmsi": pl.Int64, "sog_knots": pl.Float32})
    >>> demonstrated_speeds(frame, DarkPortCallParams()).rows()
    [(1, 12.0), (2, 25.0)]
    """
    wanted = {name: schema.POSITIONS[name] for name in ("mmsi", "sog_knots")}
    schema.require(positions, wanted, what="positions")
    return (
        positions.lazy()
        .filter(
            pl.col("mmsi").is_not_null() & (pl.col("sog_knots") >= params.min_underway_sog_knots)
        )
        .group_by("mmsi")
        .agg(
            pl.col("sog_knots")
            .quantile(params.speed_quantile, interpolation="nearest")
            .clip(upper_bound=params.max_speed_cap_knots)
            .cast(pl.Float64)
            .alias("speed_knots")
        )
        .sort("mmsi")
        .collect()
    )


def sensitive_ports(context: GeoContext) -> pl.DataFrame:
    """One row per sensitive port: ``port_id``, ``name``, ``country``, centre ``lat``/``lon``."""
    return (
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


def _gap_rows(
    gaps: pl.DataFrame | pl.LazyFrame, speeds: pl.DataFrame, params: DarkPortCallParams
) -> pl.DataFrame:
    """One row per gap: ends, duration, openness and the vessel's speed."""
    frame = (
        gaps.lazy()
        .filter((pl.col("type") == "gap") & pl.col("mmsi").is_not_null())
        .select(
            pl.col("event_id").alias("gap_event_id"),
            "mmsi",
            "start_ts",
            "end_ts",
            pl.col("lat").alias("lat0"),
            pl.col("lon").alias("lon0"),
            pl.col("details").str.json_path_match("$.end.lat").cast(pl.Float64).alias("lat1"),
            pl.col("details").str.json_path_match("$.end.lon").cast(pl.Float64).alias("lon1"),
            (pl.col("details").str.json_path_match("$.open") == "true")
            .fill_null(False)
            .alias("is_open"),
            _hours(pl.col("end_ts") - pl.col("start_ts")).alias("duration_h"),
        )
        .filter(pl.col("lat0").is_not_null() & pl.col("lon0").is_not_null())
        .join(speeds.lazy(), on="mmsi", how="left")
        .sort("mmsi", "start_ts", "gap_event_id")
        .collect()
    )
    if not params.include_open_gaps:
        frame = frame.filter(~pl.col("is_open"))
    # a closed gap needs its end position; without one it cannot be reasoned about
    return frame.filter(pl.col("is_open") | pl.col("lat1").is_not_null()).with_row_index("gap_no")


def _possible_pairs(
    rows: pl.DataFrame, ports: pl.DataFrame, params: DarkPortCallParams
) -> pl.DataFrame:
    """(gap_no, port_no) whose straight-line detour leaves ``min_dwell`` at speed ``v``."""
    min_dwell_h = params.min_dwell / timedelta(hours=1)
    plat = ports["lat"].to_numpy()[None, :]
    plon = ports["lon"].to_numpy()[None, :]
    found: list[pl.DataFrame] = []
    for first in range(0, rows.height, _BLOCK_GAPS):
        block = rows.slice(first, _BLOCK_GAPS)
        speed = block["speed_knots"].fill_null(np.nan).to_numpy()[:, None]
        d_in = haversine_m(
            block["lat0"].to_numpy()[:, None], block["lon0"].to_numpy()[:, None], plat, plon
        )
        d_out = haversine_m(
            block["lat1"].fill_null(np.nan).to_numpy()[:, None],
            block["lon1"].fill_null(np.nan).to_numpy()[:, None],
            plat,
            plon,
        )
        is_open = block["is_open"].to_numpy()[:, None]
        detour_nm = (d_in + np.where(is_open, 0.0, d_out)) / METRES_PER_NM
        budget_nm = speed * (block["duration_h"].to_numpy()[:, None] - min_dwell_h)
        gap_no, port_no = np.nonzero(detour_nm <= budget_nm)  # NaN speed compares False
        found.append(
            pl.DataFrame(
                {"gap_no": block["gap_no"].to_numpy()[gap_no], "port_no": port_no},
                schema={"gap_no": pl.UInt32, "port_no": pl.UInt32},
            )
        )
    return (
        pl.concat(found)
        if found
        else pl.DataFrame(schema={"gap_no": pl.UInt32, "port_no": pl.UInt32})
    )


def _hours(duration: pl.Expr) -> pl.Expr:
    return duration.dt.total_microseconds() / _US_PER_H


def _sighted_pairs(
    rows: pl.DataFrame,
    ports: pl.DataFrame,
    context: GeoContext,
    sightings: pl.DataFrame | pl.LazyFrame,
    params: DarkPortCallParams,
) -> pl.DataFrame:
    """(gap_no, port_no, sighting_id, a_h, b_h): sightings at a port overlapping a gap.

    ``a_h``/``b_h`` bound the part of the sighting inside the gap, in hours from its start.
    """
    port_no = ports.select("port_id").with_row_index("port_no")
    seen = sightings.lazy().filter(pl.col("mmsi").is_not_null()).collect()
    by_id = seen.join(port_no, on="port_id", how="inner").select("sighting_id", "port_no")
    points = (
        context.ports.select("port_id", pl.col("lat").alias("p_lat"), pl.col("lon").alias("p_lon"))
        .join(port_no, on="port_id", how="inner")
        .drop("port_id")
    )
    located = seen.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    by_position = pl.DataFrame(schema={"sighting_id": pl.String, "port_no": pl.UInt32})
    if located.height and points.height:
        crossed = located.select("sighting_id", "lat", "lon").join(points, how="cross")
        distance_m = haversine_m(
            crossed["lat"].to_numpy(),
            crossed["lon"].to_numpy(),
            crossed["p_lat"].to_numpy(),
            crossed["p_lon"].to_numpy(),
        )
        by_position = crossed.filter(
            pl.Series(distance_m <= params.sighting_radius_km * 1000.0)
        ).select("sighting_id", "port_no")
    at_port = pl.concat([by_id, by_position]).unique()
    return (
        at_port.join(seen.select("sighting_id", "mmsi", "start_ts", "end_ts"), on="sighting_id")
        .rename({"start_ts": "s_start", "end_ts": "s_end"})
        .join(rows.select("gap_no", "mmsi", "start_ts", "end_ts"), on="mmsi", how="inner")
        .filter((pl.col("s_start") <= pl.col("end_ts")) & (pl.col("s_end") >= pl.col("start_ts")))
        .select(
            "gap_no",
            "port_no",
            "sighting_id",
            _hours(pl.max_horizontal("s_start", "start_ts") - pl.col("start_ts")).alias("a_h"),
            _hours(pl.min_horizontal("s_end", "end_ts") - pl.col("start_ts")).alias("b_h"),
        )
        .sort("gap_no", "port_no", "sighting_id")
    )


def detect_dark_port_calls(
    gaps: pl.DataFrame | pl.LazyFrame,
    speeds: pl.DataFrame,
    sightings: pl.DataFrame | pl.LazyFrame,
    params: DarkPortCallParams,
    context: GeoContext,
    *,
    router: SeaRouter | None = None,
) -> pl.DataFrame:
    """Emit ``dark_port_call`` events for sensitive ports a vessel could have called at.

    Parameters
    ----------
    gaps
        ``schema.EVENTS`` rows; those of type ``gap`` are used (details as written by
        ``detect_gaps``: ``open`` and ``end``).
    speeds
        ``SPEEDS`` from ``demonstrated_speeds`` over the same vessels' positions.
    sightings
        ``schema.SIGHTINGS`` (current, undisputed sightings, as
        ``fuse.sightings.read_current_sightings`` returns them); ``empty_sightings()``
        when there are none.
    params
        ``DarkPortCallParams``.
    context
        Ports and ``sensitive_port_ids``.
    router
        A ``SeaRouter`` to the sensitive ports, shared between calls to reuse its route
        cache; built when None.

    Returns
    -------
    ``schema.EVENTS`` rows of type ``dark_port_call`` (module docstring for ``details``),
    sorted by ``(mmsi, start_ts, event_id)``.

    Raises
    ------
    SchemaError
        A frame lacks a column or has a wrong dtype.

    Notes
    -----
    Known false positives: see the module docstring.
    """
    schema.require(gaps, schema.EVENTS, what="gaps")
    schema.require(speeds, SPEEDS, what="speeds")
    schema.require(sightings, schema.SIGHTINGS, what="sightings")
    fingerprint = params_fingerprint(params)
    ports = sensitive_ports(context)
    rows = _gap_rows(gaps, speeds, params)
    if rows.is_empty() or ports.is_empty():
        return finish_events(schema.empty(schema.EVENTS), EVENT_TYPE, fingerprint)
    possible = _possible_pairs(rows, ports, params)
    sighted = _sighted_pairs(rows, ports, context, sightings, params)
    pairs = (
        pl.concat([possible, sighted.select("gap_no", "port_no")])
        .unique()
        .sort("gap_no", "port_no")
    )
    if pairs.is_empty():
        return finish_events(schema.empty(schema.EVENTS), EVENT_TYPE, fingerprint)
    if router is None:
        router = SeaRouter.for_ports(ports, cell_deg=params.route_cell_deg)
    routed = _route(pairs, rows, ports, router)
    return _events(routed, rows, ports, sighted, params, fingerprint)


def _route(
    pairs: pl.DataFrame, rows: pl.DataFrame, ports: pl.DataFrame, router: SeaRouter
) -> pl.DataFrame:
    """Add ``route_in_nm`` and ``route_out_nm`` (null when open) to each (gap, port) pair."""
    ends = pairs.join(rows.select("gap_no", "lat0", "lon0", "lat1", "lon1", "is_open"), on="gap_no")
    port_ids = ports["port_id"].to_list()
    route_in = []
    route_out = []
    # one route per pair end, cached by (cell, port): the only per-row Python work here
    for lat0, lon0, lat1, lon1, is_open, port in ends.select(
        "lat0", "lon0", "lat1", "lon1", "is_open", "port_no"
    ).iter_rows():
        route_in.append(router.distance_nm(lat0, lon0, port_ids[port]))
        route_out.append(None if is_open else router.distance_nm(lat1, lon1, port_ids[port]))
    return pairs.with_columns(
        pl.Series("route_in_nm", route_in, dtype=pl.Float64),
        pl.Series("route_out_nm", route_out, dtype=pl.Float64),
    )


def _events(
    routed: pl.DataFrame,
    rows: pl.DataFrame,
    ports: pl.DataFrame,
    sighted: pl.DataFrame,
    params: DarkPortCallParams,
    fingerprint: str,
) -> pl.DataFrame:
    cap = params.max_speed_cap_knots
    min_dwell_h = params.min_dwell / timedelta(hours=1)
    frame = (
        routed.join(rows, on="gap_no")
        .join(ports.with_row_index("port_no"), on="port_no")
        .with_columns(
            detour_nm=pl.col("route_in_nm") + pl.col("route_out_nm").fill_null(0.0),
            assumed_speed_knots=pl.col("speed_knots").fill_null(cap),
        )
    )
    consistent = (
        sighted.join(
            frame.select("gap_no", "port_no", "route_in_nm", "route_out_nm", "duration_h"),
            on=["gap_no", "port_no"],
        )
        .filter(
            pl.max_horizontal(pl.col("a_h"), pl.col("route_in_nm") / cap)
            <= pl.min_horizontal(
                pl.col("b_h"), pl.col("duration_h") - pl.col("route_out_nm").fill_null(0.0) / cap
            )
        )
        .group_by("gap_no", "port_no")
        .agg(pl.col("sighting_id").sort().alias("sighting_ids"))
    )
    dwell_h = pl.col("duration_h") - pl.col("detour_nm") / pl.col("assumed_speed_knots")
    frame = (
        frame.join(consistent, on=["gap_no", "port_no"], how="left")
        .with_columns(possible_dwell_h=dwell_h)
        .with_columns(
            status=pl.when(pl.col("sighting_ids").is_not_null())
            .then(pl.lit("confirmed"))
            .when(pl.col("speed_knots").is_not_null() & (pl.col("possible_dwell_h") >= min_dwell_h))
            .then(pl.lit("possible")),
            sighting_ids=pl.col("sighting_ids").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        )
        .filter(pl.col("status").is_not_null())
    )
    if frame.is_empty():
        return finish_events(schema.empty(schema.EVENTS), EVENT_TYPE, fingerprint)
    required = pl.when(pl.col("duration_h") > 0).then(pl.col("detour_nm") / pl.col("duration_h"))
    details = details_json(
        {
            "assumed_speed_knots": pl.col("assumed_speed_knots").round(3),
            "gap_duration_h": pl.col("duration_h").round(3),
            "gap_event_id": pl.col("gap_event_id"),
            "open": pl.col("is_open"),
            "port_id": pl.col("port_id"),
            "possible_dwell_h": pl.col("possible_dwell_h").round(3),
            "required_speed_knots": required.round(3),
            "route_in_nm": pl.col("route_in_nm").round(3),
            "route_out_nm": pl.col("route_out_nm").round(3),
            "sighting_ids": pl.col("sighting_ids"),
            "status": pl.col("status"),
        }
    )
    events = frame.select(
        "mmsi",
        "start_ts",
        "end_ts",
        "lat",
        "lon",
        pl.col("name").alias("port"),
        "country",
        pl.col("port_id").alias("event_key"),
        details,
    )
    return finish_events(events, EVENT_TYPE, fingerprint)
