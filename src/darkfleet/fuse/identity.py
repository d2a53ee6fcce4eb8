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

__all__ = [
    "IDENTITY_FIELDS",
    "IDENTITY_PERIODS",
    "IMO_PAIRINGS",
    "identity_periods",
    "imo_pairings",
    "with_flag",
]

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

#: One row per (IMO, MMSI) that reported it: the per-IMO view of the timeline. ``flag``
#: comes from the MMSI's MID; the span runs from the first to the last report of that
#: IMO by that MMSI, whatever else the MMSI reported in between.
IMO_PAIRINGS: Final[schema.Schema] = {
    "imo": pl.Int64(),
    "mmsi": pl.Int64(),
    "flag": pl.String(),
    "first_seen": schema.UTC_US,
    "last_seen": schema.UTC_US,
    "reports": pl.UInt32(),
    "first_file_id": pl.String(),
    "first_line_no": pl.Int64(),
    "last_file_id": pl.String(),
    "last_line_no": pl.Int64(),
}

_STATIC_FIELDS: Final = ("name", "imo", "callsign", "ship_type", "length_m", "beam_m")
#: Report order inside one vessel: time, then the raw line (ties broken by provenance).
_REPORT_ORDER: Final = ("ts", "file_id", "line_no")


def with_flag(frame: pl.DataFrame, mid_table: pl.DataFrame) -> pl.DataFrame:
    """Add ``flag`` (ISO 3166 alpha-3 of the MMSI's MID, null when unassigned) to ``frame``.

    Examples
    --------
    >>> mids = pl.DataFrame({"mid": [273], "iso3": ["RUS"]})
    >>> with_flag(pl.DataFrame({"mmsi": [273_000_001, 999_000_001]}), mids)["flag"].to_list()
    ['RUS', None]
    """
    flags = mid_table.select(pl.col("mid").cast(pl.Int16), pl.col("iso3").alias("flag"))
    return (
        frame.with_columns(mmsi_mid(pl.col("mmsi")).alias("_mid"))
        .join(flags, left_on="_mid", right_on="mid", how="left", maintain_order="left")
        .drop("_mid")
    )


def _span_aggs() -> list[pl.Expr]:
    """First/last report of a group already sorted by ``_REPORT_ORDER``, with provenance."""
    return [
        pl.col("ts").first().alias("first_seen"),
        pl.col("ts").last().alias("last_seen"),
        pl.len().cast(pl.UInt32).alias("reports"),
        pl.col("file_id").first().alias("first_file_id"),
        pl.col("line_no").first().alias("first_line_no"),
        pl.col("file_id").last().alias("last_file_id"),
        pl.col("line_no").last().alias("last_line_no"),
    ]


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
    ordered = statics.sort("mmsi", *_REPORT_ORDER, nulls_last=True)
    as_text = [pl.col(f).cast(pl.String).alias(f) for f in _STATIC_FIELDS]
    wide = with_flag(ordered.with_columns(as_text), mid_table)
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
        .agg(pl.col("value").first(), *_span_aggs())
    )
    return schema.conform(periods, IDENTITY_PERIODS)


def imo_pairings(statics: pl.DataFrame, mid_table: pl.DataFrame) -> pl.DataFrame:
    """Return every (IMO, MMSI) pairing in ``statics``: which MMSIs reported each IMO, when.

    This is the timeline seen from the IMO, the hull's lifelong number: a ship re-flagged
    to a new registry gets a new MMSI (a new MID) but keeps its IMO, so its pairings
    follow one another in time; two MMSIs reporting one IMO at the same time mean one of
    them is not that ship. IMO 0 and nulls ("not available") make no pairing.

    Parameters
    ----------
    statics
        Static reports with the columns of ``schema.STATICS`` (any row order).
    mid_table
        The ITU MID table (``mid``, ``iso3``), for each MMSI's flag.

    Returns
    -------
    pl.DataFrame
        ``IMO_PAIRINGS``, sorted by ``imo``, ``first_seen``, ``mmsi``.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> statics = schema.conform(pl.DataFrame({
    ...     "mmsi": [273_000_001, 273_000_001, 445_000_001],
    ...     "ts": [datetime(2023, 9, d, tzinfo=UTC) for d in (1, 2, 5)],
    ...     "imo": [9_161_003] * 3,
    ... }), schema.STATICS)
    >>> mids = pl.DataFrame({"mid": [273, 445], "iso3": ["RUS", "PRK"]})
    >>> imo_pairings(statics, mids).select("imo", "mmsi", "flag", "reports").rows()
    [(9161003, 273000001, 'RUS', 2), (9161003, 445000001, 'PRK', 1)]
    """
    schema.require(statics, schema.STATICS, what="static reports")
    pairings = (
        statics.filter(pl.col("imo").is_not_null() & (pl.col("imo") > 0))
        .sort("imo", "mmsi", *_REPORT_ORDER, nulls_last=True)
        .group_by("imo", "mmsi", maintain_order=True)
        .agg(*_span_aggs())
    )
    pairings = with_flag(pairings, mid_table).sort("imo", "first_seen", "mmsi")
    return schema.conform(pairings, IMO_PAIRINGS)
