"""Manifest entries, journals and their damage reports."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from darkfleet.errors import StoreError
from darkfleet.store import ParquetStore
from darkfleet.store.manifest import (
    ManifestEntry,
    PartEntry,
    check_ingested_at,
    format_utc,
    summary_json,
)
from tests.unit.store._builders import INGESTED_AT, positions_across_midnight

FILE_A = "a" * 16


def test_format_utc_converts_offsets_and_keeps_microseconds() -> None:
    plus2 = timezone(timedelta(hours=2))
    assert format_utc(datetime(2024, 1, 1, 2, 0, 0, 5, tzinfo=plus2)) == (
        "2024-01-01T00:00:00.000005Z"
    )


def test_check_ingested_at_returns_utc() -> None:
    plus2 = timezone(timedelta(hours=2))
    assert check_ingested_at(datetime(2024, 1, 1, 2, tzinfo=plus2)) == datetime(
        2024, 1, 1, tzinfo=UTC
    )


def test_summary_json_is_canonical() -> None:
    text = summary_json({"b": 1, "a": [date(2024, 1, 2), Path("x/y")], "c": {"z": 1, "y": 2}})
    assert text == '{"a":["2024-01-02","x/y"],"b":1,"c":{"y":2,"z":1}}'


def test_summary_json_refuses_non_string_keys_and_non_mappings() -> None:
    with pytest.raises(TypeError, match="keys must be strings"):
        summary_json({1: "x"})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="must be a mapping"):
        summary_json([("a", 1)])  # type: ignore[arg-type]


def test_manifest_entry_round_trips_through_json() -> None:
    entry = ManifestEntry(
        file_id=FILE_A,
        file="a.nmea",
        ingested_at=INGESTED_AT,
        parts=(PartEntry("positions", "positions/day=2023-10-01/p.parquet", 3),),
        summary_json='{"lines":3}',
    )
    assert ManifestEntry.from_json(entry.to_json(), where=Path("m.json")) == entry
    assert entry.rows("positions") == 3
    assert entry.rows("rejects") == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"format": 2},
        {"format": 1, "file_id": "x"},
        {
            "format": 1,
            "file_id": "x",
            "file": "f",
            "ingested_at": "bad",
            "parts": [],
            "summary": {},
        },
        {"format": 1, "file_id": "x", "file": "f", "ingested_at": "2024-01-01", "parts": 3},
    ],
)
def test_malformed_manifest_entries_are_store_errors(payload: dict[str, object]) -> None:
    with pytest.raises(StoreError, match=r"m\.json: malformed manifest entry"):
        ManifestEntry.from_json(payload, where=Path("m.json"))


def make_store_with_file(tmp_path: Path) -> ParquetStore:
    store = ParquetStore(tmp_path / "store")
    with store.begin_ingest(file_id=FILE_A, file="a.nmea") as transaction:
        transaction.write("positions", positions_across_midnight())
        transaction.commit(summary={}, ingested_at=INGESTED_AT)
    return store


def test_damaged_manifest_file_is_reported_on_read(tmp_path: Path) -> None:
    store = make_store_with_file(tmp_path)
    (store.root / "_manifest" / f"{FILE_A}.json").write_text("{")
    with pytest.raises(StoreError, match="cannot read this manifest entry"):
        store.scan("positions")


def test_damaged_journal_is_reported_on_open(tmp_path: Path) -> None:
    store = make_store_with_file(tmp_path)
    (store.root / "_journal" / "x.json").write_text(json.dumps({"moves": 1}))
    with pytest.raises(StoreError, match="malformed commit journal"):
        ParquetStore(store.root)


def test_journal_naming_a_vanished_part_is_reported_on_open(tmp_path: Path) -> None:
    store = make_store_with_file(tmp_path)
    entry = json.loads((store.root / "_manifest" / f"{FILE_A}.json").read_text())
    entry["file_id"] = "b" * 16
    journal = {"moves": [[".staging/gone.parquet", "positions/gone.parquet"]], "manifest": entry}
    (store.root / "_journal" / "b.json").write_text(json.dumps(journal))
    with pytest.raises(StoreError, match=r"part \.staging/gone\.parquet is neither staged"):
        ParquetStore(store.root)


def test_leftover_temporary_files_are_removed_on_open(tmp_path: Path) -> None:
    store = make_store_with_file(tmp_path)
    (store.root / "_manifest" / "x.json.tmp").write_text("{")
    (store.root / ".staging" / "events-1.parquet").write_bytes(b"")
    (store.root / ".staging" / "deadbeef").mkdir()
    ParquetStore(store.root)
    assert sorted(p.name for p in (store.root / "_manifest").iterdir()) == [f"{FILE_A}.json"]
    assert list((store.root / ".staging").iterdir()) == []
