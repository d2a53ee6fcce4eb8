"""Run the detectors over a store, in bounded memory, incrementally (engine layer).

Imports ``detect``, ``store``, ``config`` and ``errors``; never ``cli``. ``run_detection``
is what ``darkfleet detect`` calls.

Order and inputs
----------------
Spoofing runs first on each vessel's whole history and splits MMSIs that carry two
tracks (``detect_spoofing``): positions of the second track (``track == 1``) are kept
out of every other detector's input, so a spoofed copy never makes gaps, port visits,
encounters or loitering of its own (they are recorded in ``<store>/_detect/excluded``).
Then gap, port_visit, identity_change and invalid_identity run per chunk of vessels;
loitering and encounter, which look at other vessels, run per UTC day with one day of
context either side (``_tasks.WINDOW_MARGIN``). Two steps then run over the events
(``engine.dark_legs``): dark-leg reasoning (``dark_port_call``, from the gaps, the
vessels' demonstrated speeds and the analyst's sightings), then shuttle (over port
visits and dark port calls).

Memory
------
Vessels are cut into contiguous MMSI ranges holding at most ``chunk_positions``
positions and static reports (a vessel is never split), read with a range predicate
(files are sorted by MMSI, so Parquet statistics skip most row groups). A window reads
its vessels in MMSI ranges holding at most ``chunk_positions`` of the window's positions,
one at a time (six columns), and keeps only what the pairwise steps need (encounter bins
slow and away from ports, loitering candidates and the positions near them), so no task
holds more than one range's positions however large the store grows.

Incremental runs
----------------
``<store>/_detect/state.json`` records, per detector, the ingested file ids and the
parameter fingerprint the stored events reflect (plus gap's ``as_of``). Another run
with no new files and the same parameters does nothing. With new files, per-vessel
detectors rerun for the MMSIs in the new files over their whole history (so an open gap
closes when the vessel reappears), gap also for every vessel that may have an open gap
under the old or new ``as_of``; windowed detectors rerun for every day within one day of
a day holding new positions (or whose excluded positions changed). dark_port_call reruns
for the vessels whose gaps or positions changed, shuttle for those whose port visits or
dark port calls changed. Exactly those events are replaced, atomically. Changed
parameters rerun that detector over everything, and the steps that depend on it (gap ->
dark_port_call -> shuttle; port_visit -> shuttle); changed sightings rerun
dark_port_call (its state fingerprint includes theirs). The result equals a run over
everything from scratch, event ids included.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, Literal, cast

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.detect._events import params_fingerprint
from darkfleet.detect.context import GeoContext
from darkfleet.detect.gaps import GapParams
from darkfleet.detect.shuttle import ShuttleParams
from darkfleet.engine._tasks import (
    PER_VESSEL,
    WINDOW_MARGIN,
    WINDOWED,
    ChunkResult,
    StoreSource,
    TaskPlan,
    VesselChunk,
    run_vessel_chunk,
    run_window,
    with_port_groups,
)
from darkfleet.engine.dark_legs import (
    DarkLegStats,
    run_dark_port_calls,
    run_shuttles,
    sightings_fingerprint,
)
from darkfleet.engine.detect_config import DetectConfig, params_json
from darkfleet.errors import ConfigError
from darkfleet.fuse.darklegs import DarkPortCallParams, empty_sightings
from darkfleet.store import Store
from darkfleet.store.protocol import DETECT_EXCLUDED

__all__ = ["DetectReport", "run_detection"]

Engine = Literal["local", "dask"]
STATE_FORMAT = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class DetectReport:
    """What one ``run_detection`` did.

    Attributes
    ----------
    mode : ``"full"`` (some detector reran over everything), ``"incremental"`` or
        ``"up_to_date"`` (nothing to do).
    detectors : the detectors enabled, in run order.
    new_files : ingested files not reflected before this run.
    positions : positions of the vessels the per-vessel chunks read (each once).
    positions_read : positions read by all tasks (a window re-reads its margins).
    vessels : distinct MMSIs the per-vessel chunks read.
    chunks, windows : tasks run.
    events_written : events computed in this run, by type.
    events_total : events in the store after the run, by type.
    as_of : the time gaps are open up to (given, or the last position in the store).
    dark_legs : gaps considered by dark-leg reasoning and sea routes computed/reused.
    """

    mode: str
    detectors: tuple[str, ...]
    new_files: int
    positions: int
    positions_read: int
    vessels: int
    chunks: int
    windows: int
    events_written: Mapping[str, int] = field(default_factory=dict)
    events_total: Mapping[str, int] = field(default_factory=dict)
    as_of: datetime | None = None
    dark_legs: DarkLegStats = field(default_factory=DarkLegStats)


def _utc_text(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_utc(value: object) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None


def _vessel_stats(store: Store) -> tuple[pl.DataFrame, list[date], pl.DataFrame]:
    """Positions/statics per MMSI (``n``, ``last_ts``), the days holding positions, and
    positions per MMSI and day (``mmsi``, ``day``, ``n``: for the window groups)."""
    positions = store.scan("positions").filter(pl.col("mmsi").is_not_null())
    statics = store.scan("statics").filter(pl.col("mmsi").is_not_null())
    per_day = positions.group_by("mmsi", pl.col("ts").dt.date().alias("day")).agg(
        pl.len().alias("n"), pl.col("ts").max().alias("last_ts")
    )
    per_static = statics.group_by("mmsi").agg(pl.len().alias("n_statics"))
    day_counts, static_counted = pl.collect_all([per_day, per_static])
    counted = day_counts.group_by("mmsi").agg(pl.col("n").sum(), pl.col("last_ts").max())
    days = day_counts.get_column("day").drop_nulls().unique().sort().to_list()
    stats = (
        counted.join(static_counted, on="mmsi", how="full", coalesce=True)
        .with_columns(
            (pl.col("n").fill_null(0) + pl.col("n_statics").fill_null(0)).alias("rows"),
            pl.col("n").fill_null(0),
        )
        .sort("mmsi")
    )
    return stats, days, day_counts.select("mmsi", "day", "n")


def _window_groups(day_counts: pl.DataFrame, day: date, limit: int) -> tuple[tuple[int, int], ...]:
    """MMSI ranges holding at most ``limit`` positions of ``day``'s window (a vessel is
    never split): the groups ``run_window`` reads one at a time."""
    margin = WINDOW_MARGIN // timedelta(days=1)
    window = (
        day_counts.filter(
            pl.col("day").is_between(day - timedelta(days=margin), day + timedelta(days=margin))
        )
        .group_by("mmsi")
        .agg(pl.col("n").sum().alias("rows"))
        .sort("mmsi")
    )
    chunks = _plan_chunks(window, None, limit, affected=frozenset(), gap_only=frozenset())
    return tuple((c.lo, c.hi) for c in chunks)


def _plan_chunks(
    stats: pl.DataFrame,
    vessels: pl.Series | None,
    limit: int,
    *,
    affected: frozenset[int],
    gap_only: frozenset[int],
) -> list[VesselChunk]:
    """Cut vessels (all, or ``vessels``) into MMSI ranges of at most ``limit`` rows."""
    chosen = stats if vessels is None else stats.filter(pl.col("mmsi").is_in(vessels.implode()))
    if chosen.height == 0:
        return []
    mmsi = chosen.get_column("mmsi").to_numpy()
    rows = chosen.get_column("rows").to_numpy()
    chunk_no = np.zeros(len(rows), dtype=np.int64)
    total = 0
    number = 0
    # one pass over vessels (not rows): greedy cut when the next vessel would overflow
    cumulative = np.cumsum(rows)
    start = 0
    while start < len(rows):
        base = cumulative[start - 1] if start else 0
        end = int(np.searchsorted(cumulative, base + limit, side="right"))
        end = max(end, start + 1)
        chunk_no[start:end] = number
        number += 1
        start = end
    chunks: list[VesselChunk] = []
    for k in range(number):
        members = mmsi[chunk_no == k]
        total = int(rows[chunk_no == k].sum())
        listed = None if vessels is None else tuple(int(m) for m in members)
        member_set = frozenset(int(m) for m in members)
        chunks.append(
            VesselChunk(
                lo=int(members[0]),
                hi=int(members[-1]),
                positions=total,
                vessels=listed,
                affected=affected & member_set,
                gap_only=gap_only & member_set,
            )
        )
    return chunks


class _Runner:
    """Runs tasks in order: locally, or on a Dask cluster (results gathered in order)."""

    def __init__(self, engine: Engine, scheduler: str | None, dask_processes: bool) -> None:
        self.engine = engine
        self._client: Any = None
        self._cluster: Any = None
        if engine == "dask":
            try:
                from distributed import Client, LocalCluster  # type: ignore[attr-defined]
            except ImportError as err:
                raise ConfigError(
                    "--engine dask needs dask and distributed: pip install 'darkfleet[dask]'"
                ) from err
            if scheduler:
                try:
                    self._client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
                except OSError as err:
                    raise ConfigError(
                        f"--scheduler {scheduler}: cannot reach the Dask scheduler ({err}); "
                        "check the address (e.g. tcp://10.0.0.5:8786)"
                    ) from err
            else:
                self._cluster = LocalCluster(  # type: ignore[no-untyped-call]
                    processes=dask_processes, dashboard_address=None, silence_logs=40
                )
                self._client = Client(self._cluster)  # type: ignore[no-untyped-call]
        elif engine != "local":
            raise ConfigError(f"engine must be 'local' or 'dask', got {engine!r}")

    def share(self, value: object) -> object:
        """Send a large shared argument to every worker once (Dask) or keep it (local)."""
        if self._client is None:
            return value
        return self._client.scatter(value, broadcast=True)

    def map(
        self,
        function: Callable[..., Any],
        items: Sequence[Any],
        *shared: Any,
        on_result: Callable[[Any], None],
    ) -> list[Any]:
        """Apply ``function(item, *shared)`` to every item; results in item order."""
        if self._client is None:
            results = []
            for item in items:
                result = function(*item, *shared)
                on_result(result)
                results.append(result)
            return results
        futures = [self._client.submit(function, *item, *shared, pure=False) for item in items]
        results = self._client.gather(futures)
        for result in results:
            on_result(result)
        return list(results)

    def close(self) -> None:
        """Shut the client (and a local cluster) down."""
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _new_file_keys(store: Store, new_files: list[str]) -> tuple[frozenset[int], list[date]]:
    """MMSIs with rows in the new files, and the days of their positions."""
    ids = pl.Series(new_files, dtype=pl.String)
    positions = store.scan("positions").filter(pl.col("file_id").is_in(ids.implode()))
    statics = store.scan("statics").filter(pl.col("file_id").is_in(ids.implode()))
    mmsis = pl.concat([positions.select("mmsi"), statics.select("mmsi")]).unique()
    days = positions.select(pl.col("ts").dt.date().unique().alias("day"))
    mmsi_frame, day_frame = pl.collect_all([mmsis, days])
    return (
        frozenset(int(m) for m in mmsi_frame.get_column("mmsi").drop_nulls().to_list()),
        sorted(day_frame.get_column("day").to_list()),
    )


def _around(days: Sequence[date], known: Sequence[date]) -> list[date]:
    """Days within one day of ``days`` that hold positions."""
    wanted = {d + timedelta(days=k) for d in days for k in (-1, 0, 1)}
    return sorted(wanted & set(known))


def run_detection(
    store: Store,
    *,
    context: GeoContext,
    mid_table: pl.DataFrame,
    config: DetectConfig,
    port_groups: Mapping[str, str] | None = None,
    sightings: pl.DataFrame | None = None,
    as_of: datetime | None = None,
    engine: Engine = "local",
    scheduler: str | None = None,
    dask_processes: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> DetectReport:
    """Run the enabled detectors over ``store`` and write their events into it.

    Parameters
    ----------
    store
        A ``ParquetStore`` or ``MemoryStore``; events go to ``replace_events`` (one atomic
        replacement per run), state to ``write_detect_state``.
    context
        Ports, sensitive ports and the shore grid (``GeoContext``; spoofing's land rule
        and loitering need ``shore``).
    mid_table
        ``darkfleet.reference.load_mid_table()`` for invalid_identity.
    config
        Parameters and enabled detectors (``build_detect_config``).
    port_groups
        ``port_id -> group`` for shuttle when its parameters name none
        (``darkfleet.reference.default_port_groups(context.ports)``).
    sightings
        Analyst sightings (``schema.SIGHTINGS``: current, undisputed) that can confirm
        dark port calls; None: none.
    as_of
        Time the data is complete up to (aware). ``None``: the last position in the
        store. Gaps still open then are reported with ``details.open``.
    engine, scheduler, dask_processes
        ``"local"`` (this process) or ``"dask"`` (a cluster at ``scheduler``, or a
        ``LocalCluster`` with worker processes unless ``dask_processes`` is False).
    on_progress
        Called with the number of positions read so far.

    Returns
    -------
    DetectReport

    Raises
    ------
    ConfigError
        A bad engine or scheduler, a naive ``as_of``, or a detector needing the shore grid
        without one.
    StoreError
        The store is locked by another writer or damaged.
    """
    if as_of is not None and as_of.utcoffset() is None:
        raise ConfigError("as_of must have a UTC offset, e.g. 2023-10-01T00:00Z")
    params = with_port_groups(config.params, port_groups or {})
    fingerprints = {name: params_fingerprint(p) for name, p in params.items()}
    sightings = empty_sightings() if sightings is None else sightings
    # sightings are an input of dark_port_call: new sightings rerun it over everything
    fingerprints["dark_port_call"] += "+" + sightings_fingerprint(sightings)
    prep = fingerprints["spoofing"]
    files = sorted(store.ingested_files().get_column("file_id").to_list())
    file_set = set(files)
    state = store.read_detect_state() or {}
    if state.get("format") != STATE_FORMAT:
        state = {}
    detector_state = cast(dict[str, dict[str, Any]], state.get("detectors", {}))
    stats, days, day_counts = _vessel_stats(store)
    data_end = stats.get_column("last_ts").max() if stats.height else None
    effective_as_of = as_of if as_of is not None else cast(datetime | None, data_end)
    if effective_as_of is not None:
        effective_as_of = effective_as_of.astimezone(UTC)

    full: set[str] = set()
    incremental: set[str] = set()
    new_files: set[str] = set()
    for name in config.enabled:
        previous = detector_state.get(name)
        if (
            previous is None
            or previous.get("fingerprint") != fingerprints[name]
            or previous.get("prep_fingerprint") != prep
            or not set(previous.get("file_ids", [])) <= file_set
        ):
            full.add(name)
            continue
        unseen = file_set - set(previous.get("file_ids", []))
        as_of_moved = name == "gap" and previous.get("as_of") != _utc_text(effective_as_of)
        if unseen or as_of_moved:
            incremental.add(name)
            new_files |= unseen
    _propagate(config.enabled, full, incremental)
    tracks_state = cast(dict[str, Any], state.get("tracks", {}))
    tracks_full = (
        tracks_state.get("fingerprint") != prep
        or not set(tracks_state.get("file_ids", [])) <= file_set
    )
    new_files |= file_set - set(tracks_state.get("file_ids", [])) if not tracks_full else set()
    if not full and not incremental and not tracks_full and not new_files:
        return DetectReport(
            mode="up_to_date",
            detectors=config.enabled,
            new_files=0,
            positions=0,
            positions_read=0,
            vessels=0,
            chunks=0,
            windows=0,
            events_total=_count_types(store),
            as_of=effective_as_of,
        )
    affected, new_days = (
        _new_file_keys(store, sorted(new_files)) if new_files else (frozenset(), [])
    )
    gap_only: frozenset[int] = frozenset()
    if "gap" in incremental:
        gap_params = cast(GapParams, params["gap"])
        old_as_of = _parse_utc(detector_state.get("gap", {}).get("as_of"))
        bounds = [t for t in (old_as_of, effective_as_of) if t is not None]
        if bounds:
            limit = max(bounds) - gap_params.min_gap
            silent = stats.filter(pl.col("last_ts") <= limit).get_column("mmsi").to_list()
            gap_only = frozenset(int(m) for m in silent) - affected

    per_vessel_full = bool(full & set(PER_VESSEL)) or tracks_full
    if per_vessel_full:
        chunk_vessels = None
    else:
        chunk_vessels = pl.Series(sorted(affected | gap_only), dtype=pl.Int64)
    chunks = _plan_chunks(
        stats, chunk_vessels, config.chunk_positions, affected=affected, gap_only=gap_only
    )
    plan = TaskPlan(
        params=params,
        full=frozenset(full),
        incremental=frozenset(incremental),
        context=context,
        mid_table=mid_table,
        as_of=effective_as_of,
    )
    runner = _Runner(engine, scheduler, dask_processes)
    source = StoreSource.of(store)
    read = [0]

    def progress(result: Any) -> None:
        read[0] += result.positions if isinstance(result, ChunkResult) else result[1]
        if on_progress is not None:
            on_progress(read[0])

    try:
        shared_plan = runner.share(plan)
        chunk_results: list[ChunkResult] = runner.map(
            run_vessel_chunk, [(source, c) for c in chunks], shared_plan, on_result=progress
        )
        old_excluded = store.read_detect_excluded()
        new_excluded = (
            pl.concat([r.excluded for r in chunk_results], how="vertical")
            if chunk_results
            else schema.empty(DETECT_EXCLUDED)
        )
        read_vessels = (
            pl.concat([r.vessels for r in chunk_results]).unique()
            if chunk_results
            else pl.Series("mmsi", [], dtype=pl.Int64)
        )
        kept = old_excluded.filter(~pl.col("mmsi").is_in(read_vessels.implode()))
        excluded = pl.concat([kept, new_excluded], how="vertical").sort(list(DETECT_EXCLUDED))
        changed = pl.concat(
            [
                old_excluded.join(excluded, on=list(DETECT_EXCLUDED), how="anti", nulls_equal=True),
                excluded.join(old_excluded, on=list(DETECT_EXCLUDED), how="anti", nulls_equal=True),
            ]
        )
        changed_days = changed.get_column("ts").dt.date().unique().to_list()
        windowed = tuple(n for n in WINDOWED if n in full or n in incremental)
        window_days: list[date] = []
        if full & set(WINDOWED):
            window_days = list(days)
        elif windowed:
            window_days = _around([*new_days, *changed_days], days)
        shared_excluded = runner.share(excluded)
        window_results: list[tuple[pl.DataFrame, int]] = runner.map(
            run_window,
            [
                (source, d, windowed, _window_groups(day_counts, d, config.chunk_positions))
                for d in window_days
            ],
            shared_plan,
            shared_excluded,
            on_result=progress,
        )
    finally:
        runner.close()

    new_events = pl.concat(
        [schema.empty(schema.EVENTS)]
        + [r.events for r in chunk_results]
        + [events for events, _ in window_results],
        how="vertical",
    )
    replaced = _replaced_scope(
        full - set(EVENT_STEPS), incremental - set(EVENT_STEPS), affected, gap_only, window_days
    )
    dark_stats = DarkLegStats()
    with store.lock():
        existing = store.scan("events").collect()
        merged = pl.concat([existing.filter(~replaced), new_events], how="vertical")
        merged, step_events = _run_event_steps(
            store,
            merged,
            params=params,
            context=context,
            sightings=sightings,
            excluded=excluded,
            full=full,
            incremental=incremental,
            changed=affected | gap_only,
            stats=dark_stats,
        )
        store.replace_events(merged)
        store.write_detect_state(
            _new_state(state, config, params, fingerprints, files, effective_as_of), excluded
        )
    written = (
        pl.concat([new_events, *step_events], how="vertical").group_by("type").len().sort("type")
    )
    return DetectReport(
        mode="full" if full or tracks_full else "incremental",
        detectors=config.enabled,
        new_files=len(new_files),
        positions=sum(r.positions for r in chunk_results),
        positions_read=read[0],
        vessels=read_vessels.len(),
        chunks=len(chunks),
        windows=len(window_days),
        events_written=dict(zip(written["type"].to_list(), written["len"].to_list(), strict=True)),
        events_total=_count_types(store),
        as_of=effective_as_of,
        dark_legs=dark_stats,
    )


#: Steps that run over the events after the chunks and windows, in this order.
EVENT_STEPS: Final = ("dark_port_call", "shuttle")
#: Each step's inputs: when one reruns over everything (or for some vessels), so does it.
_STEP_INPUTS: Final = {"dark_port_call": ("gap",), "shuttle": ("port_visit", "dark_port_call")}


def _propagate(enabled: Sequence[str], full: set[str], incremental: set[str]) -> None:
    """Rerun a step fully (or incrementally) when one of its inputs does (in place)."""
    for name in EVENT_STEPS:
        if name not in enabled or name in full:
            continue
        inputs = _STEP_INPUTS[name]
        if any(i in full for i in inputs):
            full.add(name)
            incremental.discard(name)
        elif any(i in incremental for i in inputs):
            incremental.add(name)


def _run_event_steps(
    store: Store,
    events: pl.DataFrame,
    *,
    params: Mapping[str, object],
    context: GeoContext,
    sightings: pl.DataFrame,
    excluded: pl.DataFrame,
    full: set[str],
    incremental: set[str],
    changed: frozenset[int],
    stats: DarkLegStats,
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Dark-leg reasoning, then shuttle, over the events (``engine.dark_legs``).

    A step rerun over everything uses every vessel; an incremental one the vessels whose
    inputs changed (``changed``: new files or a moved ``as_of``; shuttle also those whose
    dark port calls were redone). Returns the events and each step's new events.
    """
    written: list[pl.DataFrame] = []
    dark_vessels: frozenset[int] | None = frozenset()
    if "dark_port_call" in full or "dark_port_call" in incremental:
        dark_vessels = None if "dark_port_call" in full else changed
        events, calls = run_dark_port_calls(
            store,
            events,
            params=cast(DarkPortCallParams, params["dark_port_call"]),
            context=context,
            sightings=sightings,
            excluded=excluded,
            vessels=dark_vessels,
            stats=stats,
        )
        written.append(calls)
    if "shuttle" in full or "shuttle" in incremental:
        shuttle_vessels = None if "shuttle" in full or dark_vessels is None else changed
        events, shuttles = run_shuttles(
            events, params=cast(ShuttleParams, params["shuttle"]), vessels=shuttle_vessels
        )
        written.append(shuttles)
    return events, written


def _replaced_scope(
    full: set[str],
    incremental: set[str],
    affected: frozenset[int],
    gap_only: frozenset[int],
    window_days: list[date],
) -> pl.Expr:
    """Stored events this run recomputes (and so replaces)."""
    scope = pl.col("type").is_in(pl.Series(sorted(full), dtype=pl.String).implode())
    vessels = pl.Series(sorted(affected), dtype=pl.Int64)
    for name in sorted(incremental):
        if name in WINDOWED:
            in_days = (
                pl.col("start_ts").dt.date().is_in(pl.Series(window_days, dtype=pl.Date).implode())
            )
            scope = scope | ((pl.col("type") == name) & in_days)
        else:
            these = vessels
            if name == "gap":
                these = pl.Series(sorted(affected | gap_only), dtype=pl.Int64)
            scope = scope | ((pl.col("type") == name) & pl.col("mmsi").is_in(these.implode()))
    return scope.fill_null(False)


def _new_state(
    state: Mapping[str, Any],
    config: DetectConfig,
    params: Mapping[str, object],
    fingerprints: Mapping[str, str],
    files: list[str],
    as_of: datetime | None,
) -> dict[str, object]:
    detectors = dict(cast(Mapping[str, Any], state.get("detectors", {})))
    for name in config.enabled:
        detectors[name] = {
            "fingerprint": fingerprints[name],
            "prep_fingerprint": fingerprints["spoofing"],
            "params_class": type(params[name]).__name__,
            "params": params_json(params[name]),
            "file_ids": files,
            **({"as_of": _utc_text(as_of)} if name == "gap" else {}),
        }
    return {
        "format": STATE_FORMAT,
        "detectors": detectors,
        "tracks": {"fingerprint": fingerprints["spoofing"], "file_ids": files},
    }


def _count_types(store: Store) -> dict[str, int]:
    counts = store.scan("events").group_by("type").len().sort("type").collect()
    return dict(zip(counts["type"].to_list(), counts["len"].to_list(), strict=True))
