"""Sanctions entries and loads in the store: round trip, validation, atomic replacement."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.errors import SchemaError
from darkfleet.store import MemoryStore, ParquetStore

T1 = datetime(2024, 1, 1, tzinfo=UTC)


class Crash(Exception):
    """Stands in for a process dying at a store step."""


def sample(name: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    entries = schema.conform(
        pl.DataFrame(
            {
                "list": ["l"],
                "entry_id": ["a"],
                "name": [name],
                "aliases": [["X", "Y"]],
                "programs": [["RUSSIA-EO14024"]],
                "added_ts": [T1],
            }
        ),
        schema.SANCTION_ENTRIES,
    )
    loads = schema.conform(
        pl.DataFrame({"list": ["l"], "loaded_ts": [T1], "file": ["f.csv"], "entries": [1]}),
        schema.SANCTION_LOADS,
    )
    return entries, loads


@pytest.mark.parametrize("kind", ["parquet", "memory"])
def test_sanctions_round_trip(kind: str, tmp_path: Path) -> None:
    store = ParquetStore(tmp_path / "s") if kind == "parquet" else MemoryStore()
    assert store.read_sanctions().height == 0
    assert store.read_sanction_loads().schema == pl.Schema(schema.SANCTION_LOADS)
    entries, loads = sample("LADY R")
    store.replace_sanctions(entries, loads)
    assert_frame_equal(store.read_sanctions(), entries)
    assert_frame_equal(store.read_sanction_loads(), loads)


def test_parquet_files_are_readable_by_polars_directly(tmp_path: Path) -> None:
    store = ParquetStore(tmp_path / "s")
    store.replace_sanctions(*sample("LADY R"))
    direct = pl.read_parquet(tmp_path / "s" / "sanctions" / "entries.parquet")
    assert direct["name"].to_list() == ["LADY R"]


def test_replace_sanctions_validates_frames() -> None:
    entries, loads = sample("LADY R")
    with pytest.raises(SchemaError, match="sanctions entries"):
        MemoryStore().replace_sanctions(entries.drop("name"), loads)
    with pytest.raises(SchemaError, match="not canonical"):
        MemoryStore().replace_sanctions(entries.with_columns(pl.lit(1).alias("extra")), loads)
    twice = pl.concat([entries, entries])
    with pytest.raises(ValueError, match="holds entry_id 'a' more than once"):
        MemoryStore().replace_sanctions(twice, loads)


def test_a_crash_before_the_journal_keeps_the_old_version(tmp_path: Path) -> None:
    root = tmp_path / "s"
    ParquetStore(root).replace_sanctions(*sample("OLD"))

    def crash(step: str) -> None:
        if step == "sanctions_staged":
            raise Crash

    with pytest.raises(Crash):
        ParquetStore(root, on_step=crash).replace_sanctions(*sample("NEW"))
    reopened = ParquetStore(root)
    assert reopened.read_sanctions()["name"].to_list() == ["OLD"]
    assert not any((root / ".staging").iterdir())


def test_a_crash_after_the_journal_is_rolled_forward_on_open(tmp_path: Path) -> None:
    root = tmp_path / "s"
    ParquetStore(root).replace_sanctions(*sample("OLD"))

    def crash(step: str) -> None:
        if step == "sanctions_journal_written":
            raise Crash

    with pytest.raises(Crash):
        ParquetStore(root, on_step=crash).replace_sanctions(*sample("NEW"))
    assert (root / "_journal" / "_sanctions.json").is_file()
    reopened = ParquetStore(root)
    assert reopened.read_sanctions()["name"].to_list() == ["NEW"]
    assert reopened.read_sanction_loads().height == 1
    assert not (root / "_journal" / "_sanctions.json").exists()
    assert not any((root / ".staging").iterdir())
