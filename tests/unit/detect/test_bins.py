from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkfleet.detect._bins import _points, bin_positions, chord_m, iter_near_pairs, near_pairs
from darkfleet.testing import make_track

BIN_US = 600_000_000


def test_bin_mean_across_the_antimeridian_stays_near_180() -> None:
    track = make_track(n=4, step=timedelta(minutes=2), sog_knots=0.0).with_columns(
        pl.Series("lon", [179.999, -179.999, 179.998, -179.998])
    )
    binned = bin_positions(track, BIN_US, 6)
    assert binned.height == 1
    assert abs(binned["lon"][0]) == pytest.approx(180.0, abs=0.01)


def test_holes_are_filled_linearly_up_to_the_limit() -> None:
    track = make_track(n=2, step=timedelta(minutes=40), sog_knots=0.0).with_columns(
        pl.Series("lat", [42.0, 42.4]), pl.Series("sog_knots", [1.0, 3.0], dtype=pl.Float32)
    )
    binned = bin_positions(track, BIN_US, 6)
    assert binned["bin"].diff().drop_nulls().to_list() == [1, 1, 1, 1]
    assert binned["n_positions"].to_list() == [1, 0, 0, 0, 1]
    assert np.allclose(binned["lat"].to_numpy(), [42.0, 42.1, 42.2, 42.3, 42.4])
    assert np.allclose(binned["sog_knots"].to_numpy(), [1.0, 1.5, 2.0, 2.5, 3.0])
    assert bin_positions(track, BIN_US, 2).height == 2


def test_missing_sog_becomes_implied_speed() -> None:
    track = make_track(n=3, step=timedelta(minutes=10), sog_knots=6.0).with_columns(
        pl.lit(None, dtype=pl.Float32).alias("sog_knots")
    )
    binned = bin_positions(track, BIN_US, 6)
    assert np.allclose(binned["sog_knots"].to_numpy(), 6.0, atol=0.01)


def test_near_pairs_only_within_one_bin() -> None:
    bins = np.array([0, 0, 1])
    lat = np.array([42.0, 42.002, 42.0])
    lon = np.array([132.0, 132.0, 132.0])
    assert near_pairs(bins, lat, lon, 500.0).tolist() == [[0, 1]]
    assert near_pairs(bins, lat, lon, 100.0).tolist() == []


def _brute_pairs(bins: np.ndarray, lat: np.ndarray, lon: np.ndarray, metres: float) -> set[tuple]:
    """Every same-bin pair within ``metres`` (chord in Earth-centred metres), all compared."""
    xyz = _points(bins, lat, lon, 0)[:, :3]
    i, j = np.triu_indices(len(bins), k=1)
    near = (bins[i] == bins[j]) & (np.linalg.norm(xyz[i] - xyz[j], axis=1) <= chord_m(metres))
    return set(zip(i[near].tolist(), j[near].tolist(), strict=True))


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 120),
    n_bins=st.integers(1, 4),
    spread_m=st.sampled_from([50.0, 400.0, 5_000.0]),
    max_candidates=st.integers(1, 400),
    seed=st.integers(0, 2**32 - 1),
)
def test_chunked_pairs_are_exactly_the_near_pairs(
    n: int, n_bins: int, spread_m: float, max_candidates: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    bins = rng.integers(0, n_bins, n)
    lat = 42.0 + rng.uniform(0, spread_m / 111_000, n)
    lon = 132.0 + rng.uniform(0, spread_m / 82_000, n)
    chunks = list(iter_near_pairs(bins, lat, lon, 500.0, max_candidates=max_candidates))
    found = [tuple(p) for chunk in chunks for p in chunk.tolist()]
    assert all(i < j for i, j in found)
    assert len(found) == len(set(found))
    assert set(found) == _brute_pairs(bins, lat, lon, 500.0)


def test_a_crowded_bin_is_searched_in_bounded_chunks() -> None:
    """2,000 vessels within 100 m in one bin: 1,999,000 pairs, never all at once."""
    rng = np.random.default_rng(7)
    n = 2_000
    bins = np.zeros(n, dtype=np.int64)
    lat = 42.0 + rng.uniform(0, 0.0009, n)
    lon = np.full(n, 132.0)
    sizes = [len(c) for c in iter_near_pairs(bins, lat, lon, 500.0, max_candidates=100_000)]
    assert sum(sizes) == n * (n - 1) // 2
    assert max(sizes) <= 100_000
    assert len(sizes) >= 20
