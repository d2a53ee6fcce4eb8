"""Throughput of ``decode_messages`` alone on 1,000,000 real AIS messages.

The corpus is the AISHub sample (``../shared/data/real/aishub-nmea-sample``, 2012,
worldwide): its complete messages, multi-part ones joined by pyais (setup, not timed),
repeated until there are ``--messages`` of them (type mix of the sample: 73% type 1/2/3,
9% type 4, 6% type 5, ...). Only ``decode_messages`` is timed, ``--repeat`` times; the
best and median wall time and the CPU time of the best run are reported. Run it with
``POLARS_MAX_THREADS=1`` for the single-core rate (NumPy runs single-threaded anyway).

Example::

    POLARS_MAX_THREADS=1 PYTHONPATH=src python benchmarks/bench_payload.py --repeat 7
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import polars as pl
from pyais.stream import FileReaderStream

from darkfleet.ingest.nmea.payload import MESSAGE_INPUT, decode_messages

SAMPLE = (
    Path(__file__).resolve().parents[1].parent
    / "shared/data/real/aishub-nmea-sample/nmea-sample.txt"
)


def build_corpus(sample: Path, n_messages: int) -> pl.DataFrame:
    """The sample's messages (pyais-assembled), repeated to ``n_messages`` rows."""
    messages = list(FileReaderStream(str(sample)))
    base = pl.DataFrame(
        {
            "payload": [m.payload.decode("ascii") for m in messages],
            "fill_bits": [m.fill_bits for m in messages],
        },
        schema={"payload": pl.String, "fill_bits": pl.Int8},
    )
    repeats = -(-n_messages // base.height)
    corpus = pl.concat([base] * repeats).head(n_messages)
    line_no = pl.Series("line_no", range(1, n_messages + 1), dtype=pl.Int64)
    # Materialised columns, as a framing stage produces them (no constant columns).
    return (
        corpus.with_columns(
            line_no,
            pl.from_epoch(line_no + 1_331_683_200, time_unit="s")
            .dt.replace_time_zone("UTC")
            .dt.cast_time_unit("us")
            .alias("ts"),
            pl.Series("source", ["aishub"] * n_messages),
            pl.col("payload").alias("raw"),
            pl.Series("file", [sample.name] * n_messages),
            pl.Series("file_id", ["0123456789abcdef"] * n_messages),
        )
        .select(list(MESSAGE_INPUT))
        .rechunk()
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE, help="NMEA file to repeat")
    parser.add_argument("--messages", type=int, default=1_000_000, help="corpus size, messages")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs")
    args = parser.parse_args()
    corpus = build_corpus(args.sample, args.messages)
    decode_messages(corpus.head(10_000))  # warm-up: imports, first allocations
    walls, cpus = [], []
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        decoded = decode_messages(corpus)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    best = min(range(args.repeat), key=walls.__getitem__)
    n = corpus.height
    print(
        f"decode_messages: {n:,} messages; best {walls[best] * 1e3:.0f} ms wall "
        f"({n / walls[best] / 1e6:.2f} M msg/s), median {statistics.median(walls) * 1e3:.0f} ms "
        f"({n / statistics.median(walls) / 1e6:.2f} M msg/s); best run's CPU {cpus[best] * 1e3:.0f} ms"
    )
    print(
        f"positions {decoded.positions.height:,}, statics {decoded.statics.height:,}, "
        f"others {decoded.others.height:,}, rejects {decoded.rejects.height:,}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
