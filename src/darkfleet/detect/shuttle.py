"""Shuttles: repeated round trips between two port groups, e.g. DPRK and Russian Far East.

Detect layer, pure: imports only ``schema``, ``errors`` and detect's own modules. Works on
events, not positions: the port visits that ``detect_port_visits`` found and the calls
that dark-leg reasoning inferred inside AIS gaps (``dark_port_call`` events from
``darkfleet.fuse.darklegs``, with ``port_id``, ``status`` and ``gap_event_id`` in their
details). Which event types count is ``visit_types``; which dark-call statuses count is
``dark_call_statuses``.

Definition
----------
Visits to ports outside both groups are ignored. A long gap makes calls at many ports
possible, so each gap contributes calls of one port group at most: when a gap holds a
``confirmed`` call only its confirmed calls count; when its calls span both groups, only
those in the group other than the vessel's previous visible stay count (the next visible
stay when there is no previous one; none when the vessel has no visible stay), since a
call in the same group would not change the sequence. For each vessel, consecutive visits to
ports of the same group merge into one **stay** (Vostochny then Nakhodka is one stay in
``RUS-FE``), so stays alternate between the two groups. A **leg** links two consecutive
stays; a chain of stays breaks where a leg (departure to next arrival) takes longer than
``max_leg``. A chain with ``n`` legs holds ``n // 2`` **round trips** (A to B and back).
A chain is a shuttle when, somewhere in it, ``min_round_trips`` round trips fit in
``window``: some stay's departure and the arrival ``2 x min_round_trips`` stays later lie
at most ``window`` apart. One event per chain, from its first arrival to its last
departure.

Defaults and their sources
--------------------------
- ``group_a = "PRK"``, ``group_b = "RUS-FE"``, ``port_groups``: the default watch of
  DESIGN.md (DPRK ports; Russian Far East ports). ``port_groups`` maps ``port_id`` to a
  group name; ``darkfleet.reference.default_port_groups`` builds the default one (the
  engine passes it in; an empty mapping finds nothing).
- ``min_round_trips = 2``: analyst decision: one round trip is ordinary trade; repeating
  it is the pattern. The 2023 shuttle made at least six trips between late August and
  mid-October (CSIS Beyond Parallel, "Ongoing Arms Transfer Activity at Najin Port",
  2023-10).
- ``window = 90 days``: analyst decision; the 2023 round trips took one to three weeks
  each, so two fit in well under 90 days while two unrelated calls a season apart do not.
- ``max_leg = 30 days``: analyst decision; Rajin to Vostochny is about 130 nm (under a day
  at sea), so a longer leg means the vessel was trading elsewhere in between.
- ``visit_types = ("port_visit", "dark_port_call")``: the 2023 shuttle ships called at
  Rajin with AIS off (DESIGN.md), so visible visits alone miss them.
- ``dark_call_statuses = ("possible", "confirmed")``: analyst decision; a possible call
  between two visible stays in the other group is the pattern analysts flagged before any
  imagery confirmed it. Use ``("confirmed",)`` to count only sighted calls.

Evidence (``details``)
----------------------
``groups`` ([group_a, group_b]), ``n_round_trips``, ``n_stays``, ``shortest_span_h`` (the
shortest time in which ``min_round_trips`` round trips were made), ``trips``: every visit
of the chain in time order, each with ``port``, ``port_id``, ``group``, ``arrival_ts``,
``departure_ts``, ``event_id`` and ``event_type``. The event's ``lat``/``lon`` is that of
the chain's first visit.

Known false positives
---------------------
- Regular liner or ferry services between the groups (e.g. the Rajin-Vladivostok
  passenger ferry Man Gyong Bong, 2017), and coal or fuel trade that is lawful.
- Port visits detected from spoofed positions.
- A "possible" dark call is a statement about time and distance, not a sighting: a
  vessel with long gaps near ports of one group and visible calls in the other can look
  like a shuttle. ``dark_call_statuses = ["confirmed"]`` counts only sighted calls.
- Ships shuttling between the groups with AIS off in one of them are missed when the dark
  port calls are left out of ``visit_types``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import polars as pl

from darkfleet import schema
from darkfleet.detect._events import finish_events, params_fingerprint
from darkfleet.detect._evidence import iso_ts, json_object
from darkfleet.errors import ConfigError

__all__ = ["ShuttleParams", "detect_shuttles"]

EVENT_TYPE = "shuttle"
DARK_CALL = "dark_port_call"
_US_PER_H = 3_600_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class ShuttleParams:
    """Parameters of ``detect_shuttles`` (see the module docstring for sources)."""

    port_groups: Mapping[str, str] = field(default_factory=dict)  # port_id -> group; engine fills
    group_a: str = "PRK"  # DESIGN.md default watch: DPRK ports
    group_b: str = "RUS-FE"  # DESIGN.md default watch: Russian Far East ports
    min_round_trips: int = 2  # analyst: one round trip is trade, repeats are the pattern
    window: timedelta = timedelta(days=90)  # analyst: 2023 round trips took 1-3 weeks
    max_leg: timedelta = timedelta(days=30)  # analyst: Rajin-Vostochny is under a day at sea
    visit_types: tuple[str, ...] = ("port_visit", "dark_port_call")  # 2023: Rajin calls were dark
    dark_call_statuses: tuple[str, ...] = ("possible", "confirmed")  # analyst: see docstring

    def __post_init__(self) -> None:
        """Reject out-of-range values, naming the field, value, range and unit."""
        where = "detect.shuttle"
        object.__setattr__(self, "port_groups", dict(self.port_groups))
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.port_groups.items()):
            raise ConfigError(f"{where}.port_groups must map port_id text to group text")
        if not self.group_a or not self.group_b or self.group_a == self.group_b:
            raise ConfigError(
                f"{where}.group_a and group_b must be two different group names, got "
                f"{self.group_a!r} and {self.group_b!r}"
            )
        if isinstance(self.min_round_trips, bool) or not isinstance(self.min_round_trips, int):
            raise TypeError(
                f"min_round_trips must be an int, got {type(self.min_round_trips).__name__}"
            )
        if not 1 <= self.min_round_trips <= 100:
            raise ConfigError(
                f"{where}.min_round_trips must be in [1, 100] round trips, got {self.min_round_trips}"
            )
        if self.window <= timedelta(0):
            raise ConfigError(f"{where}.window must be > 0, got {self.window}; give e.g. 90d")
        if self.max_leg <= timedelta(0):
            raise ConfigError(f"{where}.max_leg must be > 0, got {self.max_leg}; give e.g. 30d")
        if not self.visit_types or not all(isinstance(t, str) for t in self.visit_types):
            raise ConfigError(
                f"{where}.visit_types must name at least one event type, got {self.visit_types!r}"
            )
        object.__setattr__(self, "visit_types", tuple(self.visit_types))
        statuses = tuple(self.dark_call_statuses)
        if not statuses or not set(statuses) <= {"possible", "confirmed"}:
            raise ConfigError(
                f"{where}.dark_call_statuses must name 'possible' and/or 'confirmed', "
                f"got {self.dark_call_statuses!r}"
            )
        object.__setattr__(self, "dark_call_statuses", statuses)


def detect_shuttles(
    port_visits: pl.DataFrame | pl.LazyFrame, params: ShuttleParams
) -> pl.DataFrame:
    """Find vessels making repeated round trips between two port groups.

    Parameters
    ----------
    port_visits
        ``schema.EVENTS`` rows; those of a type in ``params.visit_types`` whose
        ``details`` hold a ``port_id`` in ``params.port_groups`` are used, others ignored.
    params
        Port groups, the two groups to pair, round trips required, window, longest leg.

    Returns
    -------
    ``schema.EVENTS`` with ``type = "shuttle"``, one event per chain of alternating stays;
    ``details`` as in the module docstring.

    Raises
    ------
    SchemaError
        ``port_visits`` lacks a column or has a wrong dtype.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> day = timedelta(days=1)
    >>> t0 = datetime(2023, 9, 1, tzinfo=UTC)
    >>> ports = ["PRK-NAJIN", "RUS-DUNAY"] * 2 + ["PRK-NAJIN"]
    >>> visits = schema.conform(pl.DataFrame({"type": "port_visit", "mmsi": 273_000_001,
    ...     "start_ts": [t0 + 7 * i * day for i in range(5)],
    ...     "end_ts": [t0 + (7 * i + 1) * day for i in range(5)],
    ...     "details": [f'{{"port_id":"{p}"}}' for p in ports]}), schema.EVENTS)
    >>> params = ShuttleParams(port_groups={"PRK-NAJIN": "PRK", "RUS-DUNAY": "RUS-FE"})
    >>> import json; json.loads(detect_shuttles(visits, params)["details"][0])["n_round_trips"]
    2

    Notes
    -----
    Known false positives: lawful liner, ferry or coal services between the groups; visits
    derived from spoofed positions.
    """
    schema.require(port_visits, schema.EVENTS, what="port_visits")
    groups = {k: v for k, v in params.port_groups.items() if v in (params.group_a, params.group_b)}
    if not groups:
        return schema.empty(schema.EVENTS)
    mapping = pl.DataFrame(
        {"port_id": list(groups), "group": list(groups.values())},
        schema={"port_id": pl.String, "group": pl.String},
    )
    visits = _one_group_per_gap(
        port_visits.lazy()
        .filter(pl.col("type").is_in(list(params.visit_types)) & pl.col("mmsi").is_not_null())
        .with_columns(
            pl.col("details").str.json_path_match("$.port_id").alias("port_id"),
            pl.col("details").str.json_path_match("$.status").alias("status"),
            pl.col("details").str.json_path_match("$.gap_event_id").alias("gap_event_id"),
        )
        .join(mapping.lazy(), on="port_id", how="inner")
        .select(
            "mmsi",
            "start_ts",
            "end_ts",
            "lat",
            "lon",
            "port",
            "port_id",
            "group",
            "event_id",
            "type",
            "status",
            "gap_event_id",
        )
        .sort(["mmsi", "start_ts", "end_ts", "port_id", "event_id"])
        .collect(),
        params,
    )
    if visits.is_empty():
        return schema.empty(schema.EVENTS)

    same_vessel = pl.col("mmsi") == pl.col("mmsi").shift(1)
    visits = visits.with_columns(
        stay=(~same_vessel | (pl.col("group") != pl.col("group").shift(1)))
        .fill_null(True)
        .cum_sum()
    )
    # Struct fields in alphabetical order, so the encoded JSON has sorted keys.
    trip = pl.struct(
        iso_ts(pl.col("start_ts")).alias("arrival_ts"),
        iso_ts(pl.col("end_ts")).alias("departure_ts"),
        pl.col("event_id"),
        pl.col("type").alias("event_type"),
        pl.col("group"),
        pl.col("port"),
        pl.col("port_id"),
    )
    stays = (
        visits.with_columns(trip=trip)
        .group_by("stay", maintain_order=True)
        .agg(
            pl.col("mmsi").first(),
            pl.col("start_ts").min().alias("arrival_ts"),
            pl.col("end_ts").max().alias("departure_ts"),
            pl.col("lat").first(),
            pl.col("lon").first(),
            pl.col("trip"),
        )
    )
    max_leg_us = int(params.max_leg / timedelta(microseconds=1))
    leg_us = (pl.col("arrival_ts") - pl.col("departure_ts").shift(1)).dt.total_microseconds()
    stays = stays.with_columns(
        chain=(~same_vessel | (leg_us > max_leg_us)).fill_null(True).cum_sum()
    )
    k = 2 * params.min_round_trips
    span_us = (
        (pl.col("arrival_ts").shift(-k) - pl.col("departure_ts"))
        .over("chain")
        .dt.total_microseconds()
    )
    window_us = int(params.window / timedelta(microseconds=1))
    chains = (
        stays.with_columns(span_us=span_us)
        .group_by("chain", maintain_order=True)
        .agg(
            pl.col("mmsi").first(),
            pl.col("arrival_ts").min().alias("start_ts"),
            pl.col("departure_ts").max().alias("end_ts"),
            pl.col("lat").first(),
            pl.col("lon").first(),
            pl.len().alias("n_stays"),
            pl.col("span_us").min().alias("shortest_span_us"),
            pl.col("trip").explode().alias("trips"),
        )
        .filter(pl.col("shortest_span_us") <= window_us)
    )
    if chains.is_empty():
        return schema.empty(schema.EVENTS)
    events = chains.with_columns(
        details=json_object(
            groups=pl.lit([params.group_a, params.group_b], dtype=pl.List(pl.String)),
            n_round_trips=(pl.col("n_stays") - 1) // 2,
            n_stays=pl.col("n_stays"),
            shortest_span_h=(pl.col("shortest_span_us") / _US_PER_H).round(3),
            trips=pl.col("trips"),
        )
    )
    return finish_events(events, EVENT_TYPE, params_fingerprint(params))


def _one_group_per_gap(visits: pl.DataFrame, params: ShuttleParams) -> pl.DataFrame:
    """Keep each gap's dark calls of one port group (module docstring), drop the helpers."""
    is_dark = pl.col("type") == DARK_CALL
    statuses = pl.Series(params.dark_call_statuses, dtype=pl.String).implode()
    visits = visits.filter(~is_dark | pl.col("status").is_in(statuses))
    has_confirmed = (pl.col("status") == "confirmed").any().over("gap_event_id")
    visits = visits.filter(~is_dark | ~has_confirmed | (pl.col("status") == "confirmed"))
    visible_group = pl.when(~is_dark).then(pl.col("group"))
    reference = pl.coalesce(
        visible_group.forward_fill().over("mmsi"), visible_group.backward_fill().over("mmsi")
    )
    n_groups = pl.col("group").n_unique().over("gap_event_id")
    keep = ~is_dark | (n_groups == 1) | (pl.col("group") != reference).fill_null(False)
    return visits.filter(keep).drop("status", "gap_event_id")
