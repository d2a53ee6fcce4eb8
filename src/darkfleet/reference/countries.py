"""ISO 3166-1 country codes and the MMSI MID table (reference layer).

Both tables ship as CSV in ``darkfleet/reference/data`` (built with pycountry at build time
by ``scripts/build_reference.py``; nothing here needs pycountry). Imports only ``errors``.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Final

import polars as pl

__all__ = ["MID_TABLE", "load_country_codes", "load_mid_table", "to_alpha3"]

#: Columns of the MID table.
MID_TABLE: Final[dict[str, pl.DataType]] = {
    "mid": pl.Int16(),
    "country_name": pl.String(),
    "iso2": pl.String(),
    "iso3": pl.String(),
    "itu_name": pl.String(),
}


def _data_path(name: str) -> Path:
    return Path(str(resources.files("darkfleet.reference") / "data" / name))


@functools.cache
def _country_codes() -> pl.DataFrame:
    # Read every column as text: "NA" is Namibia's code, not a missing value.
    return pl.read_csv(_data_path("iso3166.csv"), infer_schema=False, empty_string_is_null=False)


@functools.cache
def _mid_table() -> pl.DataFrame:
    table = pl.read_csv(_data_path("mid.csv"), infer_schema=False, empty_string_is_null=False)
    return table.select(pl.col(name).cast(dtype) for name, dtype in MID_TABLE.items())


def load_country_codes() -> pl.DataFrame:
    """Return every ISO 3166-1 country: ``alpha2``, ``alpha3``, ``name`` (249 rows).

    Examples
    --------
    >>> codes = load_country_codes()
    >>> codes.filter(pl.col("alpha2") == "KP")["alpha3"].item()
    'PRK'
    """
    return _country_codes().clone()


@functools.cache
def _alpha3_lookup() -> dict[str, str]:
    codes = _country_codes()
    lookup = dict(zip(codes["alpha2"].to_list(), codes["alpha3"].to_list(), strict=True))
    lookup.update({code: code for code in codes["alpha3"].to_list()})
    return lookup


def to_alpha3(code: str) -> str | None:
    """Return the ISO 3166-1 alpha-3 code for an alpha-2 or alpha-3 code, None if unknown.

    Examples
    --------
    >>> to_alpha3("ru"), to_alpha3("PRK"), to_alpha3("XX")
    ('RUS', 'PRK', None)
    """
    return _alpha3_lookup().get(code.strip().upper())


def load_mid_table() -> pl.DataFrame:
    """Return the ITU Maritime Identification Digits table, one row per assigned MID.

    Columns: ``mid`` (Int16, 201-775), ``country_name``, ``iso2``, ``iso3`` (ISO 3166-1),
    ``itu_name`` (the ITU's long name, e.g. "Alaska (State of) - United States of
    America", null where only the ISO-2 table lists the MID).

    Examples
    --------
    >>> mids = load_mid_table()
    >>> mids.filter(pl.col("mid") == 273).select("iso2", "iso3").row(0)
    ('RU', 'RUS')
    """
    return _mid_table().clone()
