"""Vessel identity over time: what each MMSI said it was, and when (fuse layer).

An *identity period* is a run of static reports in which one MMSI kept one value of one
identity field: the name ``LADY R`` from the first report that carried it to the last
before the name changed. A field whose value returns (A, B, A) gives three periods, so
the timeline shows the change and the change back. Each period names the first and the
last report behind it (``file_id`` and ``line_no``, the raw line an analyst can read).

Fields: ``name``, ``callsign``, ``imo``, ``ship_type``, ``length_m``, ``beam_m`` from
the static reports (AIS types 5, 19, 24), and ``flag`` (ISO 3166 alpha-3) from the
MMSI's Maritime Identification Digits via the ITU table, spanning every report of the
MMSI. Empty text and AIS "not available" values are nulls in the store and make no
period.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from darkfleet import schema
from darkfleet.detect.invalid_identity import mmsi_mid

__all__ = ["IDENTITY_FIELDS", "IDENTITY_PERIODS", "identity_periods"]

#: Identity fields, in the order a dossier shows them.
IDENTITY_FIELDS: Final[tuple[str, ...]] = (
    "name",
    "imo",
    "callsign",
    "flag",
    "ship_type",
    "length_m",
    "beam_m",
)

#: One row per (MMSI, field, run of one value). ``value`` is text (IMO and dimensions as
#: digits) so that one column holds every field.
IDENTITY_PERIODS: Final[schema.Schema] = {
    "mmsi": pl.Int64(),
    "field": pl.String(),
    "value": pl.String(),
    "first_seen": schema.UTC_US,
    "last_seen": schema.UTC_US,
    "reports": pl.UInt32(),
    "first_file_id": pl.String(),
    "first_line_no": pl.Int64(),
    "last_file_id": pl.String(),
    "last_line_no": pl.Int64(),
}

_STATIC_FIELDS: Final = ("name", "imo", "callsign", "ship_type", "length_m", "beam_m")


def identity_periods(statics: pl.DataFrame, mid_table: pl.DataFrame) -> pl.DataFrame:
    """Return the identity periods of every MMSI in ``statics``.

    Parameters
    ----------
    statics
        Static reports with the columns of ``schema.STATICS`` (any row order).
    mid_table
        The ITU MID table with columns ``mid`` and ``iso3``
        (``darkfleet.reference.load_mid_table()``).

    Returns
    -------
    pl.DataFrame
        ``IDENTITY_PERIODS``, sorted by ``mmsi``, field order of ``IDENTITY_FIELDS``,
        then ``first_seen``.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> statics = schema.conform(pl.DataFrame({
    ...     "mmsi": [273_000_001] * 3,
    ...     "ts": [datetime(2023, 9, d, tzinfo=UTC) for d in (1, 2, 3)],
    ...     "name": ["LADY R", "ANGARA", "LADY R"],
    ... }), schema.STATICS)
    >>> mids = pl.DataFrame({"mid": [273], "iso3": ["RUS"]})
    >>> periods = identity_periods(statics, mids)
    >>> periods.select("field", "value", "reports").rows()
    [('name', 'LADY R', 1), ('name', 'ANGARA', 1), ('name', 'LADY R', 1), ('flag', 'RUS', 3)]
    """
    schema.require(statics, schema.STATICS, what="static reports")
    ordered = statics.sort("mmsi", "ts", "file_id", "line_no", nulls_last=True)
    as_text = [pl.col(f).cast(pl.String).alias(f) for f in _STATIC_FIELDS]
    flags = mid_table.select(pl.col("mid").cast(pl.Int16), pl.col("iso3").alias("flag"))
    wide = ordered.with_columns(as_text).with_columns(mmsi_mid(pl.col("mmsi")).alias("mid"))
    wide = wide.join(flags, on="mid", how="left", maintain_order="left")
    long = wide.unpivot(
        on=[*_STATIC_FIELDS, "flag"],
        index=["mmsi", "ts", "file_id", "line_no"],
        variable_name="field",
        value_name="value",
    ).filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
    order = pl.DataFrame(
        {"field": list(IDENTITY_FIELDS), "_order": list(range(len(IDENTITY_FIELDS)))}
    )
    long = long.join(order, on="field", maintain_order="left").sort(
        "mmsi", "_order", "ts", "file_id", "line_no", nulls_last=True
    )
    new_run = (
        (pl.col("value") != pl.col("value").shift(1).over("mmsi", "field"))
        .fill_null(True)
        .cum_sum()
    )
    periods = (
        long.with_columns(new_run.alias("_run"))
        .group_by("mmsi", "_order", "field", "_run", maintain_order=True)
        .agg(
            pl.col("value").first(),
            pl.col("ts").first().alias("first_seen"),
            pl.col("ts").last().alias("last_seen"),
            pl.len().cast(pl.UInt32).alias("reports"),
            pl.col("file_id").first().alias("first_file_id"),
            pl.col("line_no").first().alias("first_line_no"),
            pl.col("file_id").last().alias("last_file_id"),
            pl.col("line_no").last().alias("last_line_no"),
        )
    )
    return schema.conform(periods, IDENTITY_PERIODS)
