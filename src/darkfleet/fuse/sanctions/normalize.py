"""Vessel-name normalisation for sanctions screening (fuse layer, pure).

Lists and AIS spell one ship's name many ways: ``M/V LADY R``, ``Lady R``, ``LADY-R``,
``Леди Р``. Screening compares normalised forms:

1. transliterate every script to Latin letters with ``anyascii`` (Cyrillic, Hangul, Greek,
   Chinese, diacritics: ``МАРИЯ`` -> ``MARIYA``, ``Chŏngjin`` -> ``Chongjin``);
2. upper-case; drop apostrophes (``NAMP'O`` -> ``NAMPO``); every other run of punctuation
   or white space becomes one space;
3. drop leading hull/propulsion prefixes: ``MV``, ``M V`` (from ``M/V`` or ``M.V.``),
   ``MT``, ``MS``, ``MY``, ``SS``, ``FV``, ``RV`` (repeated prefixes too), unless nothing
   would be left.

``anyascii`` (ISC licence) is used rather than ``unidecode`` (GPL-2.0), whose licence does
not mix with darkfleet's Apache-2.0; both transliterate Cyrillic the same way for ship
names. The result is idempotent: normalising a normalised name changes nothing.
"""

from __future__ import annotations

import re
from typing import Final

import polars as pl
from anyascii import anyascii

__all__ = ["normalize_name", "normalize_names"]

_APOSTROPHES: Final = re.compile(r"['’ʼ`´‘]")
_SEPARATORS: Final = re.compile(r"[^A-Z0-9]+")
#: Leading prefixes: motor/steam/fishing/research vessel, motor tanker, motor yacht.
_PREFIXES: Final = re.compile(r"^(?:(?:M ?V|M ?T|M ?S|M ?Y|S ?S|F ?V|R ?V) )+(?=\S)")


def normalize_name(name: str) -> str:
    """Return the comparable form of a vessel name (see the module docstring).

    Examples
    --------
    >>> normalize_name("M/V Lady R"), normalize_name("  maia-1 "), normalize_name("Мария")
    ('LADY R', 'MAIA 1', 'MARIYA')
    >>> normalize_name("MV"), normalize_name("M.T. M/V Sea Star")
    ('MV', 'SEA STAR')
    """
    latin = _APOSTROPHES.sub("", anyascii(name)).upper()
    spaced = _SEPARATORS.sub(" ", latin).strip()
    return _PREFIXES.sub("", spaced)


def normalize_names(names: pl.Expr) -> pl.Expr:
    """Apply ``normalize_name`` to a String expression (nulls stay null).

    Each distinct value is transliterated once (``anyascii`` is Python), so the cost
    grows with the number of distinct names, not of rows.
    """
    return names.map_batches(_normalize_series, return_dtype=pl.String)


def _normalize_series(values: pl.Series) -> pl.Series:
    distinct = values.drop_nulls().unique()
    mapping = {value: normalize_name(value) for value in distinct.to_list()}
    return values.replace_strict(mapping, default=None, return_dtype=pl.String)
