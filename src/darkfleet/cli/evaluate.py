"""``darkfleet evaluate``: score the detectors against the simulator's ground truth."""

from __future__ import annotations

import math
from typing import Any

import click
import polars as pl

from darkfleet.cli._render import echo_json, print_table, stderr_console
from darkfleet.cli.main import cli
from darkfleet.engine.evaluate import EvaluationPlan, RunScore, evaluate, parse_int_list, summarize

_SIZE_MAX = 1_000_000


@cli.command("evaluate")
@click.option(
    "--seeds",
    "seeds_text",
    default="0-9",
    show_default=True,
    help="Simulator seeds: integers and inclusive ranges, e.g. 0-9 or 1,4,7.",
)
@click.option(
    "--fleet-sizes",
    "sizes_text",
    default="50,100,200",
    show_default=True,
    help="Vessels per run (shuttle: background vessels; random: all), comma-separated.",
)
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    default=("shuttle", "random"),
    show_default=True,
    help="Simulator scenario (shuttle or random); repeat for several.",
)
@click.option(
    "--days",
    type=int,
    default=14,
    show_default=True,
    help="Simulated days per run (the shuttle truth needs two round trips, ~1 week each).",
)
@click.option(
    "--planted-ratio",
    type=float,
    default=0.02,
    show_default=True,
    help="random only: share of vessels (0-0.1) given each planted behaviour.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="table for people, json for programs, markdown for docs/benchmarks.md.",
)
def evaluate_command(
    seeds_text: str,
    sizes_text: str,
    scenarios: tuple[str, ...],
    days: int,
    planted_ratio: float,
    output_format: str,
) -> None:
    """Score the detectors against simulated ground truth.

    For every scenario, fleet size and seed: simulate, ingest the feed into a temporary
    store, run every detector with default parameters and match the events to the
    planted truth (same type, same vessel or unordered vessel pair, time spans
    overlapping within 1 h, one to one). Prints per type: planted, found (recall),
    detected, true positives (precision), and false suspicious events per 1,000 quiet
    vessel-days (docs/benchmarks.md explains every column).

    Examples:

      darkfleet evaluate --seeds 0-2 --fleet-sizes 50 --days 7

      darkfleet evaluate --scenario random --fleet-sizes 100,400 --format json

      darkfleet evaluate --seeds 0-9 --fleet-sizes 50,100,200 --format markdown
    """
    plan = EvaluationPlan(
        scenarios=tuple(dict.fromkeys(scenarios)),
        seeds=parse_int_list(seeds_text, what="--seeds", minimum=0, maximum=_SIZE_MAX),
        fleet_sizes=parse_int_list(sizes_text, what="--fleet-sizes", minimum=0, maximum=_SIZE_MAX),
        days=days,
        planted_ratio=planted_ratio,
    )
    console = stderr_console()
    total = len(plan.runs())
    finished: list[RunScore] = []

    def progress(run: RunScore) -> None:
        finished.append(run)
        console.print(
            f"{len(finished)}/{total} {run.scenario} seed {run.seed} fleet {run.fleet_size}: "
            f"{len(run.missed)} missed, {len(run.false_events)} unmatched suspicious events"
        )

    runs = evaluate(plan, on_run=progress)
    summary = summarize(runs)
    if output_format == "json":
        echo_json(_json(plan, runs, summary))
    elif output_format == "markdown":
        click.echo(_markdown(summary), nl=False)
    else:
        print_table(
            f"{total} runs: {', '.join(plan.scenarios)}; seeds {seeds_text}; "
            f"fleet sizes {sizes_text}; {days} days",
            _HEADERS,
            _rows(summary),
        )


_HEADERS = (
    "scenario",
    "type",
    "planted",
    "found",
    "recall",
    "detected",
    "true pos.",
    "precision",
    "quiet false",
    "per 1,000 quiet vessel-days",
)


def _ratio(value: float | None, digits: int) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _rows(summary: pl.DataFrame) -> list[tuple[str, ...]]:
    return [
        (
            row["scenario"],
            row["type"],
            f"{row['planted']:,}",
            f"{row['found']:,}",
            _ratio(row["recall"], 3),
            f"{row['detected']:,}",
            f"{row['true_positives']:,}",
            _ratio(row["precision"], 3),
            "-" if row["type"] == "port_visit" else f"{row['quiet_false']:,}",
            _ratio(row["quiet_false_per_1000_vessel_days"], 2),
        )
        for row in summary.iter_rows(named=True)
    ]


def _markdown(summary: pl.DataFrame) -> str:
    lines = [
        "| " + " | ".join(_HEADERS) + " |",
        "|" + "|".join("---" for _ in _HEADERS) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(summary)]
    return "\n".join(lines) + "\n"


def _json(plan: EvaluationPlan, runs: list[RunScore], summary: pl.DataFrame) -> dict[str, Any]:
    def times(frame: pl.DataFrame) -> list[dict[str, Any]]:
        return frame.with_columns(pl.col(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_dicts()

    return {
        "plan": {
            "scenarios": list(plan.scenarios),
            "seeds": list(plan.seeds),
            "fleet_sizes": list(plan.fleet_sizes),
            "days": plan.days,
            "planted_ratio": plan.planted_ratio,
            "slack_s": plan.slack.total_seconds(),
        },
        "summary": summary.to_dicts(),
        "runs": [
            {
                "scenario": run.scenario,
                "seed": run.seed,
                "fleet_size": run.fleet_size,
                "days": run.days,
                "vessels": run.vessels,
                "quiet_vessels": run.quiet_vessels,
                "quiet_vessel_days": run.quiet_vessel_days,
                "scores": run.scores.to_dicts(),
                "missed": times(run.missed.select("type", "mmsi", "other_mmsi", "start", "end")),
                "false_events": times(
                    run.false_events.select(
                        "event_id", "type", "mmsi", "other_mmsi", "start_ts", "end_ts"
                    )
                ),
            }
            for run in runs
        ],
    }
