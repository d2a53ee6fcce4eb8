"""Which vessels a store holds, and which one a query means (fuse layer).

Imports ``schema``, ``errors``, ``reference`` (name normalisation) and ``fuse``'s own
modules; never ``cli``. Pure: frames in, frames out.

- ``vessel_index``: one row per MMSI seen in positions or static reports: its latest
  reported identity, its flag (from the MID) and the first and last message behind it.
- ``vessel_names``: every name each MMSI reported, normalised for comparison.
- ``resolve_vessel``: a query (an MMSI, an IMO with or without the ``IMO`` prefix, or a
  name) to the MMSIs it means. A name is first compared exactly (after normalisation,
  current and former names alike), then fuzzily (rapidfuzz's ``WRatio``, at least
  ``FUZZY_MIN_SCORE``). MMSIs sharing one IMO are one vessel (a re-flagged ship); a name
  that fits several vessels raises ``AmbiguousVesselError`` listing them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl
from rapidfuzz import fuzz, process

from darkfleet import schema
from darkfleet.errors import ConfigError
from darkfleet.fuse.identity import with_flag
from darkfleet.fuse.links import normalised_names
from darkfleet.reference._names import normalise_name

__all__ = [
    "FUZZY_MIN_SCORE",
    "VESSELS",
    "AmbiguousVesselError",
    "Subject",
    "VesselNotFoundError",
    "resolve_vessel",
    "vessel_index",
    "vessel_names",
]

#: Lowest rapidfuzz ``WRatio`` (0-100) for a fuzzy name candidate. Analyst decision: 85
#: accepts one or two wrong or missing letters in a name of eight or more ("LADY R" for
#: "LADY R.", "ANGRA" for "ANGARA") and keeps unrelated names of shared words out.
FUZZY_MIN_SCORE: Final = 85.0
#: At most this many candidates are listed for an ambiguous or unknown name.
MAX_CANDIDATES: Final = 10

#: One row per MMSI: latest reported identity, flag and the first/last message behind it.
VESSELS: Final[schema.Schema] = {
    "mmsi": pl.Int64(),
    "imo": pl.Int64(),
    "name": pl.String(),
    "callsign": pl.String(),
    "ship_type": pl.Int16(),
    "flag": pl.String(),
    "first_seen": schema.UTC_US,
    "last_seen": schema.UTC_US,
    "first_file_id": pl.String(),
    "first_line_no": pl.Int64(),
    "last_file_id": pl.String(),
    "last_line_no": pl.Int64(),
    "positions": pl.UInt32(),
    "static_reports": pl.UInt32(),
}

_MESSAGE: Final = ("mmsi", "ts", "file_id", "line_no")
_IMO_QUERY: Final = re.compile(r"^\s*(?:IMO\s*[:#]?\s*(\d+)|(\d{7}))\s*$", re.IGNORECASE)
_MMSI_QUERY: Final = re.compile(r"^\s*(?:MMSI\s*[:#]?\s*)?(\d{1,9})\s*$", re.IGNORECASE)

MatchedOn = Literal["mmsi", "imo", "name", "name_fuzzy"]


class VesselNotFoundError(ConfigError):
    """The query names no vessel of the store; the message lists the closest names."""


class AmbiguousVesselError(ConfigError):
    """The query fits several vessels; ``candidates`` lists them (``VESSELS`` + ``score``)."""

    def __init__(self, message: str, candidates: pl.DataFrame) -> None:
        """Keep the candidates for callers that show them."""
        super().__init__(message)
        self.candidates = candidates


@dataclass(frozen=True, slots=True)
class Subject:
    """The vessel a query resolved to.

    Attributes
    ----------
    query : the query as given.
    matched_on : ``mmsi``, ``imo``, ``name`` (exact after normalisation) or ``name_fuzzy``.
    mmsis : every MMSI of the vessel, ascending (several for a re-flagged IMO).
    imos : every IMO those MMSIs reported, ascending.
    match_score : rapidfuzz ``WRatio`` of the best name for ``name_fuzzy``, else 100.
    """

    query: str
    matched_on: MatchedOn
    mmsis: tuple[int, ...]
    imos: tuple[int, ...]
    match_score: float


def vessel_index(
    statics: pl.LazyFrame, positions: pl.LazyFrame, mid_table: pl.DataFrame
) -> pl.DataFrame:
    """Return one row per MMSI of the positions and static reports (``VESSELS``).

    Parameters
    ----------
    statics, positions
        ``schema.STATICS`` and ``schema.POSITIONS`` rows (lazy: only the columns needed
        are read, so a store's Parquet files are scanned once).
    mid_table
        The ITU MID table (``mid``, ``iso3``).

    Returns
    -------
    pl.DataFrame
        ``VESSELS`` sorted by ``mmsi``; ``imo``, ``name``, ``callsign`` and
        ``ship_type`` are the last non-null value reported (null for a vessel seen only
        in positions); first/last message over both datasets, ties broken by file and line.
    """
    schema.require(statics, schema.STATICS, what="static reports")
    schema.require(positions, schema.POSITIONS, what="positions")
    identity = (
        statics.sort("mmsi", "ts", "file_id", "line_no", nulls_last=True)
        .group_by("mmsi")
        .agg(
            *[pl.col(c).drop_nulls().last() for c in ("imo", "name", "callsign", "ship_type")],
            pl.len().cast(pl.UInt32).alias("static_reports"),
        )
    )
    counts = positions.group_by("mmsi").agg(pl.len().cast(pl.UInt32).alias("positions"))
    messages = pl.concat([statics.select(_MESSAGE), positions.select(_MESSAGE)])
    spans = messages.group_by("mmsi").agg(
        pl.col("ts").min().alias("first_seen"),
        pl.col("ts").max().alias("last_seen"),
        pl.col("file_id", "line_no")
        .sort_by("ts", "file_id", "line_no")
        .first()
        .name.prefix("first_"),
        pl.col("file_id", "line_no")
        .sort_by("ts", "file_id", "line_no")
        .last()
        .name.prefix("last_"),
    )
    index = (
        spans.join(identity, on="mmsi", how="left")
        .join(counts, on="mmsi", how="left")
        .with_columns(pl.col("positions", "static_reports").fill_null(0))
        .sort("mmsi")
        .collect()
    )
    return schema.conform(with_flag(index, mid_table), VESSELS)


def vessel_names(statics: pl.LazyFrame) -> pl.DataFrame:
    """Return every (MMSI, name) reported, with ``norm`` (normalised) and ``last_seen``.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> statics = schema.conform(pl.DataFrame({
    ...     "mmsi": [1, 1], "ts": [datetime(2023, 9, d, tzinfo=UTC) for d in (1, 2)],
    ...     "name": ["Lady R.", "LADY R"]}), schema.STATICS)
    >>> vessel_names(statics.lazy()).select("name", "norm").rows()
    [('LADY R', 'LADY R'), ('Lady R.', 'LADY R')]
    """
    names = (
        statics.filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
        .group_by("mmsi", "name")
        .agg(pl.col("ts").max().alias("last_seen"))
        .sort("mmsi", "name")
        .collect()
    )
    return names.with_columns(normalised_names(names["name"]).alias("norm"))


def _subject(
    query: str, matched_on: MatchedOn, mmsis: list[int], pairings: pl.DataFrame, score: float
) -> Subject:
    imos = pairings.filter(pl.col("mmsi").is_in(mmsis))["imo"].unique().sort().to_list()
    return Subject(query, matched_on, tuple(sorted(set(mmsis))), tuple(imos), score)


def _vessel_groups(mmsis: pl.DataFrame, vessels: pl.DataFrame) -> pl.DataFrame:
    """Candidates (``mmsi``, ``score``) with their identity; one group id per vessel.

    MMSIs whose latest IMO is the same belong to one vessel; MMSIs without IMO are their
    own vessel.
    """
    rows = mmsis.join(vessels, on="mmsi", how="left")
    group = (
        pl.when(pl.col("imo").is_not_null())
        .then(pl.format("imo {}", pl.col("imo")))
        .otherwise(pl.format("mmsi {}", pl.col("mmsi")))
    )
    return rows.with_columns(group.alias("_vessel")).sort(
        ["score", "mmsi"], descending=[True, False]
    )


def _describe(candidates: pl.DataFrame) -> str:
    lines = []
    for row in candidates.head(MAX_CANDIDATES).iter_rows(named=True):
        imo = f"IMO {row['imo']}" if row["imo"] is not None else "no IMO"
        last = row["last_seen"].strftime("%Y-%m-%d") if row["last_seen"] is not None else "?"
        lines.append(
            f"  {row['mmsi']}  {imo:<12} {row['name'] or '?':<24} {row['flag'] or '?':<4} "
            f"last seen {last}  (name match {row['score']:.0f})"
        )
    more = candidates.height - MAX_CANDIDATES
    if more > 0:
        lines.append(f"  ... and {more} more")
    return "\n".join(lines)


def resolve_vessel(
    query: str, vessels: pl.DataFrame, names: pl.DataFrame, pairings: pl.DataFrame
) -> Subject:
    """Return the vessel ``query`` means: an MMSI, an IMO (``9161003``, ``IMO 9161003``) or a name.

    Parameters
    ----------
    query
        Digits (7 digits or an ``IMO`` prefix: an IMO; else an MMSI, optionally
        prefixed ``MMSI``), or a name (any case, punctuation ignored; fuzzy when no name
        matches exactly).
    vessels
        ``VESSELS`` (``vessel_index``).
    names
        ``vessel_names``.
    pairings
        ``fuse.identity.IMO_PAIRINGS`` (``imo_pairings``): which MMSIs reported each IMO.

    Raises
    ------
    VesselNotFoundError
        Nothing fits; the message says what was looked for and lists the closest names.
    AmbiguousVesselError
        A name fits several vessels; the message lists them with MMSI and IMO to pick one.
    """
    imo_match = _IMO_QUERY.match(query)
    if imo_match:
        imo = int(imo_match.group(1) or imo_match.group(2))
        mmsis = pairings.filter(pl.col("imo") == imo)["mmsi"].to_list()
        if not mmsis:
            raise VesselNotFoundError(
                f"no vessel in the store reported IMO {imo}; check the number, or give an "
                "MMSI or a name (darkfleet vessels lists them)"
            )
        return _subject(query, "imo", mmsis, pairings, 100.0)
    mmsi_match = _MMSI_QUERY.match(query)
    if mmsi_match:
        mmsi = int(mmsi_match.group(1))
        if vessels.filter(pl.col("mmsi") == mmsi).height == 0:
            raise VesselNotFoundError(
                f"no vessel with MMSI {mmsi} in the store; check the number, or give an IMO "
                "or a name (darkfleet vessels lists them)"
            )
        return _subject(query, "mmsi", [mmsi], pairings, 100.0)
    wanted = normalise_name(query)
    if not wanted:
        raise VesselNotFoundError(
            f"query {query!r} is empty after normalisation; give an MMSI, an IMO or a name"
        )
    exact = names.filter(pl.col("norm") == wanted).select("mmsi").unique()
    if exact.height:
        candidates = exact.with_columns(pl.lit(100.0).alias("score"))
        matched_on: MatchedOn = "name"
    else:
        choices = names["norm"].unique().sort().to_list()
        found = process.extract(
            wanted, choices, scorer=fuzz.WRatio, score_cutoff=FUZZY_MIN_SCORE, limit=None
        )
        if not found:
            closest = process.extract(wanted, choices, scorer=fuzz.WRatio, limit=3)
            hint = ", ".join(name for name, _, _ in closest) or "none"
            raise VesselNotFoundError(
                f"no vessel named like {query!r} in the store (closest names: {hint}); "
                "check the spelling or give an MMSI or IMO"
            )
        scored = pl.DataFrame(
            {"norm": [n for n, _, _ in found], "score": [float(s) for _, s, _ in found]}
        )
        candidates = names.join(scored, on="norm").group_by("mmsi").agg(pl.col("score").max())
        matched_on = "name_fuzzy"
    grouped = _vessel_groups(candidates, vessels)
    if grouped["_vessel"].n_unique() == 1:
        return _subject(
            query, matched_on, grouped["mmsi"].to_list(), pairings, float(grouped["score"][0])
        )
    raise AmbiguousVesselError(
        f"{query!r} fits {grouped['_vessel'].n_unique()} vessels; pick one and give its "
        f"MMSI or IMO (e.g. darkfleet vessel {grouped['mmsi'][0]}):\n{_describe(grouped)}",
        grouped.drop("_vessel"),
    )
