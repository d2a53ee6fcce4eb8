"""run_detection over MemoryStore and ParquetStore: chunks, windows, increments, Dask."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from darkfleet import schema
from darkfleet.detect.context import DistanceGrid, GeoContext
from darkfleet.engine.detect import run_detection
from darkfleet.engine.detect_config import DetectConfig, build_detect_config
from darkfleet.errors import ConfigError
from darkfleet.reference import load_mid_table
from darkfleet.store import MemoryStore, ParquetStore, Store
from darkfleet.testing import make_track

T0 = datetime(2023, 10, 1, tzinfo=UTC)
SEA = DistanceGrid(
    values_km=np.full((180, 360), 250.0, dtype=np.float32),
    lat_min=-90.0,
    lon_min=-180.0,
    cell_deg=1.0,
)
CONTEXT = GeoContext(shore=SEA)


def _fleet(day: int) -> list[pl.DataFrame]:
    """Tracks of one day: a pair meeting, a vessel going dark, movers."""
    start = T0 + timedelta(days=day)
    tracks = [
        make_track(
            mmsi=273_000_010,
            start_ts=start,
            n=40,
            step=timedelta(minutes=10),
            lat=40.0,
            lon=134.0,
            sog_knots=0.3,
        ),
        make_track(
            mmsi=273_000_011,
            start_ts=start,
            n=40,
            step=timedelta(minutes=10),
            lat=40.002,
            lon=134.0,
            sog_knots=0.3,
        ),
        make_track(
            mmsi=273_000_012,
            start_ts=start,
            n=10,
            step=timedelta(minutes=10),
            lat=41.0,
            lon=135.0,
            sog_knots=5.0,
        ),
    ]
    tracks += [
        make_track(
            mmsi=273_000_100 + k,
            start_ts=start + timedelta(hours=k),
            n=20,
            lat=30.0 + k,
            lon=120.0,
            sog_knots=10.0,
        )
        for k in range(5)
    ]
    return tracks


def _ingest(store: Store, file_id: str, frame: pl.DataFrame) -> None:
    frame = frame.with_columns(pl.lit(file_id).alias("file_id"))
    with store.begin_ingest(file_id=file_id, file=f"{file_id}.nmea") as transaction:
        transaction.write("positions", frame)
        transaction.commit(summary={}, ingested_at=T0)


def _run(store: Store, config: DetectConfig | None = None, **kwargs: object):
    return run_detection(
        store,
        context=CONTEXT,
        mid_table=load_mid_table(),
        config=config or build_detect_config(),
        **kwargs,  # type: ignore[arg-type]
    )


def _events(store: Store) -> pl.DataFrame:
    return store.scan("events").collect()


@pytest.fixture(params=["memory", "parquet"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path):
    counter = iter(range(100))

    def build() -> Store:
        if request.param == "memory":
            return MemoryStore()
        return ParquetStore(tmp_path / f"store{next(counter)}")

    return build


def test_incremental_runs_equal_one_run_over_everything(make_store) -> None:
    days = [pl.concat(_fleet(d)) for d in range(3)]
    step = make_store()
    for number, frame in enumerate(days):
        _ingest(step, f"file{number}", frame)
        report = _run(step)
        assert report.mode == ("full" if number == 0 else "incremental")
    whole = make_store()
    for number, frame in enumerate(days):
        _ingest(whole, f"file{number}", frame)
    _run(whole)
    assert _events(step).equals(_events(whole))
    types = set(_events(whole)["type"])
    assert {"encounter", "gap"} <= types


def test_second_run_without_new_files_is_up_to_date(make_store) -> None:
    store = make_store()
    _ingest(store, "file0", pl.concat(_fleet(0)))
    first = _run(store)
    second = _run(store)
    assert first.mode == "full"
    assert second.mode == "up_to_date"
    assert second.positions_read == 0
    assert second.events_total == first.events_total


def test_small_chunks_give_the_same_events_as_one_chunk() -> None:
    frame = pl.concat(_fleet(0) + _fleet(1))
    one = MemoryStore()
    _ingest(one, "f", frame)
    many = MemoryStore()
    _ingest(many, "f", frame)
    report_one = _run(one)
    config = dataclasses.replace(build_detect_config(), chunk_positions=50)
    report_many = _run(many, config)
    assert report_one.chunks == 1
    assert report_many.chunks > 3
    assert _events(one).equals(_events(many))
    assert report_many.positions == frame.height


def test_windows_read_in_small_groups_and_batches_give_the_same_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Window groups of one vessel, each read alone (and read again for loitering's
    company), give the events of whole windows: the meeting pair (in two groups) is an
    encounter and not loitering, the lone drifter loiters."""
    drifter = make_track(
        mmsi=273_000_020, n=50, step=timedelta(minutes=10), lat=20.0, lon=150.0, sog_knots=0.3
    )
    frame = pl.concat([*_fleet(0), *_fleet(1), drifter])
    whole = MemoryStore()
    _ingest(whole, "f", frame)
    _run(whole)
    split = ParquetStore(tmp_path / "split")
    _ingest(split, "f", frame)
    monkeypatch.setattr("darkfleet.engine._tasks.WINDOW_CACHE_POSITIONS", 45)
    _run(split, dataclasses.replace(build_detect_config(), chunk_positions=45))
    expected = _events(whole).sort("event_id")
    assert _events(split).sort("event_id").equals(expected)
    assert expected.filter(pl.col("type") == "loitering")["mmsi"].to_list() == [273_000_020]
    assert expected.filter(pl.col("type") == "encounter").height == 2


def test_changed_parameters_rerun_that_detector_for_everything() -> None:
    store = MemoryStore()
    _ingest(store, "f", pl.concat(_fleet(0)))
    _run(store)
    before = _events(store)
    report = _run(store, build_detect_config({"detect": {"gap": {"min_gap": "5h"}}}))
    after = _events(store)
    assert report.mode == "full"
    gap_before = set(before.filter(pl.col("type") == "gap")["event_id"])
    gap_after = set(after.filter(pl.col("type") == "gap")["event_id"])
    assert gap_after
    assert not gap_before & gap_after
    same = pl.col("type") == "encounter"
    assert before.filter(same).equals(after.filter(same))


def test_as_of_opens_gaps_and_moving_it_updates_them() -> None:
    store = MemoryStore()
    _ingest(store, "f", pl.concat(_fleet(0)))
    _run(store, as_of=T0 + timedelta(days=2))
    gaps = _events(store).filter(pl.col("type") == "gap")
    assert gaps.height == 8  # every vessel silent for > 6 h by then
    assert set(gaps["end_ts"]) == {T0 + timedelta(days=2)}
    report = _run(store, as_of=T0 + timedelta(days=3))
    assert report.mode == "incremental"
    assert set(_events(store).filter(pl.col("type") == "gap")["end_ts"]) == {T0 + timedelta(days=3)}


def test_second_track_of_a_spoofed_mmsi_is_excluded_from_other_detectors() -> None:
    real = make_track(
        mmsi=273_000_050, n=60, step=timedelta(minutes=2), lat=40.0, lon=134.0, sog_knots=0.3
    )
    fake = make_track(
        mmsi=273_000_050,
        n=60,
        step=timedelta(minutes=2),
        lat=10.0,
        lon=60.0,
        sog_knots=0.3,
        start_ts=T0 + timedelta(seconds=60),
    )
    store = MemoryStore()
    _ingest(store, "f", pl.concat([real, fake]))
    _run(store, build_detect_config({"detect": {"spoofing": {"check_land": False}}}))
    events = _events(store)
    assert "spoofing" in set(events["type"])
    excluded = store.read_detect_excluded()
    assert excluded.height == 60
    assert excluded["mmsi"].unique().to_list() == [273_000_050]


def test_only_writes_the_named_types_and_keeps_the_others() -> None:
    store = MemoryStore()
    _ingest(store, "f", pl.concat(_fleet(0)))
    _run(store, as_of=T0 + timedelta(days=1))
    everything = _events(store)
    report = _run(store, build_detect_config(only=["encounter"]), as_of=T0 + timedelta(days=1))
    assert report.detectors == ("encounter",)
    assert report.mode == "up_to_date"
    assert _events(store).equals(everything)


def test_bad_inputs_raise_config_errors() -> None:
    with pytest.raises(ConfigError, match="did you mean 'encounter'"):
        build_detect_config(only=["encounters"])
    with pytest.raises(ConfigError, match=r"unknown section \[detect.gaps\]"):
        build_detect_config({"detect": {"gaps": {}}})
    with pytest.raises(ConfigError, match=r"unknown section \[detec\]"):
        build_detect_config({"detec": {}})
    with pytest.raises(ConfigError, match="did you mean 'min_gap'"):
        build_detect_config({"detect": {"gap": {"min_gapp": "6h"}}})
    with pytest.raises(ConfigError, match="engine must be"):
        _run(MemoryStore(), engine="spark")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="UTC offset"):
        _run(MemoryStore(), as_of=datetime(2023, 10, 1))


def test_empty_store_gives_no_events() -> None:
    store = MemoryStore()
    report = _run(store)
    assert report.chunks == 0
    assert _events(store).equals(schema.empty(schema.EVENTS))


def test_dask_engine_gives_the_local_engines_events() -> None:
    pytest.importorskip("distributed")
    frame = pl.concat(_fleet(0) + _fleet(1))
    local = MemoryStore()
    _ingest(local, "f", frame)
    _run(local, dataclasses.replace(build_detect_config(), chunk_positions=100))
    remote = MemoryStore()
    _ingest(remote, "f", frame)
    report = _run(
        remote,
        dataclasses.replace(build_detect_config(), chunk_positions=100),
        engine="dask",
        dask_processes=False,
    )
    assert report.chunks > 1
    assert _events(remote).equals(_events(local))
