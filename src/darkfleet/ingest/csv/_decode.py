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
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import polars as pl

from darkfleet import schema
from darkfleet.errors import DecodeError
from darkfleet.ingest.csv._formats import FormatSpec
from darkfleet.ingest.csv._tables import (
    ATON_TYPE_PATTERN,
    CARGO_CATEGORY_DIGITS,
    CLASS_MSG_TYPES,
    MOBILE_TYPE_MSG_TYPES,
    NAV_STATUS_CODES,
    SHIP_TYPE_CODES,
    SHIP_TYPE_KEYWORDS,
    SHIP_TYPES_WITH_CATEGORY,
)

logger = logging.getLogger(__name__)

_JUNK: Final[list[str]] = ["", "null", "none", "nan", "na", "n/a", "unknown", "undefined", "-"]
_JUNK_CASED: Final[list[str]] = sorted({v for j in _JUNK for v in (j, j.upper(), j.title(), j.capitalize())} | {"NaN", "N/A"})
_TEXT_JUNK: Final[list[str]] = ["", "null", "none", "nan", "n/a"]
POSITION_TYPES: Final[list[int]] = [1, 2, 3, 9, 18, 19, 27]
STATIC_TYPES: Final[list[int]] = [5, 24]
IDENTITY_FIELDS: Final[tuple[str, ...]] = (
    "imo",
    "name",
    "callsign",
    "ship_type",
    "destination",
    "draught_m",
    "to_bow_m",
    "to_stern_m",
    "to_port_m",
    "to_starboard_m",
    "length_m",
    "beam_m",
)
_ALL_FIELDS: Final[tuple[str, ...]] = (
    "mmsi",
    "ts",
    "ts_ms",
    "lat",
    "lon",
    "sog_knots",
    "cog_deg",
    "heading_deg",
    "nav_status",
    "msg_type",
    "transceiver_class",
    "mobile_type",
    "cargo_type",
    "source",
    *IDENTITY_FIELDS,
)
_NUMERIC_FIELDS: Final[tuple[str, ...]] = (
    "mmsi",
    "lat",
    "lon",
    "sog_knots",
    "cog_deg",
    "heading_deg",
    "nav_status",
    "msg_type",
    "mobile_type",
    "imo",
    "ship_type",
    "draught_m",
    "to_bow_m",
    "to_stern_m",
    "to_port_m",
    "to_starboard_m",
    "length_m",
    "beam_m",
)
_STATE_KNOWN: Final = 0
_STATE_ATON: Final = 1
_STATE_UNKNOWN: Final = 2
_MIN_TS: Final = datetime(1980, 1, 1, tzinfo=UTC)
_MAX_TS: Final = datetime(2100, 1, 1, tzinfo=UTC)
#: first surrogate id for hashed (non-MMSI) vessel ids: above every 9-digit MMSI.
HEX_ID_BASE: Final[int] = 1_000_000_000
_SHAPES: Final[dict[str, str]] = {
    "Y": r"[+-]?\d{4}",
    "y": r"\d{2}",
    "m": r"\d{1,2}",
    "d": r"\d{1,2}",
    "e": r"\s?\d{1,2}",
    "H": r"\d{1,2}",
    "I": r"\d{1,2}",
    "M": r"\d{1,2}",
    "S": r"\d{1,2}",
    "f": r"\d+",
    "z": r"(?:[+-]\d{2}:?\d{2})",
    "b": r"[A-Za-z]{3}",
    "p": r"[AaPp][Mm]",
    "j": r"\d{1,3}",
}


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
        return pl.DataFrame(schema=dict.fromkeys([*names, "line_no", "raw"], pl.String())).with_columns(
            pl.col("line_no").cast(pl.Int64)
        ), rejects
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
            (pl.col(columns[name]).str.strip_chars() if name in columns else pl.lit(None, pl.String))
            .alias(name)
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
    is_ok = pl.lit(True)
    is_other = pl.col("msg_type_v").is_not_null() & ~pl.col("msg_type_v").is_in(
        POSITION_TYPES + STATIC_TYPES
    )
    is_position = (
        pl.col("has_position") & ~is_other & ~pl.col("msg_type_v").is_in(STATIC_TYPES).fill_null(False)
    )
    typed = typed.with_columns(
        __is_other=is_ok & is_other,
        __is_position=is_ok & is_position,
        __is_static=is_ok & ~is_other & pl.col("has_identity"),
    )
    source = pl.coalesce(pl.col("source"), pl.lit(file))
    provenance = [source.alias("source"), pl.lit(file_id).alias("file_id"), "line_no"]
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
    identity_only = typed.filter(
        pl.col("__is_static") & ~pl.col("__is_position")
    ).height
    return DecodedRows(
        positions=schema.conform(positions, schema.POSITIONS),
        static_candidates=schema.conform(statics, schema.STATICS),
        others=schema.conform(others, schema.OTHERS),
        rejects=schema.conform(rejects, schema.REJECTS),
        identity_only_rows=identity_only,
    )


# --------------------------------------------------------------------------- values


def _junk_to_null_raw(name: str) -> pl.Expr:
    value = pl.col(name)
    return pl.when(value.is_in(_JUNK_CASED)).then(None).otherwise(value)


def _junk_to_null(name: str) -> pl.Expr:
    """The field with junk as null (computed once per batch as ``<name>__c``)."""
    return pl.col(f"{name}__c")


def _number(name: str) -> pl.Expr:
    return _junk_to_null(name).cast(pl.Float64, strict=False)


def _is_unparseable(name: str) -> pl.Expr:
    return _junk_to_null(name).is_not_null() & _number(name).is_null()


def _map_distinct(frame: pl.DataFrame, name: str, to_code: pl.Expr, *, alias: str) -> pl.Expr:
    """Apply ``to_code`` (an expression on column ``name``) to the distinct values only.

    Text-to-code lookups (regexes, tables) cost per value; an export repeats a few dozen
    texts millions of times, so compute them once per distinct text and map back.
    """
    distinct = frame.select(pl.col(name).drop_nulls().unique())
    codes = distinct.select(pl.col(name), to_code.alias("__code"))
    return (
        pl.col(name)
        .replace_strict(codes[name], codes["__code"], default=None, return_dtype=pl.Int64)
        .alias(alias)
    )


def _text_code_exprs(frame: pl.DataFrame) -> list[pl.Expr]:
    return [
        _map_distinct(frame, "nav_status", _lookup("nav_status", NAV_STATUS_CODES), alias="nav_text_code"),
        _map_distinct(frame, "mobile_type", _lookup("mobile_type", MOBILE_TYPE_MSG_TYPES), alias="mobile_code"),
        _map_distinct(frame, "transceiver_class", _lookup("transceiver_class", CLASS_MSG_TYPES), alias="class_code"),
        _map_distinct(frame, "ship_type", _ship_text_code(), alias="ship_text_code"),
        _map_distinct(
            frame, "ship_type", _ship_text_state(), alias="ship_text_state"
        ),
        _map_distinct(frame, "cargo_type", _lookup("cargo_type", CARGO_CATEGORY_DIGITS), alias="cargo_digit"),
    ]


def _normalised_text(name: str) -> pl.Expr:
    return pl.col(name).str.to_lowercase().str.replace_all(r"[^0-9a-z]", "")


def _lookup(name: str, table: dict[str, int]) -> pl.Expr:
    return _normalised_text(name).replace_strict(
        list(table), list(table.values()), default=None, return_dtype=pl.Int64
    )


def _clean_text(name: str) -> pl.Expr:
    text = pl.col(name).str.strip_chars(" @\t")
    return pl.when(text.str.to_lowercase().is_in(_TEXT_JUNK)).then(None).otherwise(text)


def _positive_int(value: pl.Expr, high: int) -> pl.Expr:
    rounded = value.round(0)
    return pl.when((rounded >= 1) & (rounded <= high)).then(rounded).otherwise(None).cast(pl.Int64)


def _value_exprs(spec: FormatSpec) -> list[pl.Expr]:
    scale = spec.scales
    sog = _number("sog_knots") * scale.get("sog_knots", 1.0)
    cog = _number("cog_deg") * scale.get("cog_deg", 1.0)
    heading = _number("heading_deg")
    lat = _number("lat") * scale.get("lat", 1.0)
    lon = _number("lon") * scale.get("lon", 1.0)
    nav_number = _number("nav_status")
    nav_text = pl.col("nav_text_code")
    msg_number = _number("msg_type")
    mobile = pl.col("mobile_code")
    klass = pl.col("class_code")
    is_aton_text = (pl.col("ship_text_state") == _STATE_ATON) & _number("ship_type").is_null()
    draught = _number("draught_m") * scale.get("draught_m", 1.0)
    return [
        _mmsi_expr(spec).alias("mmsi_v"),
        lat.alias("lat_n"),
        lon.alias("lon_n"),
        pl.when(lat == 91).then(None).otherwise(lat).alias("lat_v"),
        pl.when(lon == 181).then(None).otherwise(lon).alias("lon_v"),
        sog.alias("sog_n"),
        pl.when((sog - 102.3).abs() < 1e-6).then(None).otherwise(sog).cast(pl.Float32).alias("sog_v"),
        cog.alias("cog_n"),
        pl.when(cog == 360).then(None).otherwise(cog).cast(pl.Float32).alias("cog_v"),
        heading.alias("heading_n"),
        pl.when(heading == 511).then(None).otherwise(heading.round(0) % 360).cast(pl.Int16).alias("heading_v"),
        nav_number.alias("nav_n"),
        (_junk_to_null("nav_status").is_not_null() & nav_number.is_null() & nav_text.is_null()).alias(
            "nav_unknown_text"
        ),
        pl.coalesce(
            pl.when(nav_number.is_between(0, 15) & (nav_number.round(0) == nav_number)).then(nav_number),
            nav_text,
        )
        .cast(pl.Int8)
        .alias("nav_status_v"),
        msg_number.alias("msg_n"),
        (_junk_to_null("mobile_type").is_not_null() & mobile.is_null()).alias("mobile_unsupported"),
        pl.coalesce(
            pl.when(msg_number.is_between(1, 27) & (msg_number.round(0) == msg_number)).then(msg_number),
            mobile,
            klass,
            pl.when(is_aton_text).then(pl.lit(21)),
        )
        .cast(pl.Int8)
        .alias("msg_type_v"),
        klass.alias("class_msg_type"),
        _imo_expr().alias("imo_v"),
        _clean_text("name").alias("name_v"),
        _clean_text("callsign").alias("callsign_v"),
        _clean_text("destination").alias("destination_v"),
        _ship_type_expr().alias("ship_type_v"),
        pl.when((draught > 0) & (draught <= 25.5)).then(draught).cast(pl.Float32).alias("draught_m_v"),
        *[
            _positive_int(_number(name) * scale.get(name, 1.0), 1022).cast(pl.Int16).alias(f"{name}_n")
            for name in ("to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m", "length_m", "beam_m")
        ],
    ]


def _derived_exprs() -> list[pl.Expr]:
    length = pl.coalesce(pl.col("length_m_n"), pl.col("to_bow_m_n") + pl.col("to_stern_m_n"))
    beam = pl.coalesce(pl.col("beam_m_n"), pl.col("to_port_m_n") + pl.col("to_starboard_m_n"))
    identity = [
        "imo_v",
        "name_v",
        "callsign_v",
        "ship_type_v",
        "destination_v",
        "draught_m_v",
        "to_bow_m_n",
        "to_stern_m_n",
        "to_port_m_n",
        "to_starboard_m_n",
        "length_m_n",
        "beam_m_n",
    ]
    return [
        *[pl.col(f"{name}_n").alias(f"{name}_v") for name in ("to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m")],
        length.cast(pl.Int16).alias("length_m_v"),
        beam.cast(pl.Int16).alias("beam_m_v"),
        (pl.col("lat_v").is_not_null() & pl.col("lon_v").is_not_null()).alias("has_position"),
        pl.any_horizontal(*[pl.col(name).is_not_null() for name in identity]).alias("has_identity"),
    ]


def _mmsi_expr(spec: FormatSpec) -> pl.Expr:
    value = _junk_to_null("mmsi")
    if spec.id_kind == "hex":
        digits = value.str.strip_prefix("0x").str.strip_prefix("0X")
        parsed = digits.str.slice(0, 12).str.to_integer(base=16, strict=False)
        is_hex = digits.str.contains(r"^[0-9a-fA-F]+$")
        return pl.when(is_hex).then(parsed + HEX_ID_BASE).otherwise(None).cast(pl.Int64)
    as_float = value.cast(pl.Float64, strict=False)
    return pl.coalesce(
        value.cast(pl.Int64, strict=False),
        pl.when(as_float.round(0) == as_float).then(as_float).cast(pl.Int64, strict=False),
    )


def _with_times(frame: pl.DataFrame, spec: FormatSpec) -> pl.DataFrame:
    """Add ``ts_v``: the row's time as UTC microseconds, null where it cannot be parsed.

    strftime formats are tried in order, each only while some times are still unparsed
    (one Python step per format and batch, not per row).
    """
    text = pl.col("ts")
    if spec.time_kind in ("epoch_s", "epoch_ms"):
        per_unit = 1_000_000 if spec.time_kind == "epoch_s" else 1_000
        micros = (text.cast(pl.Float64, strict=False) * per_unit).round(0)
        parsed = (
            pl.when(micros.abs() < 1e17)
            .then(micros)
            .cast(pl.Int64)
            .cast(pl.Datetime("us"))
            .dt.replace_time_zone("UTC")
        )
        frame = frame.with_columns(parsed.alias("ts_v"))
    else:
        iso = text.str.replace(r"[Zz]$", "+00:00")
        frame = frame.with_columns(pl.lit(None, schema.UTC_US).alias("ts_v"))
        for fmt in spec.time_formats:
            pending = frame.select((pl.col("ts_v").is_null() & text.is_not_null()).sum()).item()
            if not pending:
                break
            frame = frame.with_columns(
                pl.coalesce(
                    "ts_v", iso.str.to_datetime(fmt, time_unit="us", time_zone="UTC", strict=False)
                ).alias("ts_v")
            )
    millis = pl.col("ts_ms").cast(pl.Int64, strict=False)
    extra = pl.when(millis.is_between(0, 999)).then(millis).otherwise(0)
    return frame.with_columns(
        (pl.col("ts_v") + pl.duration(milliseconds=extra)).cast(schema.UTC_US).alias("ts_v")
    )


def _time_shape(fmt: str) -> str:
    """Regex matching the *shape* of a time written in ``fmt`` (digits where digits go)."""
    out: list[str] = []
    index = 0
    while index < len(fmt):
        char = fmt[index]
        if char == "%" and index + 1 < len(fmt):
            token = fmt[index + 1]
            if token == "." and fmt[index + 2 : index + 3] == "f":
                out.append(r"(?:\.\d+)?")
                index += 3
                continue
            out.append("%" if token == "%" else _SHAPES.get(token, ".+?"))
            index += 2
        else:
            out.append(re.escape(char))
            index += 1
    return "".join(out)


def _imo_expr() -> pl.Expr:
    digits = (
        _junk_to_null("imo")
        .str.strip_prefix("IMO")
        .str.strip_prefix("imo")
        .str.strip_chars_start()
        .cast(pl.Float64, strict=False)
    )
    return _positive_int(digits, 999_999_999)


def _ship_text_code() -> pl.Expr:
    """Ship-type code from text: the exact table first, then keywords (run on distinct texts)."""
    norm = _normalised_text("ship_type")
    known = norm.is_in(list(SHIP_TYPE_CODES))
    exact = norm.replace_strict(
        list(SHIP_TYPE_CODES), list(SHIP_TYPE_CODES.values()), default=None, return_dtype=pl.Int64
    )
    lower = pl.col("ship_type").str.to_lowercase()
    keyword: pl.Expr = pl.lit(None, pl.Int64)
    for pattern, code in reversed(SHIP_TYPE_KEYWORDS):
        keyword = pl.when(lower.str.contains(pattern)).then(pl.lit(code, pl.Int64)).otherwise(keyword)
    return pl.when(known).then(exact).otherwise(keyword)


def _ship_text_state() -> pl.Expr:
    """Whether a ship-type text is known, an aid to navigation, or unknown (distinct texts)."""
    norm = _normalised_text("ship_type")
    lower = pl.col("ship_type").str.to_lowercase()
    return (
        pl.when(lower.str.to_lowercase().is_in(_JUNK) | norm.is_in(list(SHIP_TYPE_CODES)))
        .then(pl.lit(_STATE_KNOWN))
        .when(lower.str.contains(ATON_TYPE_PATTERN))
        .then(pl.lit(_STATE_ATON))
        .when(_ship_text_code().is_not_null() | lower.cast(pl.Float64, strict=False).is_not_null())
        .then(pl.lit(_STATE_KNOWN))
        .otherwise(pl.lit(_STATE_UNKNOWN))
    )


def _ship_type_expr() -> pl.Expr:
    number = _number("ship_type")
    coded = pl.when(
        (number.round(0) == number)
        & (number.is_between(1, 255) | number.is_between(1001, 1025))
    ).then(number)
    from_text = pl.col("ship_text_code")
    digit = pl.col("cargo_digit").fill_null(0)
    with_category = pl.when(from_text.is_in(list(SHIP_TYPES_WITH_CATEGORY))).then(from_text + digit).otherwise(
        from_text
    )
    return pl.coalesce(coded, pl.when(number.is_null()).then(with_category)).cast(pl.Int16)


def _static_msg_type() -> pl.Expr:
    """AIS type of a static row: the row's own 5/24/19, else 5 for class A, 24 for class B."""
    msg = pl.col("msg_type_v")
    return (
        pl.when(msg.is_in([5, 24, 19]))
        .then(msg)
        .when(msg.is_in([1, 2, 3, 27]))
        .then(pl.lit(5))
        .when(msg == 18)
        .then(pl.lit(24))
        .when(msg.is_null() & (pl.col("class_msg_type") == 1))
        .then(pl.lit(5))
        .when(msg.is_null() & (pl.col("class_msg_type") == 18))
        .then(pl.lit(24))
        .otherwise(None)
        .cast(pl.Int8)
    )


# --------------------------------------------------------------------------- rejects


def _value_detail(column: str, name: str, problem: str) -> pl.Expr:
    safe = column.replace("{", "(").replace("}", ")")
    return pl.concat_str(
        pl.lit(f"column '{safe}' value '"), pl.col(name).fill_null(""), pl.lit(f"' {problem}")
    )


def _reject_checks(
    spec: FormatSpec, columns: dict[str, str]
) -> list[tuple[pl.Expr, str, pl.Expr]]:
    """Every reject rule as (condition, reason, detail), in priority order."""
    def col_name(name: str) -> str:
        return columns.get(name, name)

    checks: list[tuple[pl.Expr, str, pl.Expr]] = []
    mmsi_raw = _junk_to_null("mmsi")
    id_text = "a hexadecimal id" if spec.id_kind == "hex" else "an integer MMSI"
    checks.append(
        (mmsi_raw.is_null(), "malformed", _value_detail(col_name("mmsi"), "mmsi", "is empty: every row needs a vessel id"))
    )
    checks.append(
        (pl.col("mmsi_v").is_null(), "malformed", _value_detail(col_name("mmsi"), "mmsi", f"is not {id_text}"))
    )
    if spec.id_kind == "mmsi":
        checks.append(
            (
                ~pl.col("mmsi_v").is_between(1, 999_999_999),
                "out of range",
                _value_detail(col_name("mmsi"), "mmsi", "is outside the MMSI range 1..999999999"),
            )
        )
    ts_raw = pl.col("ts")
    checks.append(
        (
            ts_raw.is_null() | (ts_raw == ""),
            "no timestamp",
            pl.lit(f"column '{col_name('ts')}' is empty: every row needs a UTC time"),
        )
    )
    if spec.time_kind == "strftime":
        formats = " or ".join(f"'{fmt}'" for fmt in spec.time_formats)
        shape = "|".join(f"(?:{_time_shape(fmt)})" for fmt in spec.time_formats)
        looks_like_time = ts_raw.str.replace(r"[Zz]$", "+00:00").str.contains(f"^(?:{shape})$")
        checks.append(
            (
                pl.col("ts_v").is_null() & looks_like_time,
                "out of range",
                _value_detail(col_name("ts"), "ts", f"is not a real date and time ({formats})"),
            )
        )
        checks.append(
            (
                pl.col("ts_v").is_null(),
                "malformed",
                _value_detail(col_name("ts"), "ts", f"does not match the time format {formats}"),
            )
        )
    else:
        checks.append(
            (
                pl.col("ts_v").is_null(),
                "malformed",
                _value_detail(col_name("ts"), "ts", f"is not a number of {spec.time_kind.removeprefix('epoch_')} since 1970"),
            )
        )
    checks.append(
        (
            (pl.col("ts_v") < _MIN_TS) | (pl.col("ts_v") >= _MAX_TS),
            "out of range",
            _value_detail(col_name("ts"), "ts", "is before 1980 or after 2099, not an AIS time"),
        )
    )
    checks.append(
        (
            pl.col("mobile_unsupported"),
            "unsupported",
            _value_detail(
                col_name("mobile_type"),
                "mobile_type",
                "is not a kind of transmitter darkfleet reads (Class A, Class B, SAR airborne, "
                "Base Station, AtoN, Search and Rescue Transponder)",
            ),
        )
    )
    checks.append(
        (_is_unparseable("msg_type"), "malformed", _value_detail(col_name("msg_type"), "msg_type", "is not a number"))
    )
    checks.append(
        (
            pl.col("msg_n").is_not_null() & pl.col("msg_type_v").is_null(),
            "out of range",
            _value_detail(col_name("msg_type"), "msg_type", "is not an AIS message type 1..27"),
        )
    )
    ranges = [
        ("lat", "lat_n", (pl.col("lat_n").abs() > 90) & (pl.col("lat_n") != 91), "is outside -90..90 degrees (91 means not available)"),
        ("lon", "lon_n", (pl.col("lon_n").abs() > 180) & (pl.col("lon_n") != 181), "is outside -180..180 degrees (181 means not available)"),
        ("sog_knots", "sog_n", (pl.col("sog_n") < 0) | (pl.col("sog_n") > 102.3 + 1e-6), "is outside 0..102.2 knots (102.3 means not available)"),
        ("cog_deg", "cog_n", (pl.col("cog_n") < 0) | (pl.col("cog_n") > 360), "is outside 0..359.9 degrees (360 means not available)"),
        ("heading_deg", "heading_n", (pl.col("heading_n") < 0) | ((pl.col("heading_n").round(0) > 359) & (pl.col("heading_n") != 511)), "is outside 0..359 degrees (511 means not available)"),
    ]
    for name, _number_col, out_of_range, problem in ranges:
        checks.append((_is_unparseable(name), "malformed", _value_detail(col_name(name), name, "is not a number")))
        scaled = f" after scaling by {spec.scales[name]}" if name in spec.scales else ""
        checks.append((out_of_range, "out of range", _value_detail(col_name(name), name, problem + scaled)))
    nav_out = pl.col("nav_n").is_not_null() & pl.col("nav_status_v").is_null()
    if spec.nav_status_above_15_is_null:
        nav_out = nav_out & ~(pl.col("nav_n") > 15)
    checks.append(
        (nav_out, "out of range", _value_detail(col_name("nav_status"), "nav_status", "is not an AIS navigational status 0..15"))
    )
    is_other = pl.col("msg_type_v").is_not_null() & ~pl.col("msg_type_v").is_in(POSITION_TYPES + STATIC_TYPES)
    no_data = ~is_other & ~pl.col("has_position") & ~pl.col("has_identity")
    was_sentinel = (pl.col("lat_n") == 91) | (pl.col("lon_n") == 181)
    no_data_detail = pl.concat_str(
        pl.lit(f"no position (column '{col_name('lat')}' value '"),
        pl.col("lat").fill_null(""),
        pl.lit(f"', column '{col_name('lon')}' value '"),
        pl.col("lon").fill_null(""),
        pl.lit("') and no identity fields: nothing to keep"),
    )
    checks.append((no_data & was_sentinel, "out of range", no_data_detail))
    checks.append((no_data, "malformed", no_data_detail))
    return checks


def _reason_exprs(checks: list[tuple[pl.Expr, str, pl.Expr]]) -> list[pl.Expr]:
    """``__reason`` and ``__detail`` of the first failing check."""
    return [
        pl.coalesce(*[pl.when(cond.fill_null(False)).then(pl.lit(reason)) for cond, reason, _ in checks]).alias(
            "__reason"
        ),
        pl.coalesce(*[pl.when(cond.fill_null(False)).then(detail) for cond, _, detail in checks]).alias(
            "__detail"
        ),
    ]


def _log_unknown_codes(typed: pl.DataFrame, file: str) -> None:
    """Log texts that could not be turned into codes (their fields became null)."""
    unknown_ship = pl.col("ship_text_state") == _STATE_UNKNOWN
    for label, mask, name in (
        ("navigational status", pl.col("nav_unknown_text"), "nav_status"),
        ("ship type", unknown_ship, "ship_type"),
    ):
        counts = typed.filter(mask.fill_null(False)).group_by(name).len().sort("len", descending=True)
        if counts.height:
            shown = ", ".join(f"{value!r} x{count}" for value, count in counts.head(5).iter_rows())
            logger.warning(
                "%s: %d unknown %s text(s) stored as null: %s", file, int(counts["len"].sum()), label, shown
            )
