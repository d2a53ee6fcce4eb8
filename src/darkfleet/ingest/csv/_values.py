"""Typed values from a CSV row's strings: junk and sentinels to null, codes from text (ingest layer).

Imports only ``darkfleet.schema``. Private helpers of ``darkfleet.ingest.csv``; every
function returns Polars expressions or runs one Polars step per batch, never per row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

import polars as pl

from darkfleet import schema
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

_JUNK: Final[list[str]] = ["", "null", "none", "nan", "na", "n/a", "unknown", "undefined", "-"]
_JUNK_CASED: Final[list[str]] = sorted(
    {v for j in _JUNK for v in (j, j.upper(), j.title(), j.capitalize())} | {"NaN", "N/A"}
)
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
MIN_TS: Final = datetime(1980, 1, 1, tzinfo=UTC)
MAX_TS: Final = datetime(2100, 1, 1, tzinfo=UTC)
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
        _map_distinct(
            frame, "nav_status", _lookup("nav_status", NAV_STATUS_CODES), alias="nav_text_code"
        ),
        _map_distinct(
            frame, "mobile_type", _lookup("mobile_type", MOBILE_TYPE_MSG_TYPES), alias="mobile_code"
        ),
        _map_distinct(
            frame,
            "transceiver_class",
            _lookup("transceiver_class", CLASS_MSG_TYPES),
            alias="class_code",
        ),
        _map_distinct(frame, "ship_type", _ship_text_code(), alias="ship_text_code"),
        _map_distinct(frame, "ship_type", _ship_text_state(), alias="ship_text_state"),
        _map_distinct(
            frame, "cargo_type", _lookup("cargo_type", CARGO_CATEGORY_DIGITS), alias="cargo_digit"
        ),
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
        cog.alias("cog_n"),
        pl.when(cog == 360).then(None).otherwise(cog).cast(pl.Float32).alias("cog_v"),
        heading.alias("heading_n"),
        pl.when(heading == 511)
        .then(None)
        .otherwise(heading.round(0) % 360)
        .cast(pl.Int16)
        .alias("heading_v"),
        nav_number.alias("nav_n"),
        (
            _junk_to_null("nav_status").is_not_null() & nav_number.is_null() & nav_text.is_null()
        ).alias("nav_unknown_text"),
        pl.coalesce(
            pl.when(nav_number.is_between(0, 15) & (nav_number.round(0) == nav_number)).then(
                nav_number
            ),
            nav_text,
        )
        .cast(pl.Int8)
        .alias("nav_status_v"),
        msg_number.alias("msg_n"),
        (_junk_to_null("mobile_type").is_not_null() & mobile.is_null()).alias("mobile_unsupported"),
        pl.coalesce(
            pl.when(msg_number.is_between(1, 27) & (msg_number.round(0) == msg_number)).then(
                msg_number
            ),
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
        pl.when((draught > 0) & (draught <= 25.5))
        .then(draught)
        .cast(pl.Float32)
        .alias("draught_m_v"),
        *[
            _positive_int(_number(name) * scale.get(name, 1.0), 1022)
            .cast(pl.Int16)
            .alias(f"{name}_n")
            for name in (
                "to_bow_m",
                "to_stern_m",
                "to_port_m",
                "to_starboard_m",
                "length_m",
                "beam_m",
            )
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
    # SAR aircraft (type 9) report SOG in whole knots, 1023 = not available (ITU-R M.1371-5
    # Table 48); ships report tenths, 102.3 = not available.
    sog = pl.col("sog_n")
    is_aircraft = (pl.col("msg_type_v") == 9).fill_null(False)
    sog_na = pl.when(is_aircraft).then(pl.lit(1023.0)).otherwise(pl.lit(102.3))
    return [
        pl.when((sog - sog_na).abs() < 1e-6)
        .then(None)
        .otherwise(sog)
        .cast(pl.Float32)
        .alias("sog_v"),
        *[
            pl.col(f"{name}_n").alias(f"{name}_v")
            for name in ("to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m")
        ],
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
        keyword = (
            pl.when(lower.str.contains(pattern)).then(pl.lit(code, pl.Int64)).otherwise(keyword)
        )
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
        (number.round(0) == number) & (number.is_between(1, 255) | number.is_between(1001, 1025))
    ).then(number)
    from_text = pl.col("ship_text_code")
    digit = pl.col("cargo_digit").fill_null(0)
    with_category = (
        pl.when(from_text.is_in(list(SHIP_TYPES_WITH_CATEGORY)))
        .then(from_text + digit)
        .otherwise(from_text)
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
