"""Time writing positions into a ParquetStore (sort, zstd, fsync, commit) and reading back.

Not collected by pytest. Run:
    PYTHONPATH=src python benchmarks/bench_store_write.py --rows 5000000 --batch 1000000
Positions are synthetic, in arrival order (ts ascending, vessels interleaved), over two
UTC days, like a decoded receiver log.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.store import ParquetStore


def make_positions(rows: int, vessels: int, seed: int) -> pl.DataFrame:
    """Return ``rows`` synthetic canonical positions in arrival order."""
    rng = np.random.default_rng(seed)
    start_us = int(datetime(2023, 10, 1, 12, tzinfo=UTC).timestamp() * 1_000_000)
    ts_us = np.sort(rng.integers(start_us, start_us + 2 * 86_400_000_000, rows))
    vessel = rng.integers(0, vessels, rows)
    # each vessel drifts from its own start point: realistic compressibility
    lat0 = rng.uniform(30, 50, vessels)
    lon0 = rng.uniform(120, 140, vessels)
    drift = (ts_us - start_us) / 86_400_000_000
    frame = pl.DataFrame(
        {
            "mmsi": 200_000_000 + vessel,
            "ts": pl.Series(ts_us).cast(pl.Datetime("us", "UTC")),
            "lat": np.round(lat0[vessel] + 0.5 * drift, 6),
            "lon": np.round(lon0[vessel] + 0.5 * drift, 6),
            "sog_knots": rng.uniform(0, 20, rows).astype(np.float32),
            "cog_deg": rng.uniform(0, 360, rows).astype(np.float32),
            "heading_deg": rng.integers(0, 360, rows).astype(np.int16),
            "nav_status": rng.integers(0, 15, rows).astype(np.int8),
            "msg_type": np.ones(rows, dtype=np.int8),
            "source": ["bench"] * rows,
            "file_id": ["0123456789abcdef"] * rows,
            "line_no": np.arange(1, rows + 1),
        }
    )
    return schema.conform(frame, schema.POSITIONS)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print timings."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--batch", type=int, default=1_000_000)
    parser.add_argument("--vessels", type=int, default=5_000)
    args = parser.parse_args(argv)
    positions = make_positions(args.rows, args.vessels, seed=1)
    root = Path(tempfile.mkdtemp()) / "store"
    try:
        store = ParquetStore(root)
        t0 = time.perf_counter()
        with store.begin_ingest(file_id="0123456789abcdef", file="bench.nmea") as tx:
            for offset in range(0, positions.height, args.batch):
                tx.write("positions", positions.slice(offset, args.batch))
            t_staged = time.perf_counter()
            tx.commit(summary={}, ingested_at=datetime(2024, 1, 1, tzinfo=UTC))
        t1 = time.perf_counter()
        back = store.scan("positions").collect()
        t2 = time.perf_counter()
        size = sum(p.stat().st_size for p in root.rglob("*.parquet"))
        print(
            f"rows={positions.height:,} write+sort={t_staged - t0:.2f}s commit={t1 - t_staged:.2f}s "
            f"total={t1 - t0:.2f}s ({positions.height / (t1 - t0) / 1e6:.2f} M rows/s) "
            f"read={t2 - t1:.2f}s bytes={size / 1e6:.1f} MB parts={len(store.part_paths('positions'))}"
        )
        if back.height != positions.height:
            raise SystemExit("row count mismatch")
    finally:
        shutil.rmtree(root.parent)


if __name__ == "__main__":
    main()
