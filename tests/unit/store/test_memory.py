"""MemoryStore: the Store protocol in RAM, behaving as ParquetStore does."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.errors import SchemaError, StoreError
from darkfleet.store import DATASETS, MemoryStore, ParquetStore, Store
from tests.unit.store._builders import (
    INGESTED_AT,
    events_frame,
    positions_across_midnight,
    rejects_frame,
    statics_frame,
)

FILE_A = "a" * 16


def fill(store: Store) -> None:
    with store.begin_ingest(file_id=FILE_A, file="a.nmea") as transaction:
        transaction.write("positions", positions_across_midnight())
        transaction.write("statics", statics_frame())
        transaction.write("rejects", rejects_frame(["checksum", "no timestamp"]))
        transaction.commit(summary={"lines": 83}, ingested_at=INGESTED_AT)
    store.replace_events(events_frame([("e1", "gap", 1, 0), ("e2", "gap", 2, 3)]))


def test_memory_and_parquet_stores_return_identical_frames(tmp_path: Path) -> None:
    memory = MemoryStore()
    parquet = ParquetStore(tmp_path / "store")
    fill(memory)
    fill(parquet)
    for kind in DATASETS:
        assert_frame_equal(memory.scan(kind).collect(), parquet.scan(kind).collect())
    assert_frame_equal(memory.ingested_files(), parquet.ingested_files())
    memory_info, parquet_info = memory.info(), parquet.info()
    assert memory_info.root is None
    assert memory_info.bytes_on_disk == 0
    for field in ("rows", "vessels", "first_ts", "last_ts", "days", "files_ingested"):
        assert getattr(memory_info, field) == getattr(parquet_info, field), field
    assert dict(memory_info.rejects_by_reason) == {"checksum": 1, "no timestamp": 1}


def test_preloaded_frames_are_split_and_sorted_like_an_ingest() -> None:
    positions = positions_across_midnight()
    store = MemoryStore(positions=positions, events=events_frame([("e1", "gap", 1, 0)]))
    assert_frame_equal(
        store.scan("positions").collect(), positions.sort(pl.col("ts").dt.date(), "mmsi", "ts")
    )
    assert store.scan("events").collect().height == 1
    assert store.ingested_files().height == 0
    assert store.info().days == (date(2023, 10, 1), date(2023, 10, 2))


def test_preloaded_frames_are_validated() -> None:
    with pytest.raises(SchemaError, match="missing column 'ts'"):
        MemoryStore(positions=positions_across_midnight().drop("ts"))


def test_empty_memory_store_scans_have_full_schemas() -> None:
    store = MemoryStore()
    assert dict(store.scan("statics").collect_schema()) == dict(schema.STATICS)
    assert dict(store.scan("events").collect_schema()) == dict(schema.EVENTS)


def test_memory_transaction_abort_and_reingest_rules() -> None:
    store = MemoryStore()
    with store.begin_ingest(file_id=FILE_A, file="a") as transaction:
        transaction.write("positions", positions_across_midnight())
        with pytest.raises(StoreError, match="already being ingested"):
            store.begin_ingest(file_id=FILE_A, file="a")
    assert not store.has_ingested(FILE_A)
    assert store.scan("positions").collect().height == 0
    fill(store)
    with pytest.raises(StoreError, match="already in the store"):
        store.begin_ingest(file_id=FILE_A, file="a")
    with store.lock():
        store.replace_events(events_frame([]), types=["gap"])
    assert store.scan("events").collect().height == 0
