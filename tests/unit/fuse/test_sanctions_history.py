"""A list loaded again replaces its previous version and keeps every version's history."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from darkfleet import schema
from darkfleet.fuse.sanctions.formats import ENTRY_COLUMNS
from darkfleet.fuse.sanctions.history import current_entries, merge_list_versions

T1 = datetime(2024, 1, 1, tzinfo=UTC)
T2 = datetime(2024, 2, 1, tzinfo=UTC)
T3 = datetime(2024, 3, 1, tzinfo=UTC)


def entries(rows: list[dict[str, object]]) -> pl.DataFrame:
    return schema.conform(pl.DataFrame(rows), ENTRY_COLUMNS)


def test_reload_adds_removes_and_changes_entries_keeping_history() -> None:
    v1 = entries(
        [
            {"list": "l", "entry_id": "a", "name": "LADY R", "imo": 9161003},
            {"list": "l", "entry_id": "b", "name": "ANGARA"},
            {"list": "other", "entry_id": "x", "name": "KEPT"},
        ]
    )
    stored, counts = merge_list_versions(
        schema.empty(schema.SANCTION_ENTRIES), v1, lists=["l", "other"], loaded_at=T1
    )
    assert counts == {"l": (2, 0), "other": (1, 0)}
    v2 = entries(
        [
            {"list": "l", "entry_id": "a", "name": "LADY R", "imo": 9161003},  # unchanged
            {"list": "l", "entry_id": "b", "name": "ANGARA", "flag": "RUS"},  # changed
            {"list": "l", "entry_id": "c", "name": "MARIA"},  # new
        ]
    )
    stored, counts = merge_list_versions(stored, v2, lists=["l"], loaded_at=T2)
    assert counts == {"l": (2, 1)}
    history = stored.select("list", "entry_id", "flag", "added_ts", "removed_ts").rows()
    assert history == [
        ("l", "a", None, T1, None),
        ("l", "b", None, T1, T2),
        ("l", "b", "RUS", T2, None),
        ("l", "c", None, T2, None),
        ("other", "x", None, T1, None),  # a list not loaded stays as it was
    ]
    stored, counts = merge_list_versions(
        stored, v2.filter(pl.col("entry_id") != "a"), lists=["l"], loaded_at=T3
    )
    assert counts == {"l": (0, 1)}
    now = current_entries(stored)
    assert now.select("list", "entry_id").rows() == [("l", "b"), ("l", "c"), ("other", "x")]
    removed_a = stored.filter(pl.col("entry_id") == "a").select("added_ts", "removed_ts").row(0)
    assert removed_a == (T1, T3)


def test_loading_the_same_version_twice_changes_nothing() -> None:
    v1 = entries([{"list": "l", "entry_id": "a", "name": "LADY R", "aliases": ["LADY-R"]}])
    once, _ = merge_list_versions(
        schema.empty(schema.SANCTION_ENTRIES), v1, lists=["l"], loaded_at=T1
    )
    twice, counts = merge_list_versions(once, v1, lists=["l"], loaded_at=T2)
    assert counts == {"l": (0, 0)}
    assert twice.equals(once)


def test_a_naive_load_time_is_refused() -> None:
    import pytest

    from darkfleet.errors import ConfigError

    with pytest.raises(ConfigError, match="no UTC offset"):
        merge_list_versions(
            schema.empty(schema.SANCTION_ENTRIES),
            entries([]),
            lists=["l"],
            loaded_at=datetime(2024, 1, 1),  # noqa: DTZ001
        )
