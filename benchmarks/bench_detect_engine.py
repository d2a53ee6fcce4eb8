"""Peak memory and speed of ``run_detection`` (the whole suite) on a large ParquetStore.

Run: ``PYTHONPATH=src python benchmarks/bench_detect_engine.py --store /tmp/big --positions
20000000 --days 14``. The store is built once (skipped when it exists) from the seeded
fleet of ``bench_motion_detectors.make_fleet`` in pieces of 5M positions (MMSIs offset per
piece), with times stretched so the fleet spans ``--days`` days. Detection then runs in a
fresh process; its peak RSS (``ru_maxrss``) is printed with the summary. ``--only`` runs
some detectors (e.g. the eight of issue 3 without ``dark_port_call``, whose sea routing
dominates on this synthetic fleet); a store already detected is run again from scratch
only after deleting ``<store>/_detect/state.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_motion_detectors import START_US, make_fleet  # noqa: E402
from darkfleet.engine.detect_config import DEFAULT_CHUNK_POSITIONS  # noqa: E402

PIECE = 5_000_000


def build_store(root: Path, positions: int, days: float) -> None:
    """Ingest the synthetic fleet into a new ParquetStore at ``root``."""
    from darkfleet.store import ParquetStore

    store = ParquetStore(root)
    for piece in range((positions + PIECE - 1) // PIECE):
        fleet = make_fleet(min(PIECE, positions - piece * PIECE), seed=piece)
        span_us = fleet["ts"].dt.epoch("us").max() - START_US
        stretch = days * 86_400_000_000 / max(span_us, 1)
        file_id = f"bench{piece:04d}"
        fleet = fleet.with_columns(
            (pl.col("mmsi") + piece),
            pl.lit(file_id).alias("file_id"),
            (START_US + ((pl.col("ts").dt.epoch("us") - START_US) * stretch).cast(pl.Int64))
            .cast(pl.Datetime("us", "UTC"))
            .alias("ts"),
        )
        with store.begin_ingest(file_id=file_id, file=f"{file_id}.nmea") as transaction:
            for offset in range(0, fleet.height, 1_000_000):
                transaction.write("positions", fleet.slice(offset, 1_000_000))
            transaction.commit(summary={}, ingested_at=datetime(2023, 10, 1, tzinfo=UTC))
        print(f"piece {piece}: {fleet.height:,} positions", file=sys.stderr)


def detect(root: Path, chunk_positions: int, only: str | None) -> None:
    """Run the whole suite on ``root`` and print the summary with peak RSS."""
    from darkfleet.engine.detect import run_detection
    from darkfleet.engine.detect_config import build_detect_config
    from darkfleet.reference import default_port_groups, load_geo_context, load_mid_table
    from darkfleet.reference.shore import load_shore_grid
    from darkfleet.store import ParquetStore

    store = ParquetStore(root, create=False)
    context = dataclasses.replace(load_geo_context(), shore=load_shore_grid())
    config = build_detect_config(
        only=only.split(",") if only else None, chunk_positions=chunk_positions
    )
    started = time.perf_counter()
    cpu0 = time.process_time()
    report = run_detection(
        store,
        context=context,
        mid_table=load_mid_table(),
        config=config,
        port_groups=default_port_groups(context.ports),
    )
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"mode={report.mode} positions={report.positions:,} read={report.positions_read:,} "
        f"chunks={report.chunks} windows={report.windows} wall={seconds:.1f}s cpu={cpu:.1f}s "
        f"rate={report.positions / seconds:,.0f} positions/s peak_rss={peak_mb:,.0f} MB "
        f"events={dict(report.events_total)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--positions", type=int, default=20_000_000)
    parser.add_argument("--days", type=float, default=14.0)
    parser.add_argument("--chunk-positions", type=int, default=DEFAULT_CHUNK_POSITIONS)
    parser.add_argument(
        "--only", help="comma-separated detectors to run (default: all, as `darkfleet detect`)"
    )
    parser.add_argument("--detect-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.detect_only:
        detect(args.store, args.chunk_positions, args.only)
        return
    if not args.store.exists():
        build_store(args.store, args.positions, args.days)
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--store",
            str(args.store),
            "--chunk-positions",
            str(args.chunk_positions),
            "--detect-only",
            *(["--only", args.only] if args.only else []),
        ],
        check=True,
    )


if __name__ == "__main__":
    main()
