"""Keeps benchmarks/bench_motion_detectors.py working (tiny run, not a timing)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import polars as pl

from darkfleet import schema

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_motion_detectors.py"


def test_motion_benchmark_runs_on_a_tiny_fleet() -> None:
    spec = importlib.util.spec_from_file_location("bench_motion_detectors", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fleet = module.make_fleet(20_000, per_vessel=500)
    assert fleet.height == 20_000
    assert dict(fleet.schema) == dict(schema.POSITIONS)
    assert fleet.select(pl.col("mmsi").is_sorted()).item()
    rates = module.run(20_000, repeat=1)
    assert set(rates) == {"gap", "loitering", "encounter", "spoofing", "suite"}
    assert all(rate > 0 for rate in rates.values())
