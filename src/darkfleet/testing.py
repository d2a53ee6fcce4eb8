"""Public helpers to build canonical frames in tests and notebooks.

``make_track`` builds a straight-line track in ``schema.POSITIONS`` form, moving at a
constant speed and course (dead reckoning on a sphere), so tests state behaviour in
domain terms instead of hand-typed coordinates.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.units import EARTH_RADIUS_M, MPS_PER_KNOT

__all__ = ["make_track"]


def make_track(
    *,
    mmsi: int = 273_000_001,
    start_ts: datetime = datetime(2023, 10, 1, tzinfo=UTC),
    step: timedelta = timedelta(minutes=2),
    n: int = 30,
    lat: float = 42.0,
    lon: float = 132.0,
    sog_knots: float = 10.0,
    cog_deg: float = 90.0,
    msg_type: int = 1,
    source: str = "test",
) -> pl.DataFrame:
    """Return ``n`` positions of one vessel sailing a constant course and speed.

    Parameters
    ----------
    mmsi : the vessel's MMSI.
    start_ts : time of the first position (timezone-aware UTC).
    step : time between positions.
    n : number of positions.
    lat, lon : first position in WGS84 degrees.
    sog_knots : speed over ground; 0 gives a vessel at rest.
    cog_deg : course over ground, degrees clockwise from north.
    msg_type : AIS message type recorded for every row.
    source : receiver/source name recorded for every row.

    Returns
    -------
    A frame with exactly ``schema.POSITIONS``'s columns, sorted by ``ts``.

    Examples
    --------
    >>> track = make_track(n=3, sog_knots=0.0)
    >>> track.height, track["lat"].to_list()
    (3, [42.0, 42.0, 42.0])
    """
    if start_ts.tzinfo is None:
        raise TypeError("start_ts must be timezone-aware UTC, e.g. datetime(..., tzinfo=UTC)")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    elapsed_s = np.arange(n, dtype=np.float64) * step.total_seconds()
    angular = sog_knots * MPS_PER_KNOT * elapsed_s / EARTH_RADIUS_M
    phi1 = math.radians(lat)
    lmb1 = math.radians(lon)
    theta = math.radians(cog_deg)
    phi2 = np.arcsin(
        math.sin(phi1) * np.cos(angular) + math.cos(phi1) * np.sin(angular) * math.cos(theta)
    )
    lmb2 = lmb1 + np.arctan2(
        math.sin(theta) * np.sin(angular) * math.cos(phi1),
        np.cos(angular) - math.sin(phi1) * np.sin(phi2),
    )
    lons = (np.degrees(lmb2) + 540.0) % 360.0 - 180.0
    frame = pl.DataFrame(
        {
            "mmsi": [mmsi] * n,
            "ts": [start_ts + step * i for i in range(n)],
            "lat": np.degrees(phi2),
            "lon": lons,
            "sog_knots": [sog_knots] * n,
            "cog_deg": [cog_deg] * n,
            "heading_deg": [round(cog_deg) % 360] * n,
            "nav_status": [0] * n,
            "msg_type": [msg_type] * n,
            "source": [source] * n,
            "file_id": ["0" * 16] * n,
            "line_no": list(range(1, n + 1)),
        }
    )
    return schema.conform(frame, schema.POSITIONS)
