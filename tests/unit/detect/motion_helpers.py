"""Builders shared by the motion detector tests (gaps, loitering, encounters, spoofing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.detect.context import DistanceGrid, GeoContext
from darkfleet.testing import make_track

T0 = datetime(2023, 10, 1, tzinfo=UTC)
METRES_PER_DEG_LAT = 111_195.08


def sea_grid(value_km: float = 250.0) -> DistanceGrid:
    """A 1-degree world grid with one value everywhere (open sea by default)."""
    return DistanceGrid(np.full((180, 360), value_km, np.float32), -90.0, -180.0, 1.0)


def ports_frame(rows: list[tuple[str, str, str, float, float]]) -> pl.DataFrame:
    """``schema.PORTS`` from (port_id, name, country, lat, lon) tuples."""
    frame = pl.DataFrame(rows, schema=["port_id", "name", "country", "lat", "lon"], orient="row")
    return schema.conform(frame, schema.PORTS)


def context(
    *,
    shore: DistanceGrid | None = None,
    ports: list[tuple[str, str, str, float, float]] | None = None,
    sensitive: frozenset[str] = frozenset(),
) -> GeoContext:
    """A GeoContext from small hand-made parts."""
    return GeoContext(
        ports=ports_frame(ports) if ports else schema.empty(schema.PORTS),
        sensitive_port_ids=sensitive,
        shore=shore,
    )


def stationary(
    mmsi: int,
    *,
    start: datetime = T0,
    duration: timedelta,
    step: timedelta = timedelta(minutes=5),
    lat: float = 42.0,
    lon: float = 132.0,
    sog_knots: float = 0.5,
) -> pl.DataFrame:
    """Positions at one place every ``step`` from ``start`` to ``start + duration``."""
    n = int(duration / step) + 1
    track = make_track(mmsi=mmsi, start_ts=start, step=step, n=n, lat=lat, lon=lon, sog_knots=0.0)
    return track.with_columns(pl.lit(sog_knots, dtype=pl.Float32).alias("sog_knots"))


def north_of(lat: float, metres: float) -> float:
    """Latitude ``metres`` north of ``lat``."""
    return lat + metres / METRES_PER_DEG_LAT
