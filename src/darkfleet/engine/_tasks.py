"""The units of detection work: one per-vessel chunk, one UTC-day window (engine layer).

Both are plain module-level functions over picklable arguments, so the local engine
calls them in a loop and the Dask engine ships them to workers unchanged: the same code
gives the same events on both.

- ``run_vessel_chunk``: the positions and static reports of a set of MMSIs (their whole
  history), read from the store with an MMSI-range predicate (row groups are sorted by
  MMSI, so Parquet statistics skip most of them). Spoofing splits tracks first; the
  positions of second tracks are returned as *excluded* and never reach the other
  detectors. Then gap, port_visit, identity_change and invalid_identity (dark-leg
  reasoning and shuttle run afterwards over the events, see ``engine.dark_legs``).
- ``run_window``: the positions of every vessel in ``[day - margin, day + 1 day +
  margin)`` minus excluded positions, for the detectors that look at other vessels
  (encounter; loitering, whose "alone" rule needs the neighbours). Only events starting
  inside ``day`` are kept, so windows never duplicate an event. The window is read one
  vessel group at a time (MMSI ranges of bounded size) and only the columns those
  detectors use, so its memory does not grow with the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Final, cast

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.detect.context import GeoContext
from darkfleet.detect.encounters import EncounterParams, encounter_bins, encounters_from_bins
from darkfleet.detect.gaps import GapParams, detect_gaps
from darkfleet.detect.identity_change import IdentityChangeParams, detect_identity_changes
from darkfleet.detect.invalid_identity import InvalidIdentityParams, detect_invalid_identities
from darkfleet.detect.loitering import (
    CompanyScreen,
    LoiteringCandidates,
    LoiteringParams,
    company_nearby,
    loitering_candidates,
    loitering_from_candidates,
)
from darkfleet.detect.port_visit import PortVisitParams, detect_port_visits
from darkfleet.detect.shuttle import ShuttleParams
from darkfleet.detect.spoofing import SpoofingParams, detect_spoofing
from darkfleet.store import MemoryStore, ParquetStore, Store
from darkfleet.store.protocol import DETECT_EXCLUDED

__all__ = [
    "CHUNK_COLUMNS",
    "PER_VESSEL",
    "WINDOWED",
    "WINDOW_COLUMNS",
    "WINDOW_MARGIN",
    "ChunkResult",
    "StoreSource",
    "TaskPlan",
    "VesselChunk",
    "run_vessel_chunk",
    "run_window",
]

#: Detectors that see one vessel at a time (its whole history in one chunk).
PER_VESSEL: Final = (
    "spoofing",
    "gap",
    "port_visit",
    "identity_change",
    "invalid_identity",
)
#: Detectors that compare vessels with each other: run per UTC-day window.
WINDOWED: Final = ("loitering", "encounter")
#: Context read around each day. Events shorter than this beyond the end of their start
#: day are exact; longer ones end at the window's end. One day keeps "days touched by new
#: data, +/- 1 day" the exact set of windows an incremental run must redo.
WINDOW_MARGIN: Final = timedelta(days=1)


#: Position columns the per-vessel detectors read, with the keys of excluded positions.
CHUNK_COLUMNS: Final = ("mmsi", "ts", "lat", "lon", "sog_knots", "msg_type", "file_id", "line_no")


@dataclass(frozen=True, slots=True)
class StoreSource:
    """How a task reaches the store: a ParquetStore's root (reopened on a worker) or the
    store object itself (a ``MemoryStore``, in-process or pickled)."""

    root: str | None = None
    memory: MemoryStore | None = None

    @classmethod
    def of(cls, store: Store) -> StoreSource:
        """Describe ``store`` for a task."""
        if isinstance(store, ParquetStore):
            return cls(root=str(store.root))
        if isinstance(store, MemoryStore):
            return cls(memory=store)
        raise TypeError(f"cannot ship a {type(store).__name__} to a task; use a ParquetStore")

    def open(self) -> Store:
        """Return the store (``create=False``: a task never creates one)."""
        if self.memory is not None:
            return self.memory
        if self.root is None:
            raise TypeError("StoreSource names no store")
        return ParquetStore(Path(self.root), create=False)


@dataclass(frozen=True, slots=True)
class TaskPlan:
    """What every task of one run shares: parameters, modes, context, as_of.

    ``full`` lists the enabled detectors recomputed for every vessel (or day) a task
    reads; ``incremental`` those recomputed only for ``VesselChunk.affected`` vessels
    (gap also for ``VesselChunk.gap_only``) or for the windows given.
    """

    params: Mapping[str, object]
    full: frozenset[str]
    incremental: frozenset[str]
    context: GeoContext
    mid_table: pl.DataFrame
    as_of: datetime | None


@dataclass(frozen=True, slots=True)
class VesselChunk:
    """MMSIs in ``[lo, hi]`` to read; ``vessels`` limits them when not ``None``."""

    lo: int
    hi: int
    positions: int
    vessels: tuple[int, ...] | None = None
    affected: frozenset[int] = field(default_factory=frozenset)
    gap_only: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """Events of a chunk, the positions it excluded, and what it read."""

    events: pl.DataFrame
    excluded: pl.DataFrame
    positions: int
    vessels: pl.Series


def _vessel_filter(chunk: VesselChunk) -> pl.Expr:
    predicate = pl.col("mmsi").is_between(chunk.lo, chunk.hi)
    if chunk.vessels is not None:
        predicate = predicate & pl.col("mmsi").is_in(
            pl.Series(chunk.vessels, dtype=pl.Int64).implode()
        )
    return predicate


def _only(frame: pl.DataFrame, vessels: frozenset[int]) -> pl.DataFrame:
    return frame.filter(pl.col("mmsi").is_in(pl.Series(sorted(vessels), dtype=pl.Int64).implode()))


def run_vessel_chunk(source: StoreSource, chunk: VesselChunk, plan: TaskPlan) -> ChunkResult:
    """Run the per-vessel detectors over one chunk of vessels; see the module docstring."""
    store = source.open()
    predicate = _vessel_filter(chunk)
    # sorted here (fast, on the collected columns) so that no detector sorts or gathers
    positions = (
        store.scan("positions")
        .filter(predicate)
        .select(CHUNK_COLUMNS)
        .collect()
        .sort(["mmsi", "ts"], maintain_order=True)
    )
    statics = store.scan("statics").filter(predicate).collect()
    spoofing_params = cast(SpoofingParams, plan.params["spoofing"])
    spoof_events, tracks = detect_spoofing(positions, spoofing_params, plan.context)
    excluded = tracks.filter(pl.col("track") == 1).select(list(DETECT_EXCLUDED))
    clean = tracks.filter(pl.col("track") == 0).drop("track", "track_mmsi")
    affected = chunk.affected

    def scope(name: str, frame: pl.DataFrame, extra: frozenset[int] = frozenset()) -> pl.DataFrame:
        return frame if name in plan.full else _only(frame, affected | extra)

    def wanted(name: str) -> bool:
        return name in plan.full or (name in plan.incremental and bool(affected))

    events: list[pl.DataFrame] = []
    if wanted("spoofing"):
        events.append(scope("spoofing", spoof_events))
    if "gap" in plan.full or ("gap" in plan.incremental and (affected or chunk.gap_only)):
        gap_input = scope("gap", clean, chunk.gap_only)
        params = cast(GapParams, plan.params["gap"])
        events.append(detect_gaps(gap_input, params, plan.context, as_of=plan.as_of))
    if wanted("port_visit"):
        visit_params = cast(PortVisitParams, plan.params["port_visit"])
        events.append(detect_port_visits(scope("port_visit", clean), visit_params, plan.context))
    if wanted("identity_change"):
        params_ic = cast(IdentityChangeParams, plan.params["identity_change"])
        events.append(
            detect_identity_changes(
                scope("identity_change", statics), params_ic, scope("identity_change", clean)
            )
        )
    if wanted("invalid_identity"):
        params_ii = cast(InvalidIdentityParams, plan.params["invalid_identity"])
        events.append(
            detect_invalid_identities(
                scope("invalid_identity", statics),
                scope("invalid_identity", clean),
                params_ii,
                plan.mid_table,
            )
        )
    merged = (
        pl.concat([schema.conform(e, schema.EVENTS) for e in events], how="vertical")
        if events
        else schema.empty(schema.EVENTS)
    )
    # a new array: a Series derived in Polars from the chunk's columns kept the chunk's
    # buffers alive (about 13 MB per chunk of 2M positions, for every chunk of the run)
    vessels = pl.Series(
        "mmsi",
        np.unique(np.concatenate([positions["mmsi"].to_numpy(), statics["mmsi"].to_numpy()])),
        dtype=pl.Int64,
    )
    return ChunkResult(
        events=merged, excluded=excluded, positions=positions.height, vessels=vessels
    )


def day_start(day: date) -> datetime:
    """Midnight UTC starting ``day``."""
    return datetime.combine(day, time(0), tzinfo=UTC)


#: Position columns the windowed detectors read (the others are never loaded).
WINDOW_COLUMNS: Final = ("mmsi", "ts", "lat", "lon", "sog_knots", "msg_type")


#: Positions a window keeps from its first pass over the vessel groups for the second
#: (loitering's company); groups beyond it are read again. Six columns: about 37 bytes
#: a position, so at most about 190 MB.
WINDOW_CACHE_POSITIONS: Final = 5_000_000


def _positions_in(store: Store, days: list[date]) -> pl.LazyFrame:
    """The positions dataset, limited to the ``day=`` partitions of ``days`` when the
    store is a ``ParquetStore`` (so a window never opens the other days' files)."""
    if not isinstance(store, ParquetStore):
        return store.scan("positions")
    wanted = {f"day={d.isoformat()}" for d in days}
    paths = [p for p in store.part_paths("positions") if p.parent.name in wanted]
    if not paths:
        return schema.empty(schema.POSITIONS).lazy()
    return pl.scan_parquet(paths, schema=dict(schema.POSITIONS), hive_partitioning=False)


def _window_positions(
    store: Store,
    lo: datetime,
    hi: datetime,
    group: tuple[int, int],
    excluded: pl.DataFrame,
) -> pl.DataFrame:
    """One vessel group's positions in ``[lo, hi)`` minus excluded ones, ordered by
    (mmsi, ts) (the detectors then only check the order): ``WINDOW_COLUMNS`` only.

    Only the vessels with excluded positions go through the anti-join on
    ``DETECT_EXCLUDED`` keys, so the others never load ``file_id``/``line_no``.
    """
    first, last = group
    in_group = pl.col("mmsi").is_between(first, last)
    n_days = -(-(hi - lo) // timedelta(days=1))  # lo is a midnight: these days hold [lo, hi)
    days = [lo.date() + timedelta(days=k) for k in range(n_days)]
    positions = _positions_in(store, days).filter(
        pl.col("ts").is_between(lo, hi, closed="left") & in_group
    )
    dropped = excluded.filter(pl.col("ts").is_between(lo, hi, closed="left") & in_group)
    if dropped.height:
        suspects = pl.col("mmsi").is_in(dropped.get_column("mmsi").unique().implode())
        positions = pl.concat(
            [
                positions.filter(~suspects).select(WINDOW_COLUMNS),
                positions.filter(suspects)
                .join(dropped.lazy(), on=list(DETECT_EXCLUDED), how="anti", nulls_equal=True)
                .select(WINDOW_COLUMNS),
            ]
        )
    # sorting the collected frame is several times faster than sorting in the query
    return positions.select(WINDOW_COLUMNS).collect().sort(["mmsi", "ts"], maintain_order=True)


def run_window(
    source: StoreSource,
    day: date,
    detectors: tuple[str, ...],
    groups: tuple[tuple[int, int], ...],
    plan: TaskPlan,
    excluded: pl.DataFrame,
) -> tuple[pl.DataFrame, int]:
    """Run the windowed detectors for one UTC day; return events starting that day and
    the positions read.

    Memory is bounded by the largest vessel group, not by the window: each group (an
    MMSI range, ascending and disjoint) is read, reduced to what the pairwise steps need
    (encounter bins that may pair, loitering candidates) and released; a second pass
    over the groups, only when loitering has candidates, keeps the positions that may be
    their company. The steps are per vessel, so the result is that of one frame.
    """
    if not groups:
        return schema.empty(schema.EVENTS), 0
    store = source.open()
    start = day_start(day)
    lo, hi = start - WINDOW_MARGIN, start + timedelta(days=1) + WINDOW_MARGIN
    loiter_params = cast(LoiteringParams, plan.params["loitering"])
    encounter_params = cast(EncounterParams, plan.params["encounter"])
    bins: list[pl.DataFrame] = []
    candidates: list[LoiteringCandidates] = []
    kept: dict[tuple[int, int], pl.DataFrame] = {}
    read = 0
    for group in groups:
        positions = _window_positions(store, lo, hi, group, excluded)
        read += positions.height
        if "loitering" in detectors:
            candidates.append(loitering_candidates(positions, loiter_params, plan.context))
            if read <= WINDOW_CACHE_POSITIONS:
                kept[group] = positions
        if "encounter" in detectors:
            bins.append(encounter_bins(positions, encounter_params, plan.context))
        del positions
    events: list[pl.DataFrame] = []
    if "loitering" in detectors:
        loiterers = LoiteringCandidates.concat(candidates)
        screen = CompanyScreen.of(loiterers)
        nearby = None
        if screen is not None:
            nearby = pl.concat(
                [
                    company_nearby(
                        kept.pop(g) if g in kept else _window_positions(store, lo, hi, g, excluded),
                        screen,
                    )
                    for g in groups
                ]
            )
        kept.clear()
        events.append(loitering_from_candidates(loiterers, nearby, loiter_params))
    if "encounter" in detectors:
        events.append(encounters_from_bins(pl.concat(bins), encounter_params, plan.context))
    if not events:
        return schema.empty(schema.EVENTS), read
    merged = pl.concat(events, how="vertical").filter(
        pl.col("start_ts").is_between(start, start + timedelta(days=1), closed="left")
    )
    return merged, read


def with_port_groups(
    params: Mapping[str, object], port_groups: Mapping[str, str]
) -> dict[str, object]:
    """Return ``params`` with ``shuttle.port_groups`` filled when the config left it empty."""
    out = dict(params)
    shuttle = cast(ShuttleParams, out["shuttle"])
    if not shuttle.port_groups:
        out["shuttle"] = replace(shuttle, port_groups=dict(port_groups))
    return out
