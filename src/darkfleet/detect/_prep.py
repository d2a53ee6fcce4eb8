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

US_PER_HOUR = 3_600_000_000


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
    the columns a detector reads. Input already in that order, as the store keeps it, is
    not sorted again; ties in (mmsi, ts) are ordered by position so that results never
    depend on the input's row order.
    """
    if not isinstance(positions, pl.DataFrame | pl.LazyFrame):
        raise TypeError(
            f"{what} must be a polars DataFrame or LazyFrame, got {type(positions).__name__}"
        )
    schema.require(positions, schema.POSITIONS, what=what)
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
    lazy = positions.lazy().filter(keep)
    if columns is not None:
        lazy = lazy.select(columns)
    frame = lazy.collect()
    if frame.height < 2:
        return frame
    mmsi = frame["mmsi"].to_numpy()
    ts = frame["ts"].dt.epoch("us").to_numpy()
    lat = frame["lat"].to_numpy()
    lon = frame["lon"].to_numpy()
    same_mmsi = mmsi[1:] == mmsi[:-1]
    same_ts = same_mmsi & (ts[1:] == ts[:-1])
    same_lat = same_ts & (lat[1:] == lat[:-1])
    is_ordered = bool(
        np.all(mmsi[1:] >= mmsi[:-1])
        and np.all(~same_mmsi | (ts[1:] >= ts[:-1]))
        and np.all(~same_ts | (lat[1:] >= lat[:-1]))
        and np.all(~same_lat | (lon[1:] >= lon[:-1]))
    )
    if is_ordered:
        return frame
    return frame.sort(["mmsi", "ts", "lat", "lon"], maintain_order=True)


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

    ``mmsi``/``ts_us`` sorted by (mmsi, ts). Uses one global ``searchsorted`` on a
    strictly vessel-separated time axis: each vessel's times are shifted so that vessels
    follow each other with a gap wider than ``window_us``; processed in batches when the
    shifted axis would overflow int64 (rare: thousands of vessel-years).
    """
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    first = vessel_first_index(mmsi)
    rel = ts_us - ts_us[first]
    is_first = np.zeros(len(mmsi), dtype=bool)
    is_first[first] = True
    starts = np.flatnonzero(is_first)
    span = np.maximum.reduceat(rel, starts) + window_us + 1
    vessel_no = np.cumsum(is_first) - 1
    # int64 cumsum wraps on overflow; differences of wrapped sums stay exact while the true
    # difference fits, so each batch's offsets are taken relative to the batch's first vessel.
    with np.errstate(over="ignore"):
        base = np.cumsum(span) - span
    batch_of_vessel = np.floor(np.cumsum(span.astype(np.float64)) / 2.0**61).astype(np.int64)
    batch_start = np.searchsorted(batch_of_vessel, batch_of_vessel, side="left")
    with np.errstate(over="ignore"):
        base_in_batch = base - base[batch_start]
    axis = base_in_batch[vessel_no] + rel
    batch = batch_of_vessel[vessel_no]
    out = np.zeros(len(rows), dtype=np.int64)
    for batch_id in np.unique(batch[rows]):  # almost always one batch; never per vessel
        in_batch = np.flatnonzero(batch == batch_id)
        sub_axis = axis[in_batch]
        mask = batch[rows] == batch_id
        q = axis[rows[mask]]
        lo = np.searchsorted(sub_axis, q - window_us, side="left")
        hi = np.searchsorted(sub_axis, q, side="right")
        out[mask] = hi - lo
    return out
