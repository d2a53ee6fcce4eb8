"""Vectorised decoding of CSV text lines into canonical frames (ingest layer).

Imports only ``darkfleet.schema`` and ``darkfleet.errors``. Every step is a Polars
expression over the whole batch: lines are checked for structure (balanced quotes, field
count), parsed as strings by Polars' CSV reader, then cast with ``strict=False`` and
validated with masks. There is no per-row Python.

Rules (the module's contract, tested in ``tests/unit/ingest/test_csv*.py``)
--------------------------------------------------------------------------
- Junk becomes null: empty strings and ``null``, ``none``, ``nan``, ``na``, ``n/a``,
  ``unknown``, ``undefined``, ``-`` in numeric columns. AIS "not available" sentinels
  become null: lat 91, lon 181, SOG 102.3, COG 360, heading 511.
- A row is rejected (``schema.REJECTS``), first failing check wins:
  ``malformed``: unbalanced quotes, wrong field count, an empty or non-integer id, an
  unparseable number or time; ``no timestamp``: empty time; ``out of range``: id outside
  1..999,999,999, time not a real date or outside 1980..2099, lat/lon/SOG/COG/heading/
  nav status/message type outside their AIS ranges; ``unsupported``: a DMA ``Type of
  mobile`` darkfleet does not read. Rows without a position (lat/lon missing or
  "not available") and without any identity field are rejected too (``out of range``
  when lat/lon were the 91/181 sentinels, ``malformed`` when empty).
- Accepted rows go to exactly one place: ``positions`` (position report types 1, 2, 3,
  9, 18, 19, 27, or no type given, with lat and lon); ``others`` (base stations, aids to
  navigation and every other message type, ``schema.OTHERS``); or, for rows with no
  position but identity fields (DMA's type-5 rows, ``msg_type`` 5/24 rows), nowhere but
  the statics candidates (counted as ``identity_only_rows``).
- Identity fields are read leniently: an unparseable or out-of-range IMO, ship type,
  draught or dimension becomes null without rejecting the row, because the row's
  position is still good evidence. Unknown ship-type or nav-status texts are logged.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from darkfleet import schema
from darkfleet.errors import DecodeError
from darkfleet.ingest.csv._formats import FormatSpec
from darkfleet.ingest.csv._rejects import _reason_exprs, _reject_checks
from darkfleet.ingest.csv._values import (
    _ALL_FIELDS,
    _NUMERIC_FIELDS,
    _STATE_UNKNOWN,
    HEX_ID_BASE,
    IDENTITY_FIELDS,
    POSITION_TYPES,
    STATIC_TYPES,
    _derived_exprs,
    _junk_to_null_raw,
    _static_msg_type,
    _text_code_exprs,
    _value_exprs,
    _with_times,
)

__all__ = ["HEX_ID_BASE", "IDENTITY_FIELDS", "DecodedRows", "decode_rows", "parse_lines"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DecodedRows:
    """One batch after decoding, before statics are reduced to changes."""

    positions: pl.DataFrame
    static_candidates: pl.DataFrame
    others: pl.DataFrame
    rejects: pl.DataFrame
    identity_only_rows: int


def parse_lines(
    lines: pl.DataFrame, names: Sequence[str], separator: str, *, file: str, file_id: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse data lines (``line_no``, ``raw``) into string columns named ``names``.

    Returns the parsed rows (``names`` plus ``line_no`` and ``raw``) and the rejects for
    lines with unbalanced quotes or a field count different from the header's.
    """
    raw = pl.col("raw")
    checked = lines.with_columns(__quotes=raw.str.count_matches('"', literal=True))
    has_quotes = checked.select((pl.col("__quotes") > 0).any()).item()
    # Separators inside quoted fields do not count; the regex runs only if quotes occur.
    unquoted = raw.str.replace_all(r'"[^"]*"', "") if has_quotes else raw
    checked = checked.with_columns(__fields=unquoted.str.count_matches(separator, literal=True) + 1)
    is_bad_quote = pl.col("__quotes") % 2 == 1
    is_bad_count = pl.col("__fields") != len(names)
    bad = checked.filter(is_bad_quote | is_bad_count)
    rejects = bad.select(
        pl.lit(file).alias("file"),
        pl.lit(file_id).alias("file_id"),
        "line_no",
        "raw",
        pl.lit("malformed").alias("reason"),
        pl.when(is_bad_quote)
        .then(pl.lit("unbalanced double quote: a quoted field is not closed on this line"))
        .otherwise(
            pl.concat_str(
                pl.lit("line has "),
                pl.col("__fields").cast(pl.String),
                pl.lit(f" fields, the header has {len(names)} (separator {separator!r})"),
            )
        )
        .alias("detail"),
    )
    good = checked.filter(~(is_bad_quote | is_bad_count)).select("line_no", "raw")
    if good.height == 0:
        return pl.DataFrame(
            schema=dict.fromkeys([*names, "line_no", "raw"], pl.String())
        ).with_columns(pl.col("line_no").cast(pl.Int64)), rejects
    text = good.select(pl.col("raw").str.join("\n")).item()
    fields = pl.read_csv(
        io.BytesIO(text.encode()),
        has_header=False,
        new_columns=list(names),
        separator=separator,
        quote_char='"',
        infer_schema=False,
    )
    if fields.height != good.height:
        raise DecodeError(
            f"{file}: CSV parser returned {fields.height} rows for {good.height} lines "
            f"between lines {good['line_no'][0]} and {good['line_no'][-1]}; "
            "this is a darkfleet bug, please report it with the file"
        )
    return fields.with_columns(good["line_no"], good["raw"]), rejects


def decode_rows(
    fields: pl.DataFrame, spec: FormatSpec, columns: dict[str, str], *, file: str, file_id: str
) -> DecodedRows:
    """Decode parsed string rows into positions, statics candidates, others and rejects."""
    strings = fields.select(
        "line_no",
        "raw",
        *[
            (
                pl.col(columns[name]).str.strip_chars()
                if name in columns
                else pl.lit(None, pl.String)
            ).alias(name)
            for name in _ALL_FIELDS
        ],
    )
    cleaned = strings.with_columns(
        [_junk_to_null_raw(name).alias(f"{name}__c") for name in _NUMERIC_FIELDS]
    )
    cleaned = cleaned.with_columns(_text_code_exprs(cleaned))
    cleaned = _with_times(cleaned, spec)
    typed = cleaned.with_columns(_value_exprs(spec))
    typed = typed.with_columns(_derived_exprs())
    checks = _reject_checks(spec, columns)
    # Cheap boolean masks for every row; reasons and detail texts only for failing rows.
    typed = typed.with_columns(
        __bad=pl.any_horizontal(*[cond.fill_null(False) for cond, _, _ in checks])
    )
    failing = typed.filter("__bad").with_columns(_reason_exprs(checks))
    typed = typed.filter(~pl.col("__bad"))
    _log_unknown_codes(typed, file)
    is_other = pl.col("msg_type_v").is_not_null() & ~pl.col("msg_type_v").is_in(
        POSITION_TYPES + STATIC_TYPES
    )
    is_position = (
        pl.col("has_position")
        & ~is_other
        & ~pl.col("msg_type_v").is_in(STATIC_TYPES).fill_null(False)
    )
    typed = typed.with_columns(
        __is_other=is_other,
        __is_position=is_position,
        __is_static=~is_other & pl.col("has_identity"),
    )
    source = pl.coalesce(pl.col("source"), pl.lit(file))
    provenance: list[pl.Expr] = [
        source.alias("source"),
        pl.lit(file_id).alias("file_id"),
        pl.col("line_no"),
    ]
    positions = typed.filter("__is_position").select(
        pl.col("mmsi_v").alias("mmsi"),
        pl.col("ts_v").alias("ts"),
        pl.col("lat_v").alias("lat"),
        pl.col("lon_v").alias("lon"),
        pl.col("sog_v").alias("sog_knots"),
        pl.col("cog_v").alias("cog_deg"),
        pl.col("heading_v").alias("heading_deg"),
        pl.col("nav_status_v").alias("nav_status"),
        pl.col("msg_type_v").alias("msg_type"),
        *provenance,
    )
    others = typed.filter("__is_other").select(
        pl.col("mmsi_v").alias("mmsi"),
        pl.col("ts_v").alias("ts"),
        pl.col("msg_type_v").alias("msg_type"),
        pl.col("lat_v").alias("lat"),
        pl.col("lon_v").alias("lon"),
        pl.col("name_v").alias("name"),
        *provenance,
    )
    statics = typed.filter("__is_static").select(
        pl.col("mmsi_v").alias("mmsi"),
        pl.col("ts_v").alias("ts"),
        *[pl.col(f"{name}_v").alias(name) for name in IDENTITY_FIELDS],
        _static_msg_type().alias("msg_type"),
        *provenance,
    )
    rejects = failing.select(
        pl.lit(file).alias("file"),
        pl.lit(file_id).alias("file_id"),
        "line_no",
        "raw",
        pl.col("__reason").alias("reason"),
        pl.col("__detail").alias("detail"),
    )
    identity_only = typed.filter(pl.col("__is_static") & ~pl.col("__is_position")).height
    return DecodedRows(
        positions=schema.conform(positions, schema.POSITIONS),
        static_candidates=schema.conform(statics, schema.STATICS),
        others=schema.conform(others, schema.OTHERS),
        rejects=schema.conform(rejects, schema.REJECTS),
        identity_only_rows=identity_only,
    )


def _log_unknown_codes(typed: pl.DataFrame, file: str) -> None:
    """Log texts that could not be turned into codes (their fields became null)."""
    unknown_ship = pl.col("ship_text_state") == _STATE_UNKNOWN
    for label, mask, name in (
        ("navigational status", pl.col("nav_unknown_text"), "nav_status"),
        ("ship type", unknown_ship, "ship_type"),
    ):
        counts = (
            typed.filter(mask.fill_null(False)).group_by(name).len().sort("len", descending=True)
        )
        if counts.height:
            shown = ", ".join(f"{value!r} x{count}" for value, count in counts.head(5).iter_rows())
            logger.warning(
                "%s: %d unknown %s text(s) stored as null: %s",
                file,
                int(counts["len"].sum()),
                label,
                shown,
            )
