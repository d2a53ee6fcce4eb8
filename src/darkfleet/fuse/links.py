"""Links across vessel identifiers: one IMO, MMSI or name held by more than one vessel (fuse).

Fuse layer: imports ``schema``, ``reference`` (name normalisation) and ``fuse.identity``;
never ``cli``. Pure: frames in, a frame out.

Three links, each between two *pairings* that share one identifier:

- ``imo_shared``: one IMO reported under two MMSIs. The IMO stays with the hull for
  life (IMO resolution A.1078(28)), the MMSI changes with the flag (its first three
  digits are the flag's MID, ITU-R M.585), so a re-flagged ship shows two MMSIs one after
  the other; two MMSIs reporting the IMO at the same time mean one of them is not that
  ship (a clone or a stolen identity).
- ``mmsi_shared``: one MMSI reported with two IMOs. In sequence: a new ship took the
  number (a data-entry fix, a resold transponder, or an identity swap); overlapping in
  time: two ships transmit the same MMSI (cloning).
- ``name_shared``: one normalised name (case, diacritics and punctuation ignored) reported
  with two different IMOs: different hulls with one name. Often harmless (many ships are
  called MARIA), but it is how a sanctioned ship hides behind the name of a clean one.

``kind`` says how the two pairings relate in time: ``concurrent`` when their spans
overlap (``overlap_h`` > 0); otherwise ``reflag`` for an IMO under MMSIs of different
flags, else ``sequential``. Side ``a`` is the pairing seen first (ties: smaller id).
Each side names the first and last report behind it (``file_id``, ``line_no``).
A vessel that only ever reports one IMO under one MMSI and one name makes no link.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from darkfleet import schema
from darkfleet.fuse.identity import imo_pairings, with_flag
from darkfleet.reference._names import normalise_name

__all__ = ["IDENTITY_LINKS", "LINK_TYPES", "identity_links", "normalised_names"]

#: Link types, in the order a dossier lists them.
LINK_TYPES: Final[tuple[str, ...]] = ("imo_shared", "mmsi_shared", "name_shared")

_SIDE: Final[schema.Schema] = {
    "mmsi": pl.Int64(),
    "imo": pl.Int64(),
    "flag": pl.String(),
    "first_seen": schema.UTC_US,
    "last_seen": schema.UTC_US,
    "reports": pl.UInt32(),
    "first_file_id": pl.String(),
    "first_line_no": pl.Int64(),
    "last_file_id": pl.String(),
    "last_line_no": pl.Int64(),
}

#: One row per pair of pairings sharing an identifier; ``*_a`` / ``*_b`` are the sides.
IDENTITY_LINKS: Final[schema.Schema] = {
    "link": pl.String(),
    "kind": pl.String(),
    "value": pl.String(),
    "overlap_h": pl.Float64(),
    **{f"{name}_a": dtype for name, dtype in _SIDE.items()},
    **{f"{name}_b": dtype for name, dtype in _SIDE.items()},
}


def normalised_names(names: pl.Series) -> pl.Series:
    """Normalise vessel names for comparison: upper case, no diacritics or punctuation.

    Each distinct name is normalised once (``reference.normalise_name``), so the cost
    grows with the number of distinct names, not of reports.

    Examples
    --------
    >>> normalised_names(pl.Series(["Lady R.", "LADY  R", None])).to_list()
    ['LADY R', 'LADY R', None]
    """
    distinct = names.drop_nulls().unique().to_list()
    mapping = {name: normalise_name(name) for name in distinct}
    return names.replace_strict(mapping, default=None, return_dtype=pl.String)


def _name_pairings(statics: pl.DataFrame, mid_table: pl.DataFrame) -> pl.DataFrame:
    """(normalised name, IMO) pairings with spans; ``mmsi`` is the first MMSI reporting it."""
    named = statics.filter(
        pl.col("imo").is_not_null() & (pl.col("imo") > 0) & pl.col("name").is_not_null()
    )
    named = named.with_columns(normalised_names(named["name"]).alias("value")).filter(
        pl.col("value") != ""
    )
    pairings = (
        named.sort("value", "imo", "ts", "file_id", "line_no", nulls_last=True)
        .group_by("value", "imo", maintain_order=True)
        .agg(
            pl.col("mmsi").first(),
            pl.col("ts").first().alias("first_seen"),
            pl.col("ts").last().alias("last_seen"),
            pl.len().cast(pl.UInt32).alias("reports"),
            pl.col("file_id").first().alias("first_file_id"),
            pl.col("line_no").first().alias("first_line_no"),
            pl.col("file_id").last().alias("last_file_id"),
            pl.col("line_no").last().alias("last_line_no"),
        )
    )
    return with_flag(pairings, mid_table)


def _pairs(pairings: pl.DataFrame, *, link: str, key: str, side: str) -> pl.DataFrame:
    """Every pair of ``pairings`` rows with the same ``key`` and different ``side`` ids."""
    shared = pairings.filter(pl.col(side).n_unique().over(key) > 1)
    sides = list(_SIDE)
    left = shared.select(pl.col(key).alias("_key"), *[pl.col(c).alias(f"{c}_a") for c in sides])
    right = shared.select(pl.col(key).alias("_key"), *[pl.col(c).alias(f"{c}_b") for c in sides])
    first_a, first_b = pl.col("first_seen_a"), pl.col("first_seen_b")
    is_a_first = (first_a < first_b) | (
        (first_a == first_b) & (pl.col(f"{side}_a") < pl.col(f"{side}_b"))
    )
    pairs = left.join(right, on="_key").filter(is_a_first)
    overlap = pl.min_horizontal("last_seen_a", "last_seen_b") - pl.max_horizontal(
        "first_seen_a", "first_seen_b"
    )
    overlap_h = pl.max_horizontal(overlap.dt.total_microseconds() / 3.6e9, pl.lit(0.0))
    is_reflag = (
        pl.lit(link == "imo_shared")
        & pl.col("flag_a").is_not_null()
        & pl.col("flag_b").is_not_null()
        & (pl.col("flag_a") != pl.col("flag_b"))
    )
    kind = (
        pl.when(overlap_h > 0)
        .then(pl.lit("concurrent"))
        .when(is_reflag)
        .then(pl.lit("reflag"))
        .otherwise(pl.lit("sequential"))
    )
    return pairs.with_columns(
        pl.lit(link).alias("link"),
        kind.alias("kind"),
        pl.col("_key").cast(pl.String).alias("value"),
        overlap_h.alias("overlap_h"),
    )


def identity_links(statics: pl.DataFrame, mid_table: pl.DataFrame) -> pl.DataFrame:
    """Return the links across identifiers found in the static reports.

    Parameters
    ----------
    statics
        Static reports with the columns of ``schema.STATICS`` (any row order).
    mid_table
        The ITU MID table (``mid``, ``iso3``), for each MMSI's flag.

    Returns
    -------
    pl.DataFrame
        ``IDENTITY_LINKS``, sorted by link type (``LINK_TYPES`` order), ``value``,
        ``first_seen_a``, then the sides' ids: deterministic for the same reports.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> statics = schema.conform(pl.DataFrame({
    ...     "mmsi": [273_000_001, 445_000_001],
    ...     "ts": [datetime(2023, 9, 1, tzinfo=UTC), datetime(2023, 10, 1, tzinfo=UTC)],
    ...     "imo": [9_161_003, 9_161_003],
    ...     "name": ["LADY R", "LADY R"],
    ... }), schema.STATICS)
    >>> mids = pl.DataFrame({"mid": [273, 445], "iso3": ["RUS", "PRK"]})
    >>> identity_links(statics, mids).select("link", "kind", "mmsi_a", "mmsi_b").rows()
    [('imo_shared', 'reflag', 273000001, 445000001)]
    """
    schema.require(statics, schema.STATICS, what="static reports")
    pairings = imo_pairings(statics, mid_table)
    names = _name_pairings(statics, mid_table)
    links = pl.concat(
        [
            schema.conform(
                _pairs(pairings, link="imo_shared", key="imo", side="mmsi"), IDENTITY_LINKS
            ),
            schema.conform(
                _pairs(pairings, link="mmsi_shared", key="mmsi", side="imo"), IDENTITY_LINKS
            ),
            schema.conform(
                _pairs(names, link="name_shared", key="value", side="imo"), IDENTITY_LINKS
            ),
        ]
    )
    order = pl.DataFrame({"link": list(LINK_TYPES), "_order": list(range(len(LINK_TYPES)))})
    return (
        links.join(order, on="link", maintain_order="left")
        .sort("_order", "value", "first_seen_a", "mmsi_a", "imo_a", "mmsi_b", "imo_b")
        .drop("_order")
    )
