"""The store benchmark still runs (tiny size); real timings live in docs/store.md."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_store_write.py"


def test_store_write_benchmark_runs_on_a_tiny_input(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_store_write", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--rows", "2000", "--batch", "700", "--vessels", "7"])
    assert "rows=2,000" in capsys.readouterr().out
