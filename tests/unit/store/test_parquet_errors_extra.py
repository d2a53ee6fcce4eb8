"""Regression: a store creation killed part-way is completed by the next open."""

from __future__ import annotations

from pathlib import Path

import pytest

from darkfleet.errors import StoreError
from darkfleet.store import ParquetStore


def test_a_creation_killed_before_the_marker_is_completed(tmp_path: Path) -> None:
    root = tmp_path / "store"
    for sub in ("_manifest", "_journal", ".staging"):
        (root / sub).mkdir(parents=True)
    (root / "_darkfleet.json.tmp").write_text("{")
    store = ParquetStore(root)
    assert (root / "_darkfleet.json").is_file()
    assert store.has_ingested("0" * 16) is False


def test_a_folder_with_other_content_is_still_refused(tmp_path: Path) -> None:
    root = tmp_path / "store"
    (root / "_manifest").mkdir(parents=True)
    (root / "_manifest" / "x.json").write_text("{}")
    with pytest.raises(StoreError, match="not a darkfleet store"):
        ParquetStore(root)
