from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
import pytest

from darkfleet.detect._bins import bin_positions, near_pairs
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
