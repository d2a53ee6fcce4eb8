"""Simulate layer: scenario generator writing a realistic NMEA feed and its ground truth.

``darkfleet.simulate`` is an independent source of data for evaluating the detectors: it
imports only the core modules (``schema``, ``units``, ``errors``) and its own modules,
never ``detect``, ``ingest``, ``store``, ``engine``, ``fuse`` or ``cli`` (an
import-linter contract checks it). See ``docs/simulator.md``.

>>> from datetime import UTC, datetime
>>> result = simulate("shuttle", seed=1, vessels=0, days=1)
>>> result.truth.columns[:3]
['type', 'mmsi', 'other_mmsi']
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import polars as pl

from darkfleet.errors import ConfigError
from darkfleet.simulate.feed import FeedParams, iter_feed_chunks
from darkfleet.simulate.fleet import Fleet
from darkfleet.simulate.scenarios import SCENARIOS, build_random, build_shuttle
from darkfleet.simulate.truth import TRUTH_SCHEMA, iso_z

__all__ = [
    "DEFAULT_START",
    "FeedParams",
    "SCENARIOS",
    "SimulationResult",
    "simulate",
    "write_simulation",
]

#: Fixed default start (no clock calls): 2023-08-01T00:00Z, when the shuttle began.
DEFAULT_START: Final[datetime] = datetime(2023, 8, 1, tzinfo=UTC)
#: Defaults per scenario: (vessels, days). For ``shuttle`` ``vessels`` counts background ships.
DEFAULTS: Final[dict[str, tuple[int, int]]] = {"shuttle": (80, 45), "random": (10_000, 7)}
MAX_DAYS: Final[int] = 366

VESSELS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "mmsi": pl.Int64(),
    "imo": pl.Int64(),
    "name": pl.String(),
    "callsign": pl.String(),
    "ship_type": pl.Int16(),
    "flag": pl.String(),
    "role": pl.String(),
    "ais_class": pl.String(),
    "length_m": pl.Int16(),
    "beam_m": pl.Int16(),
    "renamed_to": pl.String(),
    "renamed_at": pl.Datetime("us", "UTC"),
    "note": pl.String(),
}


@dataclass(frozen=True, slots=True, eq=False)
class SimulationResult:
    """A simulated scenario: the plan, its truth and vessels, and the feed on demand.

    Attributes
    ----------
    scenario, seed, start, days : what was asked for.
    fleet : the vessels' movement plan (``fleet.Fleet``).
    feed : sampling and reception parameters.
    truth : planted events (columns ``truth.TRUTH_SCHEMA``).
    vessels : one row per transmitter (columns ``VESSELS_SCHEMA``).
    """

    scenario: str
    seed: int
    start: datetime
    days: int
    fleet: Fleet
    feed: FeedParams
    truth: pl.DataFrame
    vessels: pl.DataFrame

    def iter_nmea(self) -> Iterator[bytes]:
        """The NMEA feed as ASCII byte blocks in time order (6 h of feed per block)."""
        return iter_feed_chunks(self.fleet, self.feed, self.seed)

    def nmea_text(self) -> str:
        """The whole feed as one string (fine for small scenarios; large ones: ``iter_nmea``)."""
        return b"".join(self.iter_nmea()).decode("ascii")


def _check_start(start: datetime) -> datetime:
    if start.tzinfo is None or start.utcoffset() is None:
        raise ConfigError(
            f"start must be timezone-aware (e.g. 2023-08-01T00:00Z), got naive {start.isoformat()}"
        )
    return start.astimezone(UTC)


def simulate(
    scenario: str,
    *,
    seed: int = 0,
    vessels: int | None = None,
    days: int | None = None,
    start: datetime | None = None,
    planted_ratio: float = 0.01,
    feed: FeedParams | None = None,
) -> SimulationResult:
    """Build a scenario: vessels, movement plan and ground truth; the feed is lazy.

    Parameters
    ----------
    scenario : ``"shuttle"`` (default demo) or ``"random"``.
    seed : seeds every random choice; the same seed gives byte-identical files.
    vessels : ``shuttle``: number of background vessels (default 80); ``random``: total
        vessels (default 10,000).
    days : simulated days (default 45 for ``shuttle``, 7 for ``random``), 1-366.
    start : first instant, timezone-aware (default 2023-08-01T00:00Z).
    planted_ratio : ``random`` only: share of vessels given each planted behaviour
        (0-0.1, default 0.01: 1 % shuttles, 1 % dark gaps, 1 % encounter pairs, ...).
    feed : sampling/reception parameters (default ``FeedParams()``).

    Returns
    -------
    SimulationResult

    Raises
    ------
    ConfigError
        For an unknown scenario or an out-of-range count, duration or start.
    """
    if scenario not in SCENARIOS:
        raise ConfigError(f"unknown scenario {scenario!r}; use one of: {', '.join(SCENARIOS)}")
    default_vessels, default_days = DEFAULTS[scenario]
    n_vessels = default_vessels if vessels is None else vessels
    n_days = default_days if days is None else days
    if not 0 <= n_vessels <= 1_000_000:
        raise ConfigError(f"vessels must be within 0-1,000,000, got {n_vessels}")
    if not 1 <= n_days <= MAX_DAYS:
        raise ConfigError(f"days must be within 1-{MAX_DAYS}, got {n_days}")
    first = _check_start(DEFAULT_START if start is None else start)
    start_s = first.timestamp()
    if scenario == "shuttle":
        plan = build_shuttle(seed=seed, start_s=start_s, days=n_days, vessels=n_vessels)
    else:
        plan = build_random(
            seed=seed, start_s=start_s, days=n_days, vessels=n_vessels, planted_ratio=planted_ratio
        )
    return SimulationResult(
        scenario=scenario,
        seed=seed,
        start=first,
        days=n_days,
        fleet=plan.fleet,
        feed=FeedParams() if feed is None else feed,
        truth=plan.truth.frame(plan.fleet),
        vessels=_vessels_frame(plan.fleet),
    )


def _vessels_frame(fleet: Fleet) -> pl.DataFrame:
    rows = fleet.vessels
    return (
        pl.DataFrame(
            {
                "mmsi": [v.mmsi for v in rows],
                "imo": [v.imo for v in rows],
                "name": [v.name for v in rows],
                "callsign": [v.callsign for v in rows],
                "ship_type": [v.ship_type for v in rows],
                "flag": [v.flag for v in rows],
                "role": [v.role for v in rows],
                "ais_class": [v.ais_class for v in rows],
                "length_m": [v.length_m for v in rows],
                "beam_m": [v.beam_m for v in rows],
                "renamed_to": [v.renamed_to for v in rows],
                "renamed_at": [
                    None if v.renamed_at_s is None else int(v.renamed_at_s * 1e6) for v in rows
                ],
                "note": [v.note for v in rows],
            },
            schema_overrides={"renamed_to": pl.String(), "renamed_at": pl.Int64()},
        )
        .with_columns(pl.col("renamed_at").cast(pl.Datetime("us", "UTC")))
        .cast(pl.Schema(VESSELS_SCHEMA))
    )


def _jsonl(
    frame: pl.DataFrame, time_columns: tuple[str, ...], json_columns: tuple[str, ...] = ()
) -> bytes:
    lines = []
    for row in frame.iter_rows(named=True):  # output formatting of small frames, not a hot path
        record: dict[str, object] = {}
        for key, value in row.items():
            if value is None:
                continue
            if key in time_columns:
                value = iso_z(value.timestamp())
            elif key in json_columns:
                value = json.loads(value)
            record[key] = value
        lines.append(json.dumps(record, ensure_ascii=False, allow_nan=False))
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def write_simulation(result: SimulationResult, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``feed.nmea``, ``truth.jsonl`` and ``vessels.jsonl`` into ``out_dir``.

    Each file is written to a temporary name and renamed into place, so a reader never
    sees half a file. Returns the paths written, by kind.

    Raises
    ------
    ConfigError
        When ``out_dir`` exists and is not a directory.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} exists and is not a directory; give a directory path")
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "feed": out / "feed.nmea",
        "truth": out / "truth.jsonl",
        "vessels": out / "vessels.jsonl",
    }
    tmp = paths["feed"].with_suffix(".nmea.tmp")
    with tmp.open("wb") as fh:
        for block in result.iter_nmea():
            fh.write(block)
    tmp.replace(paths["feed"])
    truth = result.truth.select(list(TRUTH_SCHEMA))
    for kind, data in (
        ("truth", _jsonl(truth, ("start", "end"), ("details",))),
        ("vessels", _jsonl(result.vessels, ("renamed_at",))),
    ):
        part = paths[kind].with_suffix(".jsonl.tmp")
        part.write_bytes(data)
        part.replace(paths[kind])
    return paths
