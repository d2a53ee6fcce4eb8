"""Smoke run of ``benchmarks/bench_sanctions.py`` (the benchmark itself is not collected)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import polars as pl

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_bench_sanctions_runs_small_and_finds_the_copied_imos() -> None:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(
        "bench_sanctions_smoke", BENCHMARKS / "bench_sanctions.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    statics, listed = module.make_fleet(400, 100, seed=3)
    assert statics["mmsi"].n_unique() == 400
    assert listed.height == 100
    result = module.run(400, 100, workers=1, seed=3)
    copied_imos = set(listed["imo"].drop_nulls()) & set(statics["imo"].drop_nulls())
    assert result["matched_on"].get("imo", 0) >= len(copied_imos) > 0
    assert result["total_s"] < 60
    assert isinstance(statics, pl.DataFrame)
