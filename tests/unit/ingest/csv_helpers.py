"""Helpers for the CSV ingest tests: read a whole file into one batch."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl

from darkfleet.ingest.csv import CsvBatch, read_csv_batches

FILE_ID = "0123456789abcdef"


def read_all(source: Path | bytes | str, **options: Any) -> CsvBatch:
    """Read every batch of ``source`` (a path, or CSV text/bytes) and concatenate them."""
    if isinstance(source, str):
        source = source.encode()
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    options.setdefault("file", "test.csv")
    options.setdefault("file_id", FILE_ID)
    batches = list(read_csv_batches(stream, **options))
    if not batches:
        raise AssertionError("no batches were read")
    return CsvBatch(
        positions=pl.concat([b.positions for b in batches]),
        statics=pl.concat([b.statics for b in batches]),
        others=pl.concat([b.others for b in batches]),
        rejects=pl.concat([b.rejects for b in batches]),
        rows_read=sum(b.rows_read for b in batches),
        identity_only_rows=sum(b.identity_only_rows for b in batches),
    )


def accounted(batch: CsvBatch) -> bool:
    """Every data row is in exactly one output (the CsvBatch invariant)."""
    return batch.rows_read == (
        batch.positions.height
        + batch.others.height
        + batch.rejects.height
        + batch.identity_only_rows
    )


def row(frame: pl.DataFrame, line_no: int) -> dict[str, Any]:
    """The single row of ``frame`` that came from physical line ``line_no``."""
    rows = frame.filter(pl.col("line_no") == line_no).to_dicts()
    if len(rows) != 1:
        raise AssertionError(f"expected one row from line {line_no}, found {len(rows)}")
    return rows[0]
