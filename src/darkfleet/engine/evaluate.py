"""Measure the detectors against the simulator's ground truth (engine layer).

For every scenario, seed and fleet size: simulate into a temporary folder, ingest the
NMEA feed into a fresh store, run every detector with default parameters, and score the
events against ``truth.jsonl`` with ``engine.scoring`` (matching rule there and in
``docs/benchmarks.md``). Imports ``simulate``, ``engine``, ``store``, ``reference``;
never ``cli``. The result depends only on the arguments: no clock, no randomness.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Final

import polars as pl

from darkfleet.engine.detect import run_detection
from darkfleet.engine.detect_config import build_detect_config
from darkfleet.engine.ingest import IngestOptions, ingest_paths
from darkfleet.engine.scoring import (
    DEFAULT_SLACK,
    SCORE_SCHEMA,
    SUSPICIOUS_EXCLUDED,
    match_events,
    one_call_per_gap,
    planted_mmsis,
    score_types,
)
from darkfleet.errors import ConfigError
from darkfleet.simulate import SCENARIOS, simulate, write_simulation
from darkfleet.store import ParquetStore

__all__ = [
    "EvaluationPlan",
    "RunScore",
    "evaluate",
    "parse_int_list",
    "summarize",
]

#: At most this many runs (scenarios x fleet sizes x seeds) per evaluation.
MAX_RUNS: Final = 1000
_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$")


def parse_int_list(text: str, *, what: str, minimum: int, maximum: int) -> tuple[int, ...]:
    """Parse ``"0-9"``, ``"1,3,5"`` or ``"0-4,8"`` into sorted distinct integers.

    Parameters
    ----------
    text : comma-separated integers and inclusive ranges ``LO-HI``.
    what : the option's name, for error messages (e.g. ``"--seeds"``).
    minimum, maximum : the allowed bounds (inclusive).

    Raises
    ------
    ConfigError
        For an empty list, a piece that is not an integer or range, a range whose end is
        below its start, or a value out of bounds.

    Examples
    --------
    >>> parse_int_list("0-3,7", what="--seeds", minimum=0, maximum=10)
    (0, 1, 2, 3, 7)
    """
    values: set[int] = set()
    for piece in text.split(","):
        found = _RANGE.match(piece)
        if not found:
            raise ConfigError(
                f"{what} {text!r}: {piece.strip()!r} is not an integer or a range LO-HI; "
                "write e.g. 0-9 or 1,3,5"
            )
        lo = int(found.group(1))
        hi = int(found.group(2)) if found.group(2) is not None else lo
        if hi < lo:
            raise ConfigError(f"{what} {text!r}: range {lo}-{hi} ends before it starts")
        if lo < minimum or hi > maximum:
            raise ConfigError(f"{what} {text!r}: values must be within {minimum}-{maximum}")
        values.update(range(lo, hi + 1))
    return tuple(sorted(values))


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluationPlan:
    """What to evaluate.

    Attributes
    ----------
    scenarios : simulator scenarios (``shuttle``, ``random``).
    seeds : simulator seeds.
    fleet_sizes : ``--vessels`` of the simulator: background vessels for ``shuttle``,
        all vessels for ``random``.
    days : simulated days per run (14 by default: the shuttle truth needs two completed
        round trips, about a week each).
    planted_ratio : ``random`` only: share of vessels given each planted behaviour
        (0.02 by default, so a 50-vessel fleet still gets one of each).
    slack : matching tolerance (``scoring.DEFAULT_SLACK``).
    """

    scenarios: tuple[str, ...]
    seeds: tuple[int, ...]
    fleet_sizes: tuple[int, ...]
    days: int = 14
    planted_ratio: float = 0.02
    slack: timedelta = DEFAULT_SLACK

    def runs(self) -> list[tuple[str, int, int]]:
        """(scenario, fleet size, seed) of every run, in run order."""
        return [
            (scenario, size, seed)
            for scenario in self.scenarios
            for size in self.fleet_sizes
            for seed in self.seeds
        ]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunScore:
    """The score of one simulated run.

    Attributes
    ----------
    scenario, seed, fleet_size, days : the run.
    vessels : transmitters in the simulation (clones included).
    quiet_vessels : vessels with no planted behaviour.
    quiet_vessel_days : distinct (quiet MMSI, UTC day) pairs holding at least one
        ingested position.
    scores : per type, ``scoring.SCORE_SCHEMA``.
    missed : truth items of suspicious types no event matched (truth columns).
    false_events : events of suspicious types that matched no truth item (``schema.EVENTS``).
    """

    scenario: str
    seed: int
    fleet_size: int
    days: int
    vessels: int
    quiet_vessels: int
    quiet_vessel_days: int
    scores: pl.DataFrame
    missed: pl.DataFrame
    false_events: pl.DataFrame


def evaluate(
    plan: EvaluationPlan,
    *,
    on_run: Callable[[RunScore], None] | None = None,
) -> list[RunScore]:
    """Simulate, ingest, detect and score every run of ``plan``, in order.

    Parameters
    ----------
    plan : scenarios, seeds, fleet sizes and days.
    on_run : called after each run (for progress).

    Raises
    ------
    ConfigError
        For an unknown scenario or an out-of-range fleet size, days or planted ratio
        (raised before any run starts).
    """
    from darkfleet.reference import default_port_groups, load_geo_context, load_mid_table
    from darkfleet.reference.shore import load_shore_grid

    _check(plan)  # every bad input fails before the long part starts
    context = dataclasses.replace(load_geo_context(), shore=load_shore_grid())
    mid_table = load_mid_table()
    port_groups = default_port_groups(context.ports)
    config = build_detect_config(None, overrides={}, only=None, where="defaults")
    results: list[RunScore] = []
    for scenario, size, seed in plan.runs():
        result = simulate(
            scenario, seed=seed, vessels=size, days=plan.days, planted_ratio=plan.planted_ratio
        )
        with tempfile.TemporaryDirectory(prefix="darkfleet-evaluate-") as tmp:
            paths = write_simulation(result, Path(tmp) / "sim")
            store = ParquetStore(Path(tmp) / "store")
            ingest_paths([str(paths["feed"])], store, IngestOptions(), ingested_at=result.start)
            run_detection(
                store,
                context=context,
                mid_table=mid_table,
                config=config,
                port_groups=port_groups,
            )
            events = store.scan("events").collect().sort("type", "mmsi", "start_ts", "event_id")
            score = _score_run(
                scenario=scenario,
                seed=seed,
                size=size,
                days=result.days,
                truth=result.truth,
                vessels=result.vessels,
                events=events,
                positions=store.scan("positions").select("mmsi", "ts"),
                slack=plan.slack,
            )
        results.append(score)
        if on_run is not None:
            on_run(score)
    return results


def _check(plan: EvaluationPlan) -> None:
    for scenario in plan.scenarios:
        if scenario not in SCENARIOS:
            raise ConfigError(
                f"--scenario {scenario!r} is unknown; use one of: {', '.join(sorted(SCENARIOS))}"
            )
    if not plan.scenarios or not plan.seeds or not plan.fleet_sizes:
        raise ConfigError("give at least one scenario, one seed and one fleet size")
    if len(plan.runs()) > MAX_RUNS:
        raise ConfigError(
            f"{len(plan.runs())} runs asked (scenarios x fleet sizes x seeds); "
            f"at most {MAX_RUNS}: use fewer seeds or fleet sizes"
        )
    if not 1 <= plan.days <= 366:
        raise ConfigError(f"--days {plan.days} is out of range; use 1-366")
    if not 0.0 <= plan.planted_ratio <= 0.1:
        raise ConfigError(f"--planted-ratio {plan.planted_ratio} is out of range; use 0-0.1")


def _score_run(
    *,
    scenario: str,
    seed: int,
    size: int,
    days: int,
    truth: pl.DataFrame,
    vessels: pl.DataFrame,
    events: pl.DataFrame,
    positions: pl.LazyFrame,
    slack: timedelta,
) -> RunScore:
    planted = planted_mmsis(truth)
    quiet = (
        vessels.filter(pl.col("role") != "clone")
        .select("mmsi")
        .unique()
        .filter(~pl.col("mmsi").is_in(planted.implode()))
        .get_column("mmsi")
    )
    quiet_days = (
        positions.filter(pl.col("mmsi").is_in(quiet.implode()))
        .select("mmsi", pl.col("ts").dt.date().alias("day"))
        .unique()
        .select(pl.len())
        .collect()
        .item()
    )
    events = one_call_per_gap(events)
    truth_matched, event_matched = match_events(truth, events, slack=slack)
    suspicious = ~pl.col("type").is_in(list(SUSPICIOUS_EXCLUDED))
    return RunScore(
        scenario=scenario,
        seed=seed,
        fleet_size=size,
        days=days,
        vessels=vessels.height,
        quiet_vessels=quiet.len(),
        quiet_vessel_days=int(quiet_days),
        scores=score_types(truth, events, quiet.to_list(), slack=slack),
        missed=truth.filter(~truth_matched).filter(suspicious),
        false_events=events.filter(~event_matched).filter(suspicious),
    )


def summarize(runs: Sequence[RunScore]) -> pl.DataFrame:
    """Totals per scenario and type over ``runs``, with recall, precision and false rate.

    Returns
    -------
    Columns ``scenario``, ``type``, the counts of ``scoring.SCORE_SCHEMA`` summed,
    ``recall`` (found / planted, null when nothing was planted), ``precision``
    (true positives / detected, null when nothing was detected), ``quiet_vessel_days``
    (of the scenario's runs) and ``quiet_false_per_1000_vessel_days``. Sorted by
    scenario, then type.
    """
    counts = [c for c in SCORE_SCHEMA if c != "type"]
    if not runs:
        return pl.DataFrame(
            schema={"scenario": pl.String(), **SCORE_SCHEMA}
            | {
                "recall": pl.Float64(),
                "precision": pl.Float64(),
                "quiet_vessel_days": pl.Int64(),
                "quiet_false_per_1000_vessel_days": pl.Float64(),
            }
        )
    per_run = pl.concat([r.scores.with_columns(pl.lit(r.scenario).alias("scenario")) for r in runs])
    days = (
        pl.DataFrame(
            {
                "scenario": [r.scenario for r in runs],
                "quiet_vessel_days": [r.quiet_vessel_days for r in runs],
            },
            schema={"scenario": pl.String(), "quiet_vessel_days": pl.Int64()},
        )
        .group_by("scenario")
        .agg(pl.col("quiet_vessel_days").sum())
    )
    return (
        per_run.group_by("scenario", "type")
        .agg(pl.col(counts).sum())
        .join(days, on="scenario", how="left")
        .with_columns(
            pl.when(pl.col("planted") > 0)
            .then(pl.col("found") / pl.col("planted"))
            .otherwise(None)
            .alias("recall"),
            pl.when(pl.col("detected") > 0)
            .then(pl.col("true_positives") / pl.col("detected"))
            .otherwise(None)
            .alias("precision"),
            pl.when(pl.col("type").is_in(list(SUSPICIOUS_EXCLUDED)))
            .then(None)
            .when(pl.col("quiet_vessel_days") > 0)
            .then(pl.col("quiet_false") * 1000.0 / pl.col("quiet_vessel_days"))
            .otherwise(None)
            .alias("quiet_false_per_1000_vessel_days"),
        )
        .select(
            "scenario",
            *SCORE_SCHEMA,
            "recall",
            "precision",
            "quiet_vessel_days",
            "quiet_false_per_1000_vessel_days",
        )
        .sort("scenario", "type")
    )
