"""Helpers that detectors use to write their evidence (pure, detect layer).

``details`` is canonical JSON text: keys sorted, instants as ISO 8601 UTC ending in ``Z``,
units in key names. Building it with Polars struct encoding keeps it vectorised.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from darkfleet.detect._prep import sorted_positions

ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%.fZ"


def iso_ts(expr: pl.Expr) -> pl.Expr:
    """Format a ``Datetime("us", "UTC")`` expression as ISO 8601 ending in ``Z``.

    Whole seconds print without a fraction; sub-second instants keep 3 or 6 digits.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> frame = pl.DataFrame({"ts": [datetime(2023, 10, 1, 12, tzinfo=UTC)]})
    >>> frame.select(iso_ts(pl.col("ts"))).item()
    '2023-10-01T12:00:00Z'
    """
    return expr.dt.strftime(ISO_FORMAT)


def json_object(**fields: pl.Expr) -> pl.Expr:
    """Canonical JSON text of the given fields (keys sorted), one object per row.

    Examples
    --------
    >>> frame = pl.DataFrame({"a": [1], "b": ["x"]})
    >>> frame.select(json_object(zeta=pl.col("a"), alpha=pl.col("b"))).item()
    '{"alpha":"x","zeta":1}'
    """
    ordered = [fields[name].alias(name) for name in sorted(fields)]
    return pl.struct(ordered).struct.json_encode()


def nearest_positions(
    anchors: pl.DataFrame,
    positions: pl.DataFrame | pl.LazyFrame | None,
    *,
    on: str,
    tolerance: timedelta,
) -> pl.DataFrame:
    """Add ``lat``/``lon`` of each vessel's position nearest in time to column ``on``.

    ``anchors`` has ``mmsi`` and the Datetime column ``on``; rows keep their order. Null
    when ``positions`` is None, the vessel has no position, or the nearest is more than
    ``tolerance`` away. Several positions at one instant resolve to the smallest latitude,
    then longitude; both sides are sorted first, so the answer does not depend on the
    caller's row order.
    """
    if positions is None or anchors.is_empty():
        return anchors.with_columns(
            pl.lit(None, dtype=pl.Float64).alias("lat"), pl.lit(None, dtype=pl.Float64).alias("lon")
        )
    wanted = anchors.get_column("mmsi").unique().implode()
    # (mmsi, ts, lat, lon) order, sorted only when the input is not (the store's is)
    ordered = sorted_positions(positions, columns=("mmsi", "ts", "lat", "lon"))
    ordered = ordered.filter(pl.col("mmsi").is_in(wanted))
    # the first row of each (mmsi, ts): the smallest latitude, then longitude
    is_first = (pl.col("mmsi") != pl.col("mmsi").shift(1)) | (pl.col("ts") != pl.col("ts").shift(1))
    fixes = ordered.filter(is_first.fill_null(True)).rename({"ts": "_pos_ts"})
    keyed = anchors.with_row_index("_row").sort(["mmsi", on])
    joined = keyed.join_asof(
        fixes,
        left_on=on,
        right_on="_pos_ts",
        by="mmsi",
        strategy="nearest",
        tolerance=tolerance,
        check_sortedness=False,
    )
    return joined.sort("_row").drop("_row", "_pos_ts")
