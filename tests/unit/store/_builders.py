"""Builders for the store tests: small canonical frames in domain terms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from darkfleet import schema
from darkfleet.testing import make_track

INGESTED_AT = datetime(2024, 1, 2, tzinfo=UTC)


def positions_across_midnight(file_id: str = "a" * 16, *, n: int = 40) -> pl.DataFrame:
    """Two vessels, interleaved in arrival order, from 23:00 to 00:18 UTC."""
    start = datetime(2023, 10, 1, 23, tzinfo=UTC)
    tracks = [
        make_track(mmsi=mmsi, start_ts=start, step=timedelta(minutes=2), n=n)
        for mmsi in (273_000_002, 273_000_001)
    ]
    return (
        pl.concat(tracks)
        .sort("ts", maintain_order=True)
        .with_columns(pl.lit(file_id).alias("file_id"))
    )


def statics_frame(mmsi: int = 273_000_001) -> pl.DataFrame:
    """One type 5 report of ``mmsi``."""
    frame = pl.DataFrame(
        {
            "mmsi": [mmsi],
            "ts": [datetime(2023, 10, 1, 12, tzinfo=UTC)],
            "imo": [9_000_001],
            "name": ["ANGARA"],
            "msg_type": [5],
        }
    )
    return schema.conform(frame, schema.STATICS)


def rejects_frame(reasons: list[str], file_id: str = "a" * 16) -> pl.DataFrame:
    """One reject row per reason."""
    frame = pl.DataFrame(
        {
            "file": ["x.nmea"] * len(reasons),
            "file_id": [file_id] * len(reasons),
            "line_no": list(range(1, len(reasons) + 1)),
            "raw": ["!AIVDM,garbage"] * len(reasons),
            "reason": reasons,
            "detail": ["test"] * len(reasons),
        }
    )
    return schema.conform(frame, schema.REJECTS)


def events_frame(rows: list[tuple[str, str, int, int]]) -> pl.DataFrame:
    """Events from ``(event_id, type, mmsi, start hour)`` tuples, one hour long each."""
    base = datetime(2023, 10, 1, tzinfo=UTC)
    frame = pl.DataFrame(
        {
            "event_id": [r[0] for r in rows],
            "type": [r[1] for r in rows],
            "mmsi": [r[2] for r in rows],
            "start_ts": [base + timedelta(hours=r[3]) for r in rows],
            "end_ts": [base + timedelta(hours=r[3] + 1) for r in rows],
            "lat": [42.0] * len(rows),
            "lon": [132.0] * len(rows),
            "details": ["{}"] * len(rows),
        }
    )
    return schema.conform(frame, schema.EVENTS)
