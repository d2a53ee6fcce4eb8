"""Framing throughput on 1M plain single-sentence lines (not collected by pytest).

Builds a 1,000,000-line file by repeating the single-sentence lines of the AISHub
sample (``shared/data/real/aishub-nmea-sample``), then times ``frame_nmea`` alone
(lines already in memory) and ``iter_line_batches`` + ``frame_nmea`` together.

Usage::

    PYTHONPATH=src python benchmarks/nmea_framing.py [--lines 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from darkfleet.ingest.nmea import frame_nmea
from darkfleet.ingest.sources import expand_inputs, iter_line_batches

_RELATIVE = Path("shared/data/real/aishub-nmea-sample/nmea-sample.txt")
SAMPLE = next(
    (p / _RELATIVE for p in Path(__file__).resolve().parents if (p / _RELATIVE).is_file()),
    _RELATIVE,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    args = parser.parse_args()
    singles = [
        line for line in args.sample.read_bytes().splitlines() if line.startswith(b"!AIVDM,1,1,")
    ]
    body = b"\n".join((singles * (args.lines // len(singles) + 1))[: args.lines]) + b"\n"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "synthetic.nmea"
        path.write_bytes(body)
        [source] = expand_inputs([str(path)], spool_dir=Path(folder))
        [batch] = list(iter_line_batches(source, batch_lines=args.lines))
        best_frame = best_total = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            framed = frame_nmea(batch)
            best_frame = min(best_frame, time.perf_counter() - started)
            started = time.perf_counter()
            for each in iter_line_batches(source, batch_lines=args.lines):
                frame_nmea(each)
            best_total = min(best_total, time.perf_counter() - started)
    print(f"lines: {args.lines:,}; messages: {len(framed.messages):,}")
    print(f"frame_nmea: {best_frame * 1e3:.0f} ms = {args.lines / best_frame / 1e6:.2f} M lines/s")
    print(
        f"read + frame: {best_total * 1e3:.0f} ms = {args.lines / best_total / 1e6:.2f} M lines/s"
    )


if __name__ == "__main__":
    main()
