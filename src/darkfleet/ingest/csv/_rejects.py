"""Reject rules for decoded CSV rows: condition, reason and detail (ingest layer).

Imports only ``darkfleet.schema`` (through its sibling modules). The rules and their
priority are listed in ``_decode.py``'s docstring.
"""

from __future__ import annotations

import re

import polars as pl

from darkfleet.ingest.csv._formats import FormatSpec
from darkfleet.ingest.csv._values import (
    _SHAPES,
    MAX_TS,
    MIN_TS,
    POSITION_TYPES,
    STATIC_TYPES,
    _is_unparseable,
    _junk_to_null,
)


def _value_detail(column: str, name: str, problem: str) -> pl.Expr:
    safe = column.replace("{", "(").replace("}", ")")
    return pl.concat_str(
        pl.lit(f"column '{safe}' value '"), pl.col(name).fill_null(""), pl.lit(f"' {problem}")
    )


def _reject_checks(spec: FormatSpec, columns: dict[str, str]) -> list[tuple[pl.Expr, str, pl.Expr]]:
    """Every reject rule as (condition, reason, detail), in priority order."""

    def col_name(name: str) -> str:
        return columns.get(name, name)

    checks: list[tuple[pl.Expr, str, pl.Expr]] = []
    mmsi_raw = _junk_to_null("mmsi")
    id_text = "a hexadecimal id" if spec.id_kind == "hex" else "an integer MMSI"
    checks.append(
        (
            mmsi_raw.is_null(),
            "malformed",
            _value_detail(col_name("mmsi"), "mmsi", "is empty: every row needs a vessel id"),
        )
    )
    checks.append(
        (
            pl.col("mmsi_v").is_null(),
            "malformed",
            _value_detail(col_name("mmsi"), "mmsi", f"is not {id_text}"),
        )
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
                _value_detail(
                    col_name("ts"),
                    "ts",
                    f"is not a number of {spec.time_kind.removeprefix('epoch_')} since 1970",
                ),
            )
        )
    checks.append(
        (
            (pl.col("ts_v") < MIN_TS) | (pl.col("ts_v") >= MAX_TS),
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
        (
            _is_unparseable("msg_type"),
            "malformed",
            _value_detail(col_name("msg_type"), "msg_type", "is not a number"),
        )
    )
    checks.append(
        (
            pl.col("msg_n").is_not_null() & pl.col("msg_type_v").is_null(),
            "out of range",
            _value_detail(col_name("msg_type"), "msg_type", "is not an AIS message type 1..27"),
        )
    )
    ranges = [
        (
            "lat",
            "lat_n",
            (pl.col("lat_n").abs() > 90) & (pl.col("lat_n") != 91),
            "is outside -90..90 degrees (91 means not available)",
        ),
        (
            "lon",
            "lon_n",
            (pl.col("lon_n").abs() > 180) & (pl.col("lon_n") != 181),
            "is outside -180..180 degrees (181 means not available)",
        ),
        (
            "sog_knots",
            "sog_n",
            (pl.col("sog_n") < 0)
            | (
                pl.col("sog_n")
                > pl.when(pl.col("msg_type_v") == 9).then(pl.lit(1023.0)).otherwise(pl.lit(102.3))
                + 1e-6
            ),
            "is outside 0..102.2 knots (102.3 means not available; 0..1022 for SAR aircraft)",
        ),
        (
            "cog_deg",
            "cog_n",
            (pl.col("cog_n") < 0) | (pl.col("cog_n") > 360),
            "is outside 0..359.9 degrees (360 means not available)",
        ),
        (
            "heading_deg",
            "heading_n",
            (pl.col("heading_n") < 0)
            | ((pl.col("heading_n").round(0) > 359) & (pl.col("heading_n") != 511)),
            "is outside 0..359 degrees (511 means not available)",
        ),
    ]
    for name, _number_col, out_of_range, problem in ranges:
        checks.append(
            (
                _is_unparseable(name),
                "malformed",
                _value_detail(col_name(name), name, "is not a number"),
            )
        )
        scaled = f" after scaling by {spec.scales[name]}" if name in spec.scales else ""
        checks.append(
            (out_of_range, "out of range", _value_detail(col_name(name), name, problem + scaled))
        )
    nav_out = pl.col("nav_n").is_not_null() & pl.col("nav_status_v").is_null()
    if spec.nav_status_above_15_is_null:
        nav_out = nav_out & ~(pl.col("nav_n") > 15)
    checks.append(
        (
            nav_out,
            "out of range",
            _value_detail(
                col_name("nav_status"), "nav_status", "is not an AIS navigational status 0..15"
            ),
        )
    )
    is_other = pl.col("msg_type_v").is_not_null() & ~pl.col("msg_type_v").is_in(
        POSITION_TYPES + STATIC_TYPES
    )
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
        pl.coalesce(
            *[pl.when(cond.fill_null(False)).then(pl.lit(reason)) for cond, reason, _ in checks]
        ).alias("__reason"),
        pl.coalesce(
            *[pl.when(cond.fill_null(False)).then(detail) for cond, _, detail in checks]
        ).alias("__detail"),
    ]


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
