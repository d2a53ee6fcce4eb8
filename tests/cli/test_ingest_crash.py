"""Kill `darkfleet ingest` (SIGKILL) at random moments: the store stays readable, shows
either nothing or all of a file, and a second run completes it with no duplicate rows."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

REPO = Path(__file__).resolve().parents[2]


def _write_corpus(path: Path, lines: int) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "corpus.py"),
            "--lines",
            str(lines),
            "--seed",
            "11",
            "--out",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _darkfleet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "darkfleet", *args], capture_output=True, text=True, check=False
    )


def _positions(store: Path) -> pl.DataFrame:
    files = sorted((store / "positions").glob("*/*.parquet"))
    if not files:
        return pl.DataFrame()
    return pl.concat([pl.read_parquet(f) for f in files])


@pytest.mark.slow
def test_killed_ingest_leaves_a_readable_store_that_a_rerun_completes(tmp_path: Path) -> None:
    corpus_a = tmp_path / "a.nmea"
    corpus_b = tmp_path / "b.nmea"
    _write_corpus(corpus_a, 60_000)
    _write_corpus(corpus_b, 120_000)
    clean = tmp_path / "clean"
    started = time.perf_counter()
    assert (
        _darkfleet(
            "ingest",
            str(corpus_a),
            str(corpus_b),
            "--store",
            str(clean),
            "--batch-lines",
            "20000",
            "--no-progress",
        ).returncode
        == 0
    )
    clean_s = time.perf_counter() - started
    expected = _positions(clean).sort("mmsi", "ts", "line_no")
    assert expected.height > 0

    # kill at fractions of a clean run's duration: from process start, through the
    # batches, to the last write, whatever this machine's speed
    killed = 0
    for attempt, fraction in enumerate((0.15, 0.35, 0.55, 0.75)):
        delay_s = fraction * clean_s
        store = tmp_path / f"killed-{attempt}"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "darkfleet",
                "ingest",
                str(corpus_a),
                str(corpus_b),
                "--store",
                str(store),
                "--batch-lines",
                "20000",
                "--no-progress",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay_s)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed += 1
        process.wait()
        info = _darkfleet("info", "--store", str(store), "--format", "json")
        if info.returncode == 0:  # the store exists: what it shows is whole files only
            rows = json.loads(info.stdout)["rows"]["positions"]
            whole_files = {0}
            clean_files = json.loads(
                _darkfleet("info", "--store", str(clean), "--format", "json").stdout
            )
            assert clean_files["rows"]["positions"] == expected.height
            by_file = expected.group_by("file_id").len()["len"].to_list()
            whole_files |= set(by_file) | {sum(by_file)}
            assert rows in whole_files, f"partial file visible after kill at {delay_s}s"
        rerun = _darkfleet(
            "ingest",
            str(corpus_a),
            str(corpus_b),
            "--store",
            str(store),
            "--batch-lines",
            "20000",
            "--no-progress",
        )
        assert rerun.returncode == 0, rerun.stderr
        got = _positions(store).sort("mmsi", "ts", "line_no")
        assert got.equals(expected), f"store differs from a clean ingest after kill at {delay_s}s"
    assert killed >= 2, "ingest finished before the kills: make the corpus larger"
