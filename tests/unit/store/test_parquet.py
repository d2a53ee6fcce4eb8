"""ParquetStore: layout, round trips, validation, manifest, info, events and the lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

import darkfleet
from darkfleet import schema
from darkfleet.errors import SchemaError, StoreError
from darkfleet.store import DATASETS, MANIFEST_SCHEMA, ROW_GROUP_ROWS, ParquetStore
from tests.unit.store._builders import (
    INGESTED_AT,
    events_frame,
    positions_across_midnight,
    rejects_frame,
    statics_frame,
)

FILE_A = "a" * 16
FILE_B = "b" * 16
SRC = Path(darkfleet.__file__).resolve().parents[1]


def ingest(store: ParquetStore, file_id: str, **frames: pl.DataFrame) -> None:
    with store.begin_ingest(file_id=file_id, file=f"{file_id}.nmea") as transaction:
        for kind, frame in frames.items():
            transaction.write(kind, frame)  # type: ignore[arg-type]
        transaction.commit(summary={"lines": 1}, ingested_at=INGESTED_AT)


@pytest.fixture
def store(tmp_path: Path) -> ParquetStore:
    return ParquetStore(tmp_path / "store")


# -- opening --------------------------------------------------------------------------------
def test_missing_store_without_create_names_path_and_fix(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"no darkfleet store at .*nowhere.*darkfleet ingest"):
        ParquetStore(tmp_path / "nowhere", create=False)
    assert not (tmp_path / "nowhere").exists()


def test_existing_store_opens_without_create(store: ParquetStore) -> None:
    ingest(store, FILE_A, positions=positions_across_midnight())
    reopened = ParquetStore(store.root, create=False)
    assert reopened.has_ingested(FILE_A)


def test_non_empty_foreign_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="is not empty and is not a darkfleet store"):
        ParquetStore(tmp_path)
    with pytest.raises(StoreError, match="is not a darkfleet store"):
        ParquetStore(tmp_path, create=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_empty_existing_directory_becomes_a_store(tmp_path: Path) -> None:
    ParquetStore(tmp_path)
    assert json.loads((tmp_path / "_darkfleet.json").read_text())["version"] == 1


def test_store_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(StoreError, match="is a file"):
        ParquetStore(tmp_path / "f")


def test_newer_layout_version_is_refused(store: ParquetStore) -> None:
    (store.root / "_darkfleet.json").write_text('{"format": "darkfleet-store", "version": 99}')
    with pytest.raises(StoreError, match="layout version 99.*upgrade darkfleet"):
        ParquetStore(store.root)


def test_corrupt_marker_is_a_store_error(store: ParquetStore) -> None:
    (store.root / "_darkfleet.json").write_text("{not json")
    with pytest.raises(StoreError, match="cannot read this store marker"):
        ParquetStore(store.root)


# -- round trips ----------------------------------------------------------------------------
def test_empty_store_scans_give_full_canonical_schemas(store: ParquetStore) -> None:
    for kind, expected in zip(
        DATASETS,
        (schema.POSITIONS, schema.STATICS, schema.OTHERS, schema.REJECTS, schema.EVENTS),
        strict=True,
    ):
        frame = store.scan(kind).collect()
        assert frame.height == 0
        assert dict(frame.schema) == dict(expected)


def test_positions_round_trip_with_exact_schema_and_no_day_column(store: ParquetStore) -> None:
    positions = positions_across_midnight()
    ingest(store, FILE_A, positions=positions)
    back = store.scan("positions").collect()
    assert dict(back.schema) == dict(schema.POSITIONS)
    expected = positions.sort(pl.col("ts").dt.date(), "mmsi", "ts")
    assert_frame_equal(back, expected)


def test_positions_are_partitioned_by_utc_day_and_sorted_inside(store: ParquetStore) -> None:
    ingest(store, FILE_A, positions=positions_across_midnight())
    paths = store.part_paths("positions")
    assert [p.relative_to(store.root).as_posix() for p in paths] == [
        f"positions/day=2023-10-01/part-{FILE_A}-000000.parquet",
        f"positions/day=2023-10-02/part-{FILE_A}-000000.parquet",
    ]
    for path in paths:
        part = pl.read_parquet(path)
        day = date.fromisoformat(path.parent.name.removeprefix("day="))
        assert part["ts"].dt.date().unique().to_list() == [day]
        assert_frame_equal(part, part.sort("mmsi", "ts"))


def test_statics_others_rejects_round_trip(store: ParquetStore) -> None:
    statics = statics_frame()
    others = schema.conform(
        pl.DataFrame({"mmsi": [2_190_000], "ts": [datetime(2023, 10, 1, tzinfo=UTC)]}),
        schema.OTHERS,
    ).with_columns(pl.lit(4, dtype=pl.Int8).alias("msg_type"))
    rejects = rejects_frame(["checksum", "malformed"])
    ingest(store, FILE_A, statics=statics, others=others, rejects=rejects)
    assert_frame_equal(store.scan("statics").collect(), statics)
    assert_frame_equal(store.scan("others").collect(), others)
    assert_frame_equal(store.scan("rejects").collect(), rejects)
    assert [p.relative_to(store.root).as_posix() for p in store.part_paths("rejects")] == [
        f"rejects/part-{FILE_A}-000000.parquet"
    ]


def test_each_write_call_gets_its_own_batch_number(store: ParquetStore) -> None:
    positions = positions_across_midnight(n=5)
    with store.begin_ingest(file_id=FILE_A, file="x") as transaction:
        transaction.write("positions", positions.head(2))
        transaction.write("positions", positions.head(0))
        transaction.write("positions", positions.tail(3))
        transaction.commit(summary={}, ingested_at=INGESTED_AT)
    names = [p.name for p in store.part_paths("positions")]
    assert names == [f"part-{FILE_A}-000000.parquet", f"part-{FILE_A}-000002.parquet"]
    assert store.scan("positions").collect().height == 5


def test_parts_use_zstd_statistics_and_row_groups(store: ParquetStore) -> None:
    ingest(store, FILE_A, positions=positions_across_midnight())
    metadata = pq.ParquetFile(store.part_paths("positions")[0]).metadata
    column = metadata.row_group(0).column(0)
    assert column.compression == "ZSTD"
    assert column.statistics is not None
    assert column.statistics.has_min_max
    assert metadata.row_group(0).num_rows <= ROW_GROUP_ROWS


def test_files_are_readable_by_polars_glob_with_hive_day(store: ParquetStore) -> None:
    ingest(store, FILE_A, positions=positions_across_midnight())
    frame = pl.scan_parquet(f"{store.root}/positions/**/*.parquet", hive_partitioning=True)
    collected = frame.collect()
    assert collected.height == 80
    assert collected.schema["day"] == pl.Date
    assert dict(collected.drop("day").schema) == dict(schema.POSITIONS)


def test_files_are_readable_by_pyarrow_dataset(store: ParquetStore) -> None:
    ingest(store, FILE_A, positions=positions_across_midnight())
    table = ds.dataset(store.root / "positions", partitioning="hive").to_table()
    assert table.num_rows == 80
    assert str(table.schema.field("ts").type) == "timestamp[us, tz=UTC]"
    assert sorted(set(table.column("day").to_pylist())) == ["2023-10-01", "2023-10-02"]


def test_files_are_readable_by_duckdb(store: ParquetStore) -> None:
    ingest(store, FILE_A, positions=positions_across_midnight(), rejects=rejects_frame(["x"]))
    glob = f"{store.root}/positions/**/*.parquet"
    rows = duckdb.sql(
        f"select day, count(*) from read_parquet('{glob}', hive_partitioning=true) "
        "group by day order by day"
    ).fetchall()
    assert rows == [(date(2023, 10, 1), 60), (date(2023, 10, 2), 20)]
    ts_type = duckdb.sql(f"describe select ts from read_parquet('{glob}')").fetchall()[0][1]
    assert ts_type == "TIMESTAMP WITH TIME ZONE"
    assert duckdb.sql(f"select count(*) from '{store.root}/rejects/*.parquet'").fetchall() == [(1,)]


def test_staged_parts_are_invisible_to_every_reader(store: ParquetStore) -> None:
    ingest(store, FILE_A, positions=positions_across_midnight())
    with store.begin_ingest(file_id=FILE_B, file="b") as transaction:
        transaction.write("positions", positions_across_midnight(FILE_B))
        assert list((store.root / ".staging" / FILE_B).rglob("*.parquet"))
        glob = f"{store.root}/positions/**/*.parquet"
        assert pl.scan_parquet(glob, hive_partitioning=True).collect().height == 80
        assert ds.dataset(store.root / "positions", partitioning="hive").count_rows() == 80
        assert duckdb.sql(f"select count(*) from read_parquet('{glob}')").fetchall() == [(80,)]
        assert store.scan("positions").collect().height == 80
        transaction.commit(summary={}, ingested_at=INGESTED_AT)
    assert store.scan("positions").collect().height == 160


# -- transactions ---------------------------------------------------------------------------
def test_abort_leaves_no_trace(store: ParquetStore) -> None:
    transaction = store.begin_ingest(file_id=FILE_A, file="x")
    transaction.write("positions", positions_across_midnight())
    transaction.abort()
    assert not store.has_ingested(FILE_A)
    assert store.scan("positions").collect().height == 0
    assert list((store.root / ".staging").iterdir()) == []
    assert not (store.root / "positions").exists()


def _ingest_that_breaks(store: ParquetStore) -> None:
    with store.begin_ingest(file_id=FILE_A, file="x") as transaction:
        transaction.write("positions", positions_across_midnight())
        raise RuntimeError("decoder broke")


def test_exception_inside_with_block_aborts(store: ParquetStore) -> None:
    with pytest.raises(RuntimeError, match="decoder broke"):
        _ingest_that_breaks(store)
    assert not store.has_ingested(FILE_A)
    assert list((store.root / ".staging").iterdir()) == []
    ingest(store, FILE_A, positions=positions_across_midnight())  # lock was released
    assert store.has_ingested(FILE_A)


def test_leaving_with_block_without_commit_aborts(store: ParquetStore) -> None:
    with store.begin_ingest(file_id=FILE_A, file="x") as transaction:
        transaction.write("positions", positions_across_midnight())
    assert not store.has_ingested(FILE_A)


def test_reingesting_a_committed_file_is_refused_and_adds_nothing(store: ParquetStore) -> None:
    ingest(store, FILE_A, positions=positions_across_midnight())
    with pytest.raises(StoreError, match=r"a\.nmea.*already in the store"):
        store.begin_ingest(file_id=FILE_A, file="a.nmea")
    assert store.scan("positions").collect().height == 80
    ingest(store, FILE_B, positions=positions_across_midnight(FILE_B))  # lock released


def test_same_file_cannot_be_open_twice(store: ParquetStore) -> None:
    with store.begin_ingest(file_id=FILE_A, file="x"):
        with pytest.raises(StoreError, match="already being ingested"):
            store.begin_ingest(file_id=FILE_A, file="x")
        with store.begin_ingest(file_id=FILE_B, file="y") as other:
            other.write("rejects", rejects_frame(["checksum"], FILE_B))
            other.commit(summary={}, ingested_at=INGESTED_AT)
    assert store.has_ingested(FILE_B)
    assert not store.has_ingested(FILE_A)


def test_commit_with_no_rows_records_the_file(store: ParquetStore) -> None:
    ingest(store, FILE_A)
    assert store.has_ingested(FILE_A)
    assert store.ingested_files()["parts"].to_list() == [0]


def test_write_after_commit_or_abort_is_refused(store: ParquetStore) -> None:
    transaction = store.begin_ingest(file_id=FILE_A, file="x")
    transaction.commit(summary={}, ingested_at=INGESTED_AT)
    with pytest.raises(StoreError, match="transaction is committed"):
        transaction.write("positions", positions_across_midnight())
    with pytest.raises(StoreError, match="transaction is committed"):
        transaction.commit(summary={}, ingested_at=INGESTED_AT)
    transaction.abort()  # no-op
    assert store.has_ingested(FILE_A)
    aborted = store.begin_ingest(file_id=FILE_B, file="y")
    aborted.abort()
    with pytest.raises(StoreError, match="transaction is aborted"):
        aborted.write("positions", positions_across_midnight())


def test_null_ts_is_a_schema_error_naming_the_count(store: ParquetStore) -> None:
    positions = positions_across_midnight().with_columns(
        pl.when(pl.int_range(pl.len()) < 3).then(None).otherwise(pl.col("ts")).alias("ts")
    )
    with store.begin_ingest(file_id=FILE_A, file="x") as transaction:
        with pytest.raises(SchemaError, match="positions: 3 of 80 rows have a null ts"):
            transaction.write("positions", positions)
        transaction.write("positions", positions.drop_nulls("ts"))  # still open
        transaction.commit(summary={}, ingested_at=INGESTED_AT)
    assert store.scan("positions").collect().height == 77


def test_missing_mistyped_and_extra_columns_are_schema_errors(store: ParquetStore) -> None:
    positions = positions_across_midnight()
    with store.begin_ingest(file_id=FILE_A, file="x") as transaction:
        with pytest.raises(SchemaError, match="missing column 'lat'"):
            transaction.write("positions", positions.drop("lat"))
        with pytest.raises(SchemaError, match="column 'mmsi' has dtype Int32"):
            transaction.write("positions", positions.with_columns(pl.col("mmsi").cast(pl.Int32)))
        with pytest.raises(SchemaError, match=r"columns \['speed'\] are not canonical"):
            transaction.write("positions", positions.with_columns(pl.lit(1).alias("speed")))
        with pytest.raises(TypeError, match="expected a polars.DataFrame, got LazyFrame"):
            transaction.write("positions", positions.lazy())  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="unknown ingest dataset 'events'"):
            transaction.write("events", positions)  # type: ignore[arg-type]


def test_columns_in_another_order_are_stored_in_canonical_order(store: ParquetStore) -> None:
    positions = positions_across_midnight()
    ingest(store, FILE_A, positions=positions.select(reversed(positions.columns)))
    assert store.scan("positions").collect().columns == list(schema.POSITIONS)


def test_naive_ingested_at_is_refused_and_transaction_stays_open(store: ParquetStore) -> None:
    with store.begin_ingest(file_id=FILE_A, file="x") as transaction:
        with pytest.raises(TypeError, match="timezone-aware"):
            transaction.commit(summary={}, ingested_at=datetime(2024, 1, 1))  # noqa: DTZ001
        with pytest.raises(TypeError, match="not JSON-serialisable"):
            transaction.commit(summary={"x": object()}, ingested_at=INGESTED_AT)
        with pytest.raises(ValueError, match="no NaN"):
            transaction.commit(summary={"ratio": float("nan")}, ingested_at=INGESTED_AT)
        transaction.commit(summary={"ok": True}, ingested_at=INGESTED_AT)
    assert store.has_ingested(FILE_A)


@pytest.mark.parametrize("file_id", ["", ".hidden", "_x", "a/b", "a b", "x" * 129])
def test_unusable_file_ids_are_refused(store: ParquetStore, file_id: str) -> None:
    with pytest.raises(ValueError, match="cannot name store files"):
        store.begin_ingest(file_id=file_id, file="x")
    with pytest.raises(ValueError, match="cannot name store files"):
        store.has_ingested(file_id)


def test_unknown_dataset_is_refused(store: ParquetStore) -> None:
    with pytest.raises(ValueError, match="unknown dataset 'tracks'"):
        store.scan("tracks")  # type: ignore[arg-type]


def test_missing_committed_part_is_a_store_error(store: ParquetStore) -> None:
    ingest(store, FILE_A, positions=positions_across_midnight())
    store.part_paths("positions")[0].unlink()
    with pytest.raises(StoreError, match=r"lacks 1 committed part\(s\) of positions"):
        store.scan("positions")


# -- manifest and info ----------------------------------------------------------------------
def test_ingested_files_lists_counts_summary_and_time(store: ParquetStore) -> None:
    later = INGESTED_AT + timedelta(hours=1)
    with store.begin_ingest(file_id=FILE_B, file="b.nmea") as transaction:
        transaction.write("positions", positions_across_midnight(FILE_B))
        transaction.write("rejects", rejects_frame(["checksum"], FILE_B))
        transaction.commit(
            summary={"lines": 81, "first": datetime(2023, 10, 1, tzinfo=UTC)}, ingested_at=later
        )
    ingest(store, FILE_A, statics=statics_frame())
    files = store.ingested_files()
    assert dict(files.schema) == dict(MANIFEST_SCHEMA)
    assert files["file_id"].to_list() == [FILE_A, FILE_B]
    assert files["ingested_at"].to_list() == [INGESTED_AT, later]
    assert files["positions_rows"].to_list() == [0, 80]
    assert files["statics_rows"].to_list() == [1, 0]
    assert files["rejects_rows"].to_list() == [0, 1]
    assert json.loads(files["summary"][1]) == {"first": "2023-10-01T00:00:00.000000Z", "lines": 81}


def test_info_counts_vessels_span_days_rejects_and_bytes(store: ParquetStore) -> None:
    ingest(
        store,
        FILE_A,
        positions=positions_across_midnight(),
        statics=statics_frame(mmsi=273_000_009),
        rejects=rejects_frame(["checksum", "malformed", "checksum"]),
    )
    info = store.info()
    assert info.root == store.root
    assert dict(info.rows) == {
        "positions": 80,
        "statics": 1,
        "others": 0,
        "rejects": 3,
        "events": 0,
    }
    assert info.vessels == 3
    assert info.first_ts == datetime(2023, 10, 1, 12, tzinfo=UTC)
    assert info.last_ts == datetime(2023, 10, 2, 0, 18, tzinfo=UTC)
    assert info.days == (date(2023, 10, 1), date(2023, 10, 2))
    assert info.files_ingested == 1
    assert dict(info.rejects_by_reason) == {"checksum": 2, "malformed": 1}
    parquet_bytes = sum(p.stat().st_size for p in store.root.rglob("*.parquet"))
    assert info.bytes_on_disk > parquet_bytes > 0


def test_info_of_empty_store(store: ParquetStore) -> None:
    info = store.info()
    assert info.vessels == 0
    assert info.first_ts is None
    assert info.days == ()
    assert dict(info.rejects_by_reason) == {}


# -- events ---------------------------------------------------------------------------------
def test_replace_events_replaces_everything(store: ParquetStore) -> None:
    store.replace_events(events_frame([("e1", "gap", 1, 0), ("e2", "gap", 2, 0)]))
    store.replace_events(events_frame([("e3", "loitering", 3, 5)]))
    events = store.scan("events").collect()
    assert dict(events.schema) == dict(schema.EVENTS)
    assert events["event_id"].to_list() == ["e3"]
    assert store.info().rows["events"] == 1


def test_replace_events_for_some_mmsis_and_types_keeps_the_rest(store: ParquetStore) -> None:
    store.replace_events(
        events_frame(
            [("e1", "gap", 1, 0), ("e2", "loitering", 1, 2), ("e3", "gap", 2, 1)],
        )
    )
    store.replace_events(events_frame([("e4", "gap", 1, 3)]), mmsis=[1], types=["gap"])
    assert store.scan("events").collect()["event_id"].to_list() == ["e2", "e4", "e3"]
    store.replace_events(events_frame([]), mmsis=[2])
    assert store.scan("events").collect()["event_id"].to_list() == ["e2", "e4"]


def test_replace_events_refuses_events_outside_scope_and_duplicate_ids(
    store: ParquetStore,
) -> None:
    store.replace_events(events_frame([("e1", "gap", 1, 0)]))
    with pytest.raises(ValueError, match=r"1 new events lie outside the replaced scope"):
        store.replace_events(events_frame([("e2", "gap", 2, 0)]), mmsis=[1])
    with pytest.raises(ValueError, match="event_id 'e1' occurs 2 times"):
        store.replace_events(events_frame([("e1", "loitering", 1, 0)]), types=["loitering"])
    with pytest.raises(SchemaError, match="missing column 'event_id'"):
        store.replace_events(events_frame([]).drop("event_id"))
    assert store.scan("events").collect()["event_id"].to_list() == ["e1"]


def test_events_file_is_readable_by_polars_glob(store: ParquetStore) -> None:
    store.replace_events(events_frame([("e1", "gap", 1, 0)]))
    frame = pl.read_parquet(f"{store.root}/events/**/*.parquet")
    assert dict(frame.schema) == dict(schema.EVENTS)


# -- lock -----------------------------------------------------------------------------------
def test_second_writer_in_another_object_is_told_the_store_is_locked(
    store: ParquetStore,
) -> None:
    other = ParquetStore(store.root)
    with store.lock():
        with pytest.raises(
            StoreError, match=rf"locked by another darkfleet process \(pid {os.getpid()}\)"
        ):
            other.begin_ingest(file_id=FILE_A, file="x")
        with pytest.raises(StoreError, match="is locked"):
            other.replace_events(events_frame([]))
        with store.lock():  # re-entrant in the holder
            ingest(store, FILE_A, positions=positions_across_midnight())
    ingest(other, FILE_B)  # free again
    assert other.has_ingested(FILE_A)


def test_lock_held_by_another_process_names_its_pid(store: ParquetStore) -> None:
    code = (
        "import sys; from pathlib import Path; from darkfleet.store import ParquetStore\n"
        f"s = ParquetStore(Path({str(store.root)!r}))\n"
        "with s.lock():\n"
        "    print('locked', flush=True); sys.stdin.readline()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdin is not None
        try:
            assert holder.stdout.readline().strip() == "locked"
            with pytest.raises(
                StoreError, match=rf"locked by another darkfleet process \(pid {holder.pid}\)"
            ):
                store.begin_ingest(file_id=FILE_A, file="x")
            # readers are not blocked by a writer
            assert store.scan("positions").collect().height == 0
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert holder.wait(timeout=30) == 0
        finally:
            if holder.poll() is None:
                holder.kill()
    ingest(store, FILE_A)
    assert store.has_ingested(FILE_A)
