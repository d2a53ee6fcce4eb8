"""Properties of the store: any sequence of ingests gives exactly the committed rows.

The model is plain frame concatenation: committed files' rows, each file once. The
Parquet store must match it as a multiset, match ``MemoryStore`` row for row, keep each
part sorted by ``(mmsi, ts)`` and inside its ``day=`` partition.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.errors import StoreError
from darkfleet.store import MemoryStore, ParquetStore
from darkfleet.store._frames import split_by_day

BASE = datetime(2023, 10, 1, 22, tzinfo=UTC)
FILE_IDS = ("f0", "f1", "f2")
INGESTED_AT = datetime(2024, 1, 1, tzinfo=UTC)

# rows: (mmsi or None, seconds from BASE); spans three UTC days, with many ties
row_strategy = st.tuples(
    st.sampled_from([273_000_001, 273_000_002, 9, None]),
    st.integers(min_value=-3 * 3600, max_value=30 * 3600).map(lambda s: s - s % 600),
)
batch_strategy = st.lists(row_strategy, max_size=12)
transaction_strategy = st.tuples(
    st.sampled_from(FILE_IDS),
    st.lists(st.tuples(st.sampled_from(["positions", "rejects"]), batch_strategy), max_size=4),
    st.sampled_from(["commit", "abort", "exception"]),
)


def positions_of(rows: list[tuple[int | None, int]], file_id: str, first_line: int) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "mmsi": [r[0] for r in rows],
            "ts": [BASE + timedelta(seconds=r[1]) for r in rows],
            "lat": [float(i) for i in range(len(rows))],
            "file_id": [file_id] * len(rows),
            "line_no": list(range(first_line, first_line + len(rows))),
        },
        schema_overrides={"mmsi": pl.Int64, "ts": pl.Datetime("us", "UTC")},
    )
    return schema.conform(frame, schema.POSITIONS)


def rejects_of(rows: list[tuple[int | None, int]], file_id: str, first_line: int) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "file_id": [file_id] * len(rows),
            "line_no": list(range(first_line, first_line + len(rows))),
            "reason": ["checksum" if r[0] else "malformed" for r in rows],
        },
        schema_overrides={"line_no": pl.Int64},
    )
    return schema.conform(frame, schema.REJECTS)


def canonical_order(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


class Aborted(Exception):
    """Raised inside a transaction block to test abort-by-exception."""


@settings(max_examples=40, deadline=None)
@given(transactions=st.lists(transaction_strategy, max_size=5))
def test_scan_equals_committed_rows_once_per_file(
    transactions: list[tuple[str, list[tuple[str, list[tuple[int | None, int]]]], str]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = ParquetStore(Path(tmp) / "store")
        model = MemoryStore()
        expected: dict[str, list[pl.DataFrame]] = {"positions": [], "rejects": []}
        line = 1
        for file_id, batches, action in transactions:
            if store.has_ingested(file_id):
                assert model.has_ingested(file_id)
                with pytest.raises(StoreError, match="already in the store"):
                    store.begin_ingest(file_id=file_id, file=file_id)
                continue
            written: dict[str, list[pl.DataFrame]] = {"positions": [], "rejects": []}
            for target in (store, model):
                try:
                    with target.begin_ingest(file_id=file_id, file=file_id) as transaction:
                        batch_line = line
                        for kind, rows in batches:
                            make = positions_of if kind == "positions" else rejects_of
                            frame = make(rows, file_id, batch_line)
                            batch_line += len(rows)
                            transaction.write(kind, frame)  # type: ignore[arg-type]
                            if target is store:
                                written[kind].append(frame)
                        if action == "commit":
                            transaction.commit(summary={}, ingested_at=INGESTED_AT)
                        elif action == "exception":
                            raise Aborted
                except Aborted:
                    pass
            line = batch_line
            if action == "commit":
                for kind, frames in written.items():
                    expected[kind].extend(frames)

        for kind, frames in expected.items():
            stored = store.scan(kind).collect()  # type: ignore[arg-type]
            assert dict(stored.schema) == dict(store.scan(kind).collect_schema())  # type: ignore[arg-type]
            wanted = pl.concat([schema.empty(stored.schema), *frames])
            assert_frame_equal(canonical_order(stored), canonical_order(wanted))
            assert_frame_equal(stored, model.scan(kind).collect())  # type: ignore[arg-type]

        committed = sorted({t[0] for t in transactions if store.has_ingested(t[0])})
        assert sorted(store.ingested_files()["file_id"].to_list()) == committed
        for path in store.part_paths("positions"):
            part = pl.read_parquet(path)
            day = date.fromisoformat(path.parent.name.removeprefix("day="))
            assert part.height > 0
            assert part["ts"].dt.date().unique().to_list() == [day]
            assert_frame_equal(part, part.sort("mmsi", "ts", maintain_order=True))
        assert list((store.root / ".staging").iterdir()) == []


@given(rows=batch_strategy)
def test_split_by_day_is_a_stable_sort_within_each_day(
    rows: list[tuple[int | None, int]],
) -> None:
    frame = positions_of(rows, "f0", 1)
    parts = split_by_day("positions", frame)
    days = [day for day, _ in parts]
    assert days == sorted({d for d in frame["ts"].dt.date().to_list()})
    for day, part in parts:
        same_day = frame.filter(pl.col("ts").dt.date() == day)
        assert_frame_equal(part, same_day.sort("mmsi", "ts", maintain_order=True))
    assert sum(part.height for _, part in parts) == frame.height
