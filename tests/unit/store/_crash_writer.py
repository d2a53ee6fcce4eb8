"""A real process that ingests one file into a ParquetStore, for the crash tests.

Run as ``python _crash_writer.py ROOT FILE_ID CRASH_STEP [--recover-only]``. With a
``CRASH_STEP`` other than ``none`` it ends itself with ``os._exit(77)`` (no cleanup, like
``kill -9``) when the store reports that step. It prints ``started`` once the store is
open, so a parent can kill it at a random moment after that.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from darkfleet import schema
from darkfleet.store import ParquetStore
from darkfleet.testing import make_track

CRASH_EXIT = 77
BATCHES = 4
INGESTED_AT = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def make_batches(file_id: str) -> list[tuple[str, pl.DataFrame]]:
    """The deterministic batches the writer writes for ``file_id``, spanning midnight."""
    seed = int(file_id[:8], 16) % 1000
    batches: list[tuple[str, pl.DataFrame]] = []
    start = datetime(2023, 10, 1, 21, tzinfo=UTC)
    for batch_no in range(BATCHES):
        tracks = [
            make_track(
                mmsi=273_000_000 + seed * 10 + vessel,
                start_ts=start + timedelta(hours=2 * batch_no, minutes=vessel),
                step=timedelta(seconds=10),
                n=1500,
                lon=130.0 + vessel,
            )
            for vessel in range(5)
        ]
        positions = pl.concat(tracks).with_columns(
            pl.lit(file_id).alias("file_id"),
            (pl.int_range(pl.len()) + batch_no * 100_000).cast(pl.Int64).alias("line_no"),
        )
        batches.append(("positions", positions.sort("ts")))
        rejects = pl.DataFrame(
            {
                "file": ["input.nmea"] * 3,
                "file_id": [file_id] * 3,
                "line_no": [batch_no * 10 + i for i in range(3)],
                "raw": ["!AIVDM,bad"] * 3,
                "reason": ["checksum", "malformed", "checksum"],
                "detail": ["x"] * 3,
            }
        )
        batches.append(("rejects", schema.conform(rejects, schema.REJECTS)))
    return batches


def main(argv: list[str]) -> None:
    root, file_id, crash_step = Path(argv[0]), argv[1], argv[2]
    recover_only = "--recover-only" in argv

    def on_step(step: str) -> None:
        if step == crash_step:
            os._exit(CRASH_EXIT)

    store = ParquetStore(root, on_step=on_step)
    sys.stdout.write("started\n")
    sys.stdout.flush()
    if recover_only or store.has_ingested(file_id):
        return
    with store.begin_ingest(file_id=file_id, file="input.nmea") as transaction:
        for kind, frame in make_batches(file_id):
            transaction.write(kind, frame)  # type: ignore[arg-type]
        transaction.commit(summary={"batches": BATCHES}, ingested_at=INGESTED_AT)


if __name__ == "__main__":
    main(sys.argv[1:])
