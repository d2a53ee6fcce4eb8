"""Private helpers shared by the motion detectors (pure; imports only core modules).

- ``sorted_positions``: validate, collect and order a positions frame by (mmsi, ts)
  without touching the caller's frame (a sorted input is detected and not re-sorted).
- ``details_json``: canonical JSON text for the ``details`` column (keys sorted).
- ``iso_ts``: ISO 8601 UTC text ending in ``Z`` for timestamps inside details.
- ``check_*``: parameter validation that raises ``ConfigError`` naming field, value, range
  and unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet.errors import ConfigError


def sorted_positions(
    positions: pl.DataFrame | pl.LazyFrame,
    *,
    what: str = "positions",
    drop_msg_types: tuple[int, ...] = (),
    columns: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """Return the usable rows of ``positions`` ordered by (mmsi, ts, lat, lon), as a new frame.

    Usable: non-null ``mmsi``, ``ts``, ``lat`` and ``lon`` (a report without a position
    says nothing about where the ship was). Rows whose ``msg_type`` is in
    ``drop_msg_types`` are dropped (e.g. 9, SAR aircraft). ``columns`` limits the copy to
    the columns a detector reads (only those, and ``msg_type`` when dropping types, must
    be present: the engine reads no others). Input already in that order, as the store keeps it, is
    not sorted again; ties in (mmsi, ts) are ordered by position so that results never
    depend on the input's row order.
    """
    if not isinstance(positions, pl.DataFrame | pl.LazyFrame):
        raise TypeError(
            f"{what} must be a polars DataFrame or LazyFrame, got {type(positions).__name__}"
        )
    required = schema.POSITIONS
    if columns is not None:
        wanted = {*columns, *(("msg_type",) if drop_msg_types else ())}
        required = {name: dtype for name, dtype in schema.POSITIONS.items() if name in wanted}
    schema.require(positions, required, what=what)
    keep = (
        pl.col("mmsi").is_not_null()
        & pl.col("ts").is_not_null()
        & pl.col("lat").is_not_null()
        & pl.col("lon").is_not_null()
        & pl.col("lat").is_finite()
        & pl.col("lon").is_finite()
    )
    if drop_msg_types:
        keep = keep & ~pl.col("msg_type").fill_null(-1).is_in(list(drop_msg_types))
    if isinstance(positions, pl.DataFrame):
        # eager input: select without copying; filter only when some row is unusable
        frame = positions.select(columns) if columns is not None else positions
        if not _all_usable(positions, drop_msg_types):
            frame = positions.filter(keep)
            frame = frame.select(columns) if columns is not None else frame
    else:
        lazy = positions.filter(keep)
        frame = (lazy.select(columns) if columns is not None else lazy).collect()
    if frame.height < 2:
        return frame
    mmsi = frame["mmsi"].to_numpy()
    ts = frame["ts"].dt.epoch("us").to_numpy()
    step_mmsi = np.diff(mmsi)
    step_ts = np.diff(ts)
    is_ordered = bool(np.all(step_mmsi >= 0) and np.all((step_ts >= 0) | (step_mmsi != 0)))
    if is_ordered:
        ties = np.flatnonzero((step_ts == 0) & (step_mmsi == 0))
        if len(ties):  # equal (mmsi, ts): position order decides (rare; checked on ties only)
            lat = frame["lat"].to_numpy()
            lon = frame["lon"].to_numpy()
            d_lat = lat[ties + 1] - lat[ties]
            d_lon = lon[ties + 1] - lon[ties]
            is_ordered = bool(np.all((d_lat > 0) | ((d_lat == 0) & (d_lon >= 0))))
    if is_ordered:
        return frame
    return frame.sort(["mmsi", "ts", "lat", "lon"], maintain_order=True)


def _all_usable(frame: pl.DataFrame, drop_msg_types: tuple[int, ...]) -> bool:
    """True when no row needs dropping (null counts are metadata; NaN and type checks scan)."""
    if any(frame[name].null_count() for name in ("mmsi", "ts", "lat", "lon")):
        return False
    if not (
        np.isfinite(frame["lat"].to_numpy()).all() and np.isfinite(frame["lon"].to_numpy()).all()
    ):
        return False
    if drop_msg_types:
        return not bool(frame.select(pl.col("msg_type").is_in(list(drop_msg_types)).any()).item())
    return True


def iso_ts(expr: pl.Expr) -> pl.Expr:
    """ISO 8601 UTC text ending in ``Z`` (fraction only when non-zero)."""
    return expr.dt.convert_time_zone("UTC").dt.to_string("%Y-%m-%dT%H:%M:%S%.fZ")


def details_json(fields: Mapping[str, pl.Expr]) -> pl.Expr:
    """Canonical JSON object text from named expressions, keys sorted (as ``sort_keys``).

    Nested structs must be built with sorted field names by the caller (``sorted_struct``).
    NaN and null values encode as JSON ``null``.
    """
    return (
        pl.struct([fields[name].alias(name) for name in sorted(fields)])
        .struct.json_encode()
        .alias("details")
    )


def sorted_struct(fields: Mapping[str, pl.Expr]) -> pl.Expr:
    """A struct expression with fields in sorted order (for nested details)."""
    return pl.struct([fields[name].alias(name) for name in sorted(fields)])


def check_positive(owner: str, name: str, value: float, unit: str, *, upper: float) -> None:
    """Raise ``ConfigError`` unless 0 < value <= upper."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not (0 < value <= upper):
        raise ConfigError(
            f"{owner}.{name} must be > 0 and <= {upper} {unit}, got {value!r}; "
            f"give a number of {unit}"
        )


def check_non_negative(owner: str, name: str, value: float, unit: str, *, upper: float) -> None:
    """Raise ``ConfigError`` unless 0 <= value <= upper."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not (0 <= value <= upper):
        raise ConfigError(
            f"{owner}.{name} must be >= 0 and <= {upper} {unit}, got {value!r}; "
            f"give a number of {unit}"
        )


def check_duration(
    owner: str, name: str, value: timedelta, *, lower: timedelta, upper: timedelta
) -> None:
    """Raise ``ConfigError`` unless ``value`` is a timedelta with lower < value <= upper."""
    if not isinstance(value, timedelta) or not (lower < value <= upper):
        raise ConfigError(
            f"{owner}.{name} must be a timedelta > {lower} and <= {upper}, got {value!r}; "
            'e.g. timedelta(hours=6) (in TOML: "6h")'
        )


def vessel_first_index(mmsi: np.ndarray) -> np.ndarray:
    """For rows sorted by mmsi: index of the first row of each row's vessel."""
    n = len(mmsi)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    is_first = np.ones(n, dtype=bool)
    is_first[1:] = mmsi[1:] != mmsi[:-1]
    starts = np.flatnonzero(is_first)
    return np.asarray(starts[np.cumsum(is_first) - 1], dtype=np.int64)


def count_in_window_before(
    mmsi: np.ndarray, ts_us: np.ndarray, rows: np.ndarray, window_us: int
) -> np.ndarray:
    """Rows of the same vessel with ts in [ts[row] - window, ts[row]], for given rows.

    ``mmsi``/``ts_us`` sorted by (mmsi, ts); ``rows`` in any order. A vectorised binary
    search over all
    queries at once: the first row r <= row with (mmsi[r], ts[r]) >= (mmsi[row],
    ts[row] - window) in lexicographic order; about log2(n) steps of O(len(rows)) work,
    never touching the whole frame.
    """
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    target_mmsi = mmsi[rows]
    target_ts = ts_us[rows] - window_us
    lo = np.zeros(len(rows), dtype=np.int64)
    hi = rows.copy()
    while True:  # at most ceil(log2(n)) + 1 rounds
        active = lo < hi
        if not active.any():
            break
        mid = (lo + hi) // 2
        m = mmsi[mid]
        is_at_or_after = (m > target_mmsi) | ((m == target_mmsi) & (ts_us[mid] >= target_ts))
        hi = np.where(active & is_at_or_after, mid, hi)
        lo = np.where(active & ~is_at_or_after, mid + 1, lo)
    return rows - lo + 1
