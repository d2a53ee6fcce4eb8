"""Invariants of the motion detectors (gap, loitering, encounter, spoofing).

- permutation: shuffling the input rows gives the same events;
- partition: running per MMSI and concatenating equals one run (per-vessel detectors;
  loitering when vessels are far apart, since "alone" looks at others);
- monotonicity: raising ``min_gap`` never adds gaps;
- containment: events lie inside the input's time range (or ``as_of``) and name only
  MMSIs of the input; an empty input gives an empty frame with the full schema.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.detect.encounters import EncounterParams, detect_encounters
from darkfleet.detect.gaps import GapParams, detect_gaps
from darkfleet.detect.loitering import LoiteringParams, detect_loitering
from darkfleet.detect.spoofing import SpoofingParams, detect_spoofing
from tests.unit.detect.motion_helpers import T0, context, sea_grid

CONTEXT = context(
    shore=sea_grid(),
    ports=[("P", "Port", "RUS", 42.0, 132.2), ("Q", "Other", "PRK", 41.8, 131.9)],
    sensitive=frozenset({"Q"}),
)
AS_OF = T0 + timedelta(days=30)


@st.composite
def vessel(draw: st.DrawFn, mmsi: int, spread_deg: float) -> pl.DataFrame:
    """One vessel: random steps (minutes to a day), slow or fast, small random walk."""
    steps_min = draw(
        st.lists(
            st.sampled_from([1, 2, 5, 10, 30, 90, 240, 359, 360, 361, 600, 1500]),
            min_size=1,
            max_size=40,
        )
    )
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    n = len(steps_min)
    start_min = draw(st.integers(0, 59))  # starts off the 10-minute bin boundaries too
    offset_min = np.cumsum(np.array(steps_min)) - steps_min[0] + start_min
    sog = draw(st.sampled_from([0.0, 0.5, 1.9, 8.0, 15.0]))
    lat0 = 42.0 + spread_deg * (mmsi % 7)
    lon0 = 132.0 + spread_deg * (mmsi % 5)
    jitter = draw(st.sampled_from([0.0, 0.001, 0.5]))  # 0.5 deg makes impossible jumps
    frame = pl.DataFrame(
        {
            "mmsi": [mmsi] * n,
            "ts": [T0 + timedelta(minutes=int(m)) for m in offset_min],
            "lat": lat0 + np.cumsum(rng.normal(0, jitter, n)),
            "lon": lon0 + np.cumsum(rng.normal(0, jitter, n)),
            "sog_knots": np.full(n, sog),
            "msg_type": [1] * n,
        }
    )
    return schema.conform(frame, schema.POSITIONS)


@st.composite
def fleets(draw: st.DrawFn, spread_deg: float = 0.002) -> pl.DataFrame:
    """A few vessels near each other (close enough to meet unless spread is large)."""
    mmsis = draw(st.lists(st.integers(1, 30), min_size=0, max_size=4, unique=True))
    if not mmsis:
        return schema.empty(schema.POSITIONS)
    return pl.concat([draw(vessel(mmsi, spread_deg)) for mmsi in mmsis])


def shuffled(frame: pl.DataFrame, seed: int) -> pl.DataFrame:
    return frame.sample(fraction=1.0, shuffle=True, seed=seed)


def per_mmsi(frame: pl.DataFrame, run: object) -> pl.DataFrame:
    parts = [run(part) for part in frame.partition_by("mmsi")]  # type: ignore[operator]
    if not parts:
        return run(frame)  # type: ignore[operator, no-any-return]
    return pl.concat(parts).sort(["mmsi", "start_ts", "event_id"])


def contained(events: pl.DataFrame, positions: pl.DataFrame, *, end_limit: object = None) -> None:
    assert dict(events.schema) == dict(schema.EVENTS)
    if events.height == 0:
        return
    assert set(events["mmsi"].to_list()) <= set(positions["mmsi"].to_list())
    others = events["other_mmsi"].drop_nulls().to_list()
    assert set(others) <= set(positions["mmsi"].to_list())
    assert events["start_ts"].min() >= positions["ts"].min()
    assert events["end_ts"].max() <= (end_limit or positions["ts"].max())
    assert (events["end_ts"] >= events["start_ts"]).all()
    assert events["event_id"].n_unique() == events.height


def run_gaps(frame: pl.DataFrame) -> pl.DataFrame:
    return detect_gaps(frame, GapParams(), CONTEXT, as_of=AS_OF)


def run_spoofing(frame: pl.DataFrame) -> pl.DataFrame:
    return detect_spoofing(frame, SpoofingParams(), CONTEXT)[0]


def run_loitering(frame: pl.DataFrame) -> pl.DataFrame:
    return detect_loitering(frame, LoiteringParams(min_duration=timedelta(hours=1)), CONTEXT)


def run_encounters(frame: pl.DataFrame) -> pl.DataFrame:
    return detect_encounters(frame, EncounterParams(min_duration=timedelta(minutes=30)), CONTEXT)


@given(fleets(), st.integers(0, 1000))
def test_gaps_permutation_partition_containment(positions: pl.DataFrame, seed: int) -> None:
    events = run_gaps(positions)
    assert_frame_equal(run_gaps(shuffled(positions, seed)), events)
    assert_frame_equal(per_mmsi(positions, run_gaps), events)
    contained(events, positions, end_limit=AS_OF)


@given(fleets(), st.sampled_from([1, 3, 6, 12]), st.sampled_from([0, 1, 5, 30]))
def test_raising_min_gap_never_adds_gaps(positions: pl.DataFrame, hours: int, more: int) -> None:
    low = detect_gaps(positions, GapParams(min_gap=timedelta(hours=hours)), CONTEXT, as_of=AS_OF)
    high = detect_gaps(
        positions, GapParams(min_gap=timedelta(hours=hours, minutes=more)), CONTEXT, as_of=AS_OF
    )
    key = ["mmsi", "start_ts", "end_ts"]
    assert set(high.select(key).rows()) <= set(low.select(key).rows())


@given(fleets(), st.integers(0, 1000))
def test_spoofing_permutation_partition_containment(positions: pl.DataFrame, seed: int) -> None:
    events = run_spoofing(positions)
    assert_frame_equal(run_spoofing(shuffled(positions, seed)), events)
    assert_frame_equal(per_mmsi(positions, run_spoofing), events)
    contained(events, positions)


@given(fleets(), st.integers(0, 1000))
def test_spoofing_tracks_frame_is_row_order_independent(positions: pl.DataFrame, seed: int) -> None:
    _, tracks = detect_spoofing(positions, SpoofingParams(), CONTEXT)
    _, again = detect_spoofing(shuffled(positions, seed), SpoofingParams(), CONTEXT)
    key = [*schema.POSITIONS, "track", "track_mmsi"]
    assert_frame_equal(tracks.sort(key), again.sort(key))
    assert tracks.height == positions.height


@given(fleets(), st.integers(0, 1000))
def test_loitering_permutation_and_containment(positions: pl.DataFrame, seed: int) -> None:
    events = run_loitering(positions)
    assert_frame_equal(run_loitering(shuffled(positions, seed)), events)
    contained(events, positions)


@given(fleets(spread_deg=1.0), st.integers(0, 1000))
def test_loitering_partition_when_vessels_are_far_apart(positions: pl.DataFrame, seed: int) -> None:
    del seed
    assert_frame_equal(per_mmsi(positions, run_loitering), run_loitering(positions))


@given(fleets(), st.integers(0, 1000))
def test_encounters_permutation_and_containment(positions: pl.DataFrame, seed: int) -> None:
    events = run_encounters(positions)
    assert_frame_equal(run_encounters(shuffled(positions, seed)), events)
    contained(events, positions)
    assert (events["mmsi"] < events["other_mmsi"]).all()


@given(fleets(spread_deg=1.0))
def test_no_encounters_between_vessels_far_apart(positions: pl.DataFrame) -> None:
    assert run_encounters(positions).height == 0
