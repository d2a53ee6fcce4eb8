from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import polars as pl

from darkfleet.detect._events import finish_events


def frame(**extra: list[str]) -> pl.DataFrame:
    t = datetime(2023, 1, 1, tzinfo=UTC)
    return pl.DataFrame(
        {
            "mmsi": [1, 1],
            "start_ts": [t, t],
            "end_ts": [t, t],
            "lat": [0.0, 0.0],
            "lon": [0.0, 0.0],
            **extra,
        }
    )


def test_event_key_tells_apart_events_starting_together() -> None:
    events = finish_events(frame(event_key=["a", "b"]), "invalid_identity", "f")
    assert events["event_id"].n_unique() == 2
    assert "event_key" not in events.columns


def test_ids_without_event_key_are_unchanged_by_the_option() -> None:
    plain = finish_events(frame().head(1), "gap", "f")["event_id"][0]
    epoch_us = 1_672_531_200_000_000  # 2023-01-01T00:00Z
    assert plain == hashlib.sha256(f"gap|f|1|{epoch_us}|".encode()).hexdigest()[:20]
    keyed = finish_events(frame(event_key=["x", "x"]).head(1), "gap", "f")["event_id"][0]
    assert keyed != plain
