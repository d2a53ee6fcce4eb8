"""Where NMEA ingest spends its time: CPU seconds and page faults per stage.

Each run is a fresh interpreter (first-touch memory costs included, as in a real
ingest) that reads the corpus as one batch and times, with ``getrusage`` (user +
system CPU of all threads, and minor page faults):

1. imports: ``darkfleet.engine.ingest`` and what it pulls in (not the CLI's commands);
2. read lines: ``iter_line_batches`` (read, cut lines, Arrow strings);
3. scan: ``_scan.scan_lines`` (line kinds, tag-block bounds, checksums, AIS fields);
4. tag fields: ``tagblock.parse_wrappers`` (``c:``, ``s:``, ``g:``, USCG, ``$PGHP``);
5. message building: ``framing._build_messages`` (payloads joined, times, raw lines);
6. rest of framing: the rest of ``frame_nmea`` (segments, fragment joining, rejects);
7. duplicates: the engine's duplicate drop;
8. decode payloads: ``decode_messages`` (armour, bit fields, frames);
9. write Parquet: the three frames into a fresh ``ParquetStore``, committed.

Stages 3-5 are timed by wrapping those private functions, so this script follows
their names. The table shows, per stage, the smallest CPU time over the runs (the
least disturbed by other jobs on a shared machine) and that run's page faults.

Example::

    python benchmarks/bench_ingest_stages.py --corpus benchmarks/out/mixed-1m.nmea --runs 3
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

STAGES = (
    "imports",
    "read lines",
    "scan",
    "tag fields",
    "message building",
    "rest of framing",
    "duplicates",
    "decode payloads",
    "write Parquet",
)


def _usage() -> tuple[float, int]:
    """CPU seconds (user + system, all threads) and minor page faults so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_minflt


class _Meter:
    """Accumulates CPU seconds and page faults per stage."""

    def __init__(self) -> None:
        self.cpu = dict.fromkeys(STAGES, 0.0)
        self.faults = dict.fromkeys(STAGES, 0)

    def add(self, stage: str, before: tuple[float, int]) -> None:
        cpu, faults = _usage()
        self.cpu[stage] += cpu - before[0]
        self.faults[stage] += faults - before[1]

    def wrap(self, owner: Any, name: str, stage: str) -> None:
        """Replace ``owner.name`` by a version that adds its cost to ``stage``."""
        function: Callable[..., Any] = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            before = _usage()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(stage, before)

        setattr(owner, name, timed)


def worker(corpus: Path) -> dict[str, Any]:
    """One fresh run over ``corpus``; returns CPU seconds and faults per stage."""
    meter = _Meter()
    before = _usage()
    import darkfleet.engine.ingest as engine
    from darkfleet.ingest.nmea import _scan, frame_nmea, framing
    from darkfleet.ingest.nmea.payload import decode_messages
    from darkfleet.ingest.sources import expand_inputs, iter_line_batches
    from darkfleet.store import ParquetStore

    meter.add("imports", before)
    meter.wrap(_scan, "scan_lines", "scan")
    meter.wrap(framing, "parse_wrappers", "tag fields")
    meter.wrap(framing, "_build_messages", "message building")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-stages-") as tmp:
        (source,) = expand_inputs([str(corpus)], spool_dir=Path(tmp))
        before = _usage()
        (batch,) = list(iter_line_batches(source, batch_lines=10**9))
        meter.add("read lines", before)
        before = _usage()
        framed = frame_nmea(batch)
        meter.add("rest of framing", before)
        for stage in ("scan", "tag fields", "message building"):
            meter.cpu["rest of framing"] -= meter.cpu[stage]
            meter.faults["rest of framing"] -= meter.faults[stage]
        before = _usage()
        unique, duplicates = engine._drop_duplicates(framed.messages, timedelta(seconds=60))
        meter.add("duplicates", before)
        before = _usage()
        decoded = decode_messages(unique)
        meter.add("decode payloads", before)
        before = _usage()
        store = ParquetStore(Path(tmp) / "store")
        with store.begin_ingest(file_id=source.file_id, file=source.name) as transaction:
            transaction.write("positions", decoded.positions)
            transaction.write("statics", decoded.statics)
            transaction.write("others", decoded.others)
            transaction.commit(summary={}, ingested_at=datetime(2024, 1, 1, tzinfo=UTC))
        meter.add("write Parquet", before)
    return {
        "lines": len(batch.lines),
        "messages": framed.messages.height,
        "duplicates": duplicates,
        "wall_seconds": time.perf_counter() - started,
        "cpu_seconds": meter.cpu,
        "page_faults": meter.faults,
    }


def markdown_table(runs: list[dict[str, Any]]) -> str:
    """Per stage: the smallest CPU time over ``runs`` and that run's page faults."""
    rows = [
        "| stage | CPU s (min of runs) | share | minor page faults |",
        "|---|---:|---:|---:|",
    ]
    best = {
        stage: min(runs, key=lambda run, stage=stage: run["cpu_seconds"][stage]) for stage in STAGES
    }
    total = sum(best[stage]["cpu_seconds"][stage] for stage in STAGES)
    for stage in STAGES:
        cpu = best[stage]["cpu_seconds"][stage]
        faults = best[stage]["page_faults"][stage]
        rows.append(f"| {stage} | {cpu:.3f} | {cpu / total:.0%} | {faults:,} |")
    rows.append(f"| total | {total:.3f} | 100% | |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path("benchmarks/out/mixed-1m.nmea"),
        help="NMEA file (make one with benchmarks/corpus.py)",
    )
    parser.add_argument("--runs", type=int, default=3, help="fresh runs (default %(default)s)")
    parser.add_argument("--json", type=Path, default=None, help="also write the runs here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.corpus)))
        return 0
    if not args.corpus.is_file():
        parser.error(f"--corpus {args.corpus} does not exist; make it with benchmarks/corpus.py")
    if args.runs < 1:
        parser.error(f"--runs must be >= 1, got {args.runs}")
    command = [sys.executable, str(Path(__file__).resolve()), "--worker"]
    runs = []
    for _ in range(args.runs):
        done = subprocess.run(
            [*command, "--corpus", str(args.corpus)], capture_output=True, text=True, check=True
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    first = runs[0]
    walls = ", ".join(f"{run['wall_seconds']:.2f}" for run in runs)
    print(
        f"Corpus `{args.corpus}`: {first['lines']:,} lines, {first['messages']:,} messages "
        f"({first['duplicates']:,} duplicates); {args.runs} fresh runs, wall seconds "
        f"{walls}\n"
    )
    print(markdown_table(runs))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(runs, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
