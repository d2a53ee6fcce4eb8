"""``darkfleet simulate``: write a scenario's NMEA feed and its ground truth."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import click

from darkfleet.cli.main import cli
from darkfleet.errors import ConfigError
from darkfleet.simulate import DEFAULTS, SCENARIOS, FeedParams, simulate, write_simulation

log = logging.getLogger(__name__)


def _parse_start(value: str | None) -> datetime | None:
    if value is None:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as err:
        raise ConfigError(
            f"--start {value!r} is not an ISO 8601 time; write e.g. 2023-08-01T00:00Z"
        ) from err
    if parsed.tzinfo is None:
        raise ConfigError(
            f"--start {value!r} has no UTC offset; add Z or +00:00, e.g. 2023-08-01T00:00Z"
        )
    return parsed.astimezone(UTC)


@cli.command("simulate")
@click.argument("scenario", type=click.Choice(sorted(SCENARIOS)), default="shuttle")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory for feed.nmea, truth.jsonl and vessels.jsonl (created if missing).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Random seed; the same seed gives byte-identical files.",
)
@click.option(
    "--vessels",
    type=int,
    default=None,
    help=f"shuttle: background vessels [default: {DEFAULTS['shuttle'][0]}]; random: all vessels [default: {DEFAULTS['random'][0]}].",
)
@click.option(
    "--days",
    type=int,
    default=None,
    help=f"Simulated duration in days [default: shuttle {DEFAULTS['shuttle'][1]}, random {DEFAULTS['random'][1]}].",
)
@click.option(
    "--start",
    "start_text",
    default=None,
    help="First instant, ISO 8601 with offset [default: 2023-08-01T00:00Z].",
)
@click.option(
    "--planted-ratio",
    type=float,
    default=0.01,
    show_default=True,
    help="random only: share of vessels (0-0.1) given each planted behaviour.",
)
@click.option(
    "--position-interval-s",
    type=float,
    default=FeedParams().position_interval_s,
    show_default=True,
    help="Aggregator keeps one position per vessel per this many seconds.",
)
def simulate_command(
    scenario: str,
    out_dir: str,
    seed: int,
    vessels: int | None,
    days: int | None,
    start_text: str | None,
    planted_ratio: float,
    position_interval_s: float,
) -> None:
    """Write a simulated AIS feed with its planted ground truth.

    Simulates a scenario in the Sea of Japan / Yellow Sea and writes DIR/feed.nmea
    (!AIVDM with NMEA 4.0 tag blocks, in time order), DIR/truth.jsonl (the planted
    behaviours as events) and DIR/vessels.jsonl (every vessel's identity and role).
    `shuttle` replays the 2023 Rajin <-> Vostochny/Dunay arms shuttle; `random` builds
    a large fleet for benchmarks.

    Examples:

      darkfleet simulate shuttle --out ./sim

      darkfleet simulate shuttle --out ./sim --seed 7 --vessels 150 --days 30

      darkfleet simulate random --out ./bench --vessels 10000 --days 7
    """
    began = time.perf_counter()
    result = simulate(
        scenario,
        seed=seed,
        vessels=vessels,
        days=days,
        start=_parse_start(start_text),
        planted_ratio=planted_ratio,
        feed=FeedParams(position_interval_s=position_interval_s),
    )
    paths = write_simulation(result, out_dir)
    log.info("simulated %s in %.1f s", scenario, time.perf_counter() - began)
    counts = result.truth.group_by("type").len().sort("type")
    summary = ", ".join(f"{row[0]} {row[1]}" for row in counts.iter_rows())
    click.echo(
        f"wrote {paths['feed']} ({paths['feed'].stat().st_size} bytes), {paths['truth']}, {paths['vessels']}"
    )
    click.echo(f"{len(result.vessels)} transmitters over {result.days} days; truth: {summary}")
