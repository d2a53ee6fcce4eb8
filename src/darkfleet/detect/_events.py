"""Event identity and parameter fingerprints shared by every detector (pure)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import timedelta
from typing import Any

import polars as pl

from darkfleet import schema


def _jsonable(value: Any) -> Any:
    if isinstance(value, timedelta):
        return {"seconds": value.total_seconds()}
    if isinstance(value, tuple | list | frozenset | set):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, frozenset | set) else items
    return value


def params_fingerprint(params: object) -> str:
    """Return the first 16 hex digits of the SHA-256 of a parameter dataclass's canonical JSON.

    Examples
    --------
    >>> @dataclasses.dataclass(frozen=True)
    ... class P:
    ...     min_gap: timedelta = timedelta(hours=6)
    >>> params_fingerprint(P()) == params_fingerprint(P())
    True
    >>> params_fingerprint(P()) == params_fingerprint(P(timedelta(hours=5)))
    False
    """
    if not dataclasses.is_dataclass(params) or isinstance(params, type):
        raise TypeError(f"params must be a dataclass instance, got {type(params).__name__}")
    fields = {f.name: _jsonable(getattr(params, f.name)) for f in dataclasses.fields(params)}
    canonical = json.dumps(
        {"class": type(params).__name__, "fields": fields}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def event_id_expr(event_type: str, fingerprint: str, *, with_key: bool = False) -> pl.Expr:
    """Stable event id: hash of type, ``mmsi``, ``start_ts`` (integer µs) and parameters.

    Uses columns ``mmsi`` and ``start_ts`` (and ``other_mmsi`` when present in the frame,
    via ``pl.col`` at evaluation). Never hashes formatted floats. The hash is SHA-256
    (through Python's hashlib, applied to a compact key string), so ids are stable across
    Polars versions and machines. ``with_key`` also hashes the String column
    ``event_key``, which tells apart events of one vessel that start at the same instant
    (e.g. an invalid IMO and an unassigned MID); ids without it are unchanged.
    """
    parts = [
        pl.lit(f"{event_type}|{fingerprint}|"),
        pl.col("mmsi").cast(pl.String),
        pl.lit("|"),
        pl.col("start_ts").dt.epoch("us").cast(pl.String),
        pl.lit("|"),
        pl.col("other_mmsi").cast(pl.String).fill_null(""),
    ]
    if with_key:
        parts += [pl.lit("|"), pl.col("event_key").cast(pl.String).fill_null("")]
    key = pl.concat_str(parts)
    return key.map_batches(
        lambda keys: pl.Series(
            [hashlib.sha256(k.encode()).hexdigest()[:20] for k in keys.to_list()], dtype=pl.String
        ),
        return_dtype=pl.String,
    ).alias("event_id")


def finish_events(frame: pl.DataFrame, event_type: str, fingerprint: str) -> pl.DataFrame:
    """Give a detector's raw events ids and the canonical ``schema.EVENTS`` columns, sorted.

    ``frame`` needs ``mmsi``, ``start_ts``, ``end_ts``, ``lat``, ``lon`` and may carry the
    optional event columns; ``details`` must already be JSON text when present. A String
    column ``event_key``, when present, joins the id hash (see ``event_id_expr``) and is
    then dropped.
    """
    if "other_mmsi" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("other_mmsi"))
    frame = frame.with_columns(pl.lit(event_type).alias("type"))
    frame = frame.with_columns(
        event_id_expr(event_type, fingerprint, with_key="event_key" in frame.columns)
    )
    return schema.conform(frame, schema.EVENTS).sort(["mmsi", "start_ts", "event_id"])
