"""Crash safety with real processes: kill an ingest anywhere, reopen, re-run.

The writer (``_crash_writer.py``) ends itself with ``os._exit`` at a named step (exact,
repeatable) or is killed with SIGKILL at a random moment. Afterwards the store must open,
hold either nothing or everything of the file, and a re-run must leave exactly one copy
of every row.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import darkfleet
from darkfleet.store import MemoryStore, ParquetStore
from tests.unit.store import _crash_writer

SRC = Path(darkfleet.__file__).resolve().parents[1]
WRITER = Path(_crash_writer.__file__)
FILE_A = "a0a0a0a0a0a0a0a0"
FILE_B = "b1b1b1b1b1b1b1b1"
ENV = {**os.environ, "PYTHONPATH": str(SRC)}


def run_writer(root: Path, file_id: str, crash_step: str = "none", *extra: str) -> int:
    done = subprocess.run(
        [sys.executable, str(WRITER), str(root), file_id, crash_step, *extra],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
        check=False,
    )
    if done.returncode not in (0, _crash_writer.CRASH_EXIT):
        raise AssertionError(f"writer failed ({done.returncode}):\n{done.stderr}")
    return done.returncode


def expected_store(*file_ids: str) -> MemoryStore:
    """What the store must hold once ``file_ids`` are ingested, once each."""
    model = MemoryStore()
    for file_id in file_ids:
        with model.begin_ingest(file_id=file_id, file="input.nmea") as transaction:
            for kind, frame in _crash_writer.make_batches(file_id):
                transaction.write(kind, frame)  # type: ignore[arg-type]
            transaction.commit(summary={}, ingested_at=_crash_writer.INGESTED_AT)
    return model


def assert_store_holds(root: Path, *file_ids: str) -> None:
    """The store holds exactly ``file_ids``, readable by darkfleet and by a plain glob."""
    store = ParquetStore(root, create=False)
    model = expected_store(*file_ids)
    for kind in ("positions", "rejects"):
        assert_frame_equal(store.scan(kind).collect(), model.scan(kind).collect())  # type: ignore[arg-type]
    assert sorted(store.ingested_files()["file_id"].to_list()) == sorted(file_ids)
    visible = list((root / "positions").glob("**/*.parquet"))
    glob_rows = pl.scan_parquet(visible).select(pl.len()).collect().item() if visible else 0
    assert glob_rows == model.scan("positions").collect().height
    assert list((root / "_journal").iterdir()) == []
    assert list((root / ".staging").iterdir()) == []


def assert_all_or_nothing(root: Path, file_id: str, *others: str) -> bool:
    """After a crash and reopen: ``file_id`` is fully present or fully absent."""
    store = ParquetStore(root)  # opening recovers
    if store.has_ingested(file_id):
        assert_store_holds(root, *others, file_id)
        return True
    assert_store_holds(root, *others)
    return False


@pytest.mark.parametrize(
    ("crash_step", "is_committed"),
    [
        ("staged:positions:0", False),
        ("staged:rejects:1", False),
        ("staged:rejects:3", False),
        ("journal_written", True),
        ("renamed:0", True),
        ("renamed:4", True),
        ("renamed:9", True),
        ("manifest_written", True),
        ("journal_removed", True),
    ],
)
def test_crash_at_each_step_leaves_nothing_or_everything(
    tmp_path: Path, crash_step: str, is_committed: bool
) -> None:
    root = tmp_path / "store"
    assert run_writer(root, FILE_A, crash_step) == _crash_writer.CRASH_EXIT
    assert assert_all_or_nothing(root, FILE_A) is is_committed
    assert run_writer(root, FILE_A) == 0
    assert_store_holds(root, FILE_A)


def test_crash_mid_renames_does_not_disturb_an_earlier_file(tmp_path: Path) -> None:
    root = tmp_path / "store"
    assert run_writer(root, FILE_A) == 0
    assert run_writer(root, FILE_B, "renamed:3") == _crash_writer.CRASH_EXIT
    assert assert_all_or_nothing(root, FILE_B, FILE_A)
    assert run_writer(root, FILE_B) == 0
    assert_store_holds(root, FILE_A, FILE_B)


def test_crash_during_roll_forward_is_rolled_forward_again(tmp_path: Path) -> None:
    root = tmp_path / "store"
    assert run_writer(root, FILE_A, "renamed:2") == _crash_writer.CRASH_EXIT
    # the next process crashes while recovering, at a later rename
    assert run_writer(root, FILE_A, "renamed:6", "--recover-only") == _crash_writer.CRASH_EXIT
    assert (root / "_journal" / f"{FILE_A}.json").is_file()
    assert assert_all_or_nothing(root, FILE_A)


def test_reader_open_while_writer_holds_lock_does_not_recover(tmp_path: Path) -> None:
    """Opening the store during a live ingest must not delete that ingest's staging."""
    root = tmp_path / "store"
    writer_store = ParquetStore(root)
    with writer_store.begin_ingest(file_id=FILE_A, file="input.nmea") as transaction:
        for kind, frame in _crash_writer.make_batches(FILE_A):
            transaction.write(kind, frame)  # type: ignore[arg-type]
        reader = ParquetStore(root)
        assert reader.scan("positions").collect().height == 0
        transaction.commit(summary={}, ingested_at=_crash_writer.INGESTED_AT)
    assert_store_holds(root, FILE_A)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_kill_at_a_random_moment_leaves_nothing_or_everything(tmp_path: Path, seed: int) -> None:
    root = tmp_path / "store"
    # the writer needs ~0.2 s after "started" (more under load): most kills land mid-ingest
    delay_s = random.Random(seed).uniform(0.0, 0.3)
    with subprocess.Popen(
        [sys.executable, str(WRITER), str(root), FILE_A, "none"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=ENV,
    ) as writer:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "started"
        try:
            writer.wait(timeout=delay_s)
        except subprocess.TimeoutExpired:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
    assert writer.returncode in (0, -signal.SIGKILL)
    assert_all_or_nothing(root, FILE_A)
    assert run_writer(root, FILE_A) == 0
    assert_store_holds(root, FILE_A)
