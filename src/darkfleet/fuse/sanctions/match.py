"""Screen vessels against sanctions-list entries (fuse layer, pure: frames in, frames out).

Vessels are described by their identity periods (``fuse.identity.identity_periods``):
each name, IMO, call sign, flag (from the MMSI's MID), ship type and length an MMSI
reported, with first and last seen. Entries are the current rows of the loaded lists.

Rules, strongest first (one result per vessel and entry):

``imo``
    The vessel reported the entry's IMO number. Strong: the IMO number stays with the
    hull for life. The event spans the time the vessel reported that IMO.
``mmsi``
    The vessel's MMSI is the entry's, *and* during some period the MMSI reported the
    entry's name (similar, see below) without reporting another IMO. MMSIs are
    reassigned and cloned, so a bare MMSI match is only a near miss; the event spans
    the periods whose identity agrees with the entry.
``name``
    A name the vessel reported is similar to the entry's name or an alias
    (``rapidfuzz.fuzz.ratio`` of the normalised names >= ``min_name_score``; a former
    name of the entry counts too), the vessel never reported a different IMO than the
    entry's, and other facts corroborate it: one *strong* fact, ``callsign`` (the
    vessel reported the entry's call sign) or ``former name`` (an earlier name of the
    vessel is a previous name of the entry), or two *weak* ones among ``flag`` (the
    MMSI's MID country is the entry's flag), ``type`` (AIS ship type category = the
    list's vessel type) and ``size`` (AIS length fits the list's tonnage). Flag and type
    alone are shared by thousands of ships, so one of them is not enough.

Everything else that came close is a *near miss*, listed for review with the reason:
a similar name with nothing corroborating it, a similar name with a conflicting IMO
(a different ship of the same name: a false friend), an MMSI match whose vessel
reported another IMO or nothing that agrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from darkfleet import schema
from darkfleet.detect._events import event_id_expr, params_fingerprint
from darkfleet.detect._prep import details_json
from darkfleet.errors import ConfigError
from darkfleet.fuse.identity import IDENTITY_PERIODS
from darkfleet.fuse.sanctions.formats import ENTRY_COLUMNS
from darkfleet.fuse.sanctions.names import similar_name_pairs
from darkfleet.fuse.sanctions.normalize import normalize_names

__all__ = ["MATCHES", "NEAR_MISSES", "ScreenParams", "ScreenResult", "screen_vessels"]

EVENT_TYPE: Final = "sanctions_match"
#: Pairs decided at a time (bounds the memory of the text columns).
_DECIDE_ROWS: Final = 200_000
#: Entry columns the rules look at (the rest joins the accepted matches only).
_DECIDING: Final = (
    "list",
    "entry_id",
    "name",
    "imo",
    "flag",
    "callsign",
    "vessel_type",
    "gross_tonnage",
)
#: Corroborators that suffice alone; the others (flag, type, size) count two together.
_STRONG: Final = frozenset({"callsign", "former"})

#: Accepted matches as ``darkfleet screen`` lists them (one row per event).
MATCHES: Final[schema.Schema] = {
    "event_id": pl.String(),
    "mmsi": pl.Int64(),
    "vessel_name": pl.String(),
    "list": pl.String(),
    "entry_id": pl.String(),
    "entry_name": pl.String(),
    "matched_on": pl.String(),
    "match_score": pl.Float64(),
    "score": pl.Float64(),
    "corroboration": pl.List(pl.String()),
    "start_ts": schema.UTC_US,
    "end_ts": schema.UTC_US,
}

#: Near misses listed for review: one row per vessel and entry that came close.
NEAR_MISSES: Final[schema.Schema] = {
    "mmsi": pl.Int64(),
    "vessel_name": pl.String(),
    "vessel_imos": pl.List(pl.Int64()),
    "list": pl.String(),
    "entry_id": pl.String(),
    "entry_name": pl.String(),
    "entry_imo": pl.Int64(),
    "name_score": pl.Float64(),
    "reason": pl.String(),
    "corroboration": pl.List(pl.String()),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreenParams:
    """Parameters of sanctions screening.

    Attributes
    ----------
    min_name_score : Indel similarity (``rapidfuzz.fuzz.ratio``, 0-100) two normalised
        names need to count as similar. 88 lets one letter in an eight-letter name
        differ (``MARIYA``/``MARIA``: 90.9) but not two (``LADY R``/``LADY M``: 83.3);
        an analyst decision, checked on the transliteration and false-friend tests.
    length_per_tonnage_root : expected length in metres per cube root of gross tonnage
        (6.2: enclosed volume grows roughly with the cube of length; 6.2 gives about
        120 m for a 7,300 GT ro-ro and 335 m for a 160,000 GT crude carrier; an analyst
        decision, not a fitted model, see docs/sanctions.md).
    size_tolerance_ratio : how far (as a fraction) the AIS length may be from that
        expectation and still corroborate (0.15).
    """

    min_name_score: float = 88.0
    length_per_tonnage_root: float = 6.2
    size_tolerance_ratio: float = 0.15

    def __post_init__(self) -> None:
        if not 50.0 <= self.min_name_score <= 100.0:
            raise ConfigError(
                f"sanctions.min_name_score must be within 50-100 (a rapidfuzz ratio), got "
                f"{self.min_name_score}"
            )
        if self.length_per_tonnage_root <= 0:
            raise ConfigError(
                "sanctions.length_per_tonnage_root must be > 0 (metres per cube root of "
                f"tonnage), got {self.length_per_tonnage_root}"
            )
        if not 0.0 < self.size_tolerance_ratio < 1.0:
            raise ConfigError(
                "sanctions.size_tolerance_ratio must be within (0, 1), got "
                f"{self.size_tolerance_ratio}"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreenResult:
    """What screening found.

    Attributes
    ----------
    events : ``schema.EVENTS`` rows of type ``sanctions_match`` (details as DESIGN.md's
        contract: list, entry_id, entry_name, matched_on, match_score, corroboration,
        entry_imo, entry_mmsi, entry_flag, programs, source_url).
    matches : the same matches for people: ``MATCHES`` columns (vessel and entry names
        side by side), sorted by list, entry and MMSI.
    near_misses : ``NEAR_MISSES`` rows, sorted by list, entry and MMSI.
    vessels : how many vessels were screened.
    entries : how many list entries they were screened against.
    """

    events: pl.DataFrame
    matches: pl.DataFrame
    near_misses: pl.DataFrame
    vessels: int
    entries: int


def _ship_type_category(code: pl.Expr) -> pl.Expr:
    """AIS ship type (ITU-R M.1371 table 53) -> broad category, null when too vague."""
    return (
        pl.when(code == 30)
        .then(pl.lit("fishing"))
        .when(code.is_in([31, 32, 52]))
        .then(pl.lit("tug"))
        .when(code.is_in([36, 37]))
        .then(pl.lit("pleasure"))
        .when(code.is_between(60, 69))
        .then(pl.lit("passenger"))
        .when(code.is_between(70, 79))
        .then(pl.lit("cargo"))
        .when(code.is_between(80, 89))
        .then(pl.lit("tanker"))
    )


def _list_type_category(text: pl.Expr) -> pl.Expr:
    """A list's free-text vessel type -> the same categories (keywords, first hit wins)."""
    upper = text.str.to_uppercase()
    rules = (
        ("passenger", r"PASSENGER|FERRY|CRUISE"),
        ("tanker", r"TANKER|OIL|CHEMICAL|LPG|LNG|GAS CARRIER|PRODUCTS|BUNKER"),
        (
            "cargo",
            r"CARGO|BULK|CONTAINER|RO.?RO|REEFER|GENERAL|VEHICLE|HEAVY|MULTI.?PURPOSE|FREIGHT",
        ),
        ("fishing", r"FISH|TRAWLER|LONGLINER|SEINER"),
        ("tug", r"TUG|TOWING"),
        ("pleasure", r"YACHT|PLEASURE"),
    )
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for category, pattern in reversed(rules):
        expr = pl.when(upper.str.contains(pattern)).then(pl.lit(category)).otherwise(expr)
    return expr


def _vessel_attributes(periods: pl.DataFrame, seen: pl.DataFrame | None) -> pl.DataFrame:
    """One row per MMSI: span, flag, IMOs, call signs, type categories, length, last name."""
    by_field = {
        name: periods.filter(pl.col("field") == name)
        for name in ("name", "imo", "callsign", "flag", "ship_type", "length_m")
    }
    spans = periods.group_by("mmsi").agg(pl.col("first_seen").min(), pl.col("last_seen").max())
    if seen is not None:
        spans = (
            pl.concat([spans, seen.select(spans.columns)], how="vertical_relaxed")
            .group_by("mmsi")
            .agg(pl.col("first_seen").min(), pl.col("last_seen").max())
        )
    attributes = [
        by_field["flag"]
        .sort("mmsi", "first_seen")
        .group_by("mmsi")
        .agg(pl.col("value").first().alias("v_flag")),
        by_field["imo"]
        .group_by("mmsi")
        .agg(pl.col("value").cast(pl.Int64, strict=False).unique().sort().alias("v_imos")),
        by_field["callsign"]
        .group_by("mmsi")
        .agg(pl.col("value").str.to_uppercase().str.strip_chars().unique().alias("v_calls")),
        by_field["ship_type"]
        .with_columns(
            _ship_type_category(pl.col("value").cast(pl.Int16, strict=False)).alias("value")
        )
        .group_by("mmsi")
        .agg(pl.col("value").drop_nulls().unique().alias("v_types")),
        by_field["length_m"]
        .group_by("mmsi")
        .agg(pl.col("value").cast(pl.Float64, strict=False).max().alias("v_length_m")),
        by_field["name"]
        .sort("mmsi", "last_seen", "first_seen")
        .group_by("mmsi")
        .agg(pl.col("value").last().alias("vessel_name")),
    ]
    vessels = spans
    for frame in attributes:
        vessels = vessels.join(frame, on="mmsi", how="left")
    return vessels.with_columns(
        pl.col("v_imos").fill_null(pl.lit([], dtype=pl.List(pl.Int64))),
        pl.col("v_calls").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        pl.col("v_types").fill_null(pl.lit([], dtype=pl.List(pl.String))),
    )


def _entry_names(entries: pl.DataFrame) -> pl.DataFrame:
    """Every name of every entry: ``kind`` name, alias or previous, with its normal form."""
    keys = ["list", "entry_id"]
    variants = pl.concat(
        [
            entries.select(*keys, pl.col("name").alias("variant"), pl.lit("name").alias("kind")),
            entries.select(
                *keys, pl.col("aliases").alias("variant"), pl.lit("alias").alias("kind")
            ).explode("variant"),
            entries.select(
                *keys, pl.col("previous_names").alias("variant"), pl.lit("previous").alias("kind")
            ).explode("variant"),
        ]
    )
    return (
        variants.with_columns(normalize_names(pl.col("variant")).alias("norm"))
        .filter(pl.col("norm").is_not_null() & (pl.col("norm") != ""))
        .unique(["list", "entry_id", "kind", "norm"], keep="first", maintain_order=True)
    )


def _name_hits(
    names: pl.DataFrame, entry_names: pl.DataFrame, params: ScreenParams, workers: int
) -> pl.DataFrame:
    """Vessel name periods x entry names with similar normal forms, with the score."""
    vessel_norms = names.select("norm").unique().sort("norm")
    entry_norms = entry_names.select("norm").unique().sort("norm")
    pairs = similar_name_pairs(
        vessel_norms.get_column("norm"),
        entry_norms.get_column("norm"),
        min_score=params.min_name_score,
        workers=workers,
    )
    matched = pairs.join(vessel_norms.with_row_index("left_idx"), on="left_idx").join(
        entry_norms.with_row_index("right_idx").rename({"norm": "entry_norm"}), on="right_idx"
    )
    return (
        names.join(matched.select("norm", "entry_norm", "name_score"), on="norm")
        .join(entry_names.rename({"norm": "entry_norm"}), on="entry_norm")
        .select(
            "mmsi",
            "list",
            "entry_id",
            "kind",
            pl.col("value").alias("vessel_name"),
            "name_score",
            "first_seen",
            "last_seen",
        )
    )


def screen_vessels(
    periods: pl.DataFrame,
    entries: pl.DataFrame,
    params: ScreenParams | None = None,
    *,
    seen: pl.DataFrame | None = None,
    workers: int = 1,
) -> ScreenResult:
    """Screen every vessel of ``periods`` (and ``seen``) against every entry.

    Parameters
    ----------
    periods
        ``fuse.identity.IDENTITY_PERIODS`` of the vessels (``identity_periods``).
    entries
        Current list entries (``formats.ENTRY_COLUMNS``; extra columns ignored).
    params
        ``ScreenParams`` (defaults documented there).
    seen
        Optional ``mmsi``, ``first_seen``, ``last_seen`` of vessels known from positions
        only (they can only come close through their MMSI, as near misses).
    workers
        Threads rapidfuzz may use on big blocks of names (results do not depend on it).

    Returns
    -------
    ScreenResult

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from darkfleet.fuse.identity import identity_periods
    >>> statics = schema.conform(pl.DataFrame({
    ...     "mmsi": [273_000_001], "ts": [datetime(2023, 9, 1, tzinfo=UTC)],
    ...     "name": ["LADY R"], "ship_type": [70]}), schema.STATICS)
    >>> periods = identity_periods(statics, pl.DataFrame({"mid": [273], "iso3": ["RUS"]}))
    >>> entries = schema.conform(pl.DataFrame({"list": ["demo"], "entry_id": ["e1"],
    ...     "name": ["M/V Lady R"], "flag": ["RUS"], "vessel_type": ["Ro-Ro cargo"]}),
    ...     ENTRY_COLUMNS)
    >>> found = screen_vessels(periods, entries)
    >>> found.events.select("mmsi", "score").rows()
    [(273000001, 0.7)]
    """
    params = params or ScreenParams()
    schema.require(periods, IDENTITY_PERIODS, what="identity periods")
    schema.require(entries, ENTRY_COLUMNS, what="sanctions entries")
    entries = entries.select(list(ENTRY_COLUMNS))
    vessels = _vessel_attributes(periods, seen)
    names = (
        periods.filter(pl.col("field") == "name")
        .select("mmsi", "value", "first_seen", "last_seen")
        .with_columns(normalize_names(pl.col("value")).alias("norm"))
        .filter(pl.col("norm") != "")
    )
    hits = _name_hits(names, _entry_names(entries), params, workers)
    keys = ["mmsi", "list", "entry_id"]
    primary = (
        hits.filter(pl.col("kind") != "previous")
        .sort("name_score", "last_seen", descending=[True, True])
        .group_by(keys)
        .agg(
            pl.col("name_score").first(),
            pl.col("vessel_name").first().alias("matched_name"),
            pl.col("first_seen").min().alias("name_first"),
            pl.col("last_seen").max().alias("name_last"),
        )
    )
    former = (
        hits.filter(pl.col("kind") == "previous")
        .sort("first_seen")
        .group_by(keys)
        .agg(
            pl.col("vessel_name").first().alias("former_name"),
            pl.col("name_score").max().alias("former_score"),
            pl.col("first_seen").min().alias("former_first"),
            pl.col("last_seen").max().alias("former_last"),
        )
    )
    imo_periods = (
        periods.filter(pl.col("field") == "imo")
        .with_columns(pl.col("value").cast(pl.Int64, strict=False).alias("imo"))
        .drop_nulls("imo")
    )
    by_imo = (
        imo_periods.join(entries.drop_nulls("imo").select("list", "entry_id", "imo"), on="imo")
        .group_by(keys)
        .agg(
            pl.col("first_seen").min().alias("imo_first"),
            pl.col("last_seen").max().alias("imo_last"),
        )
    )
    by_mmsi = (
        entries.drop_nulls("mmsi")
        .select("list", "entry_id", "mmsi")
        .join(vessels.select("mmsi"), on="mmsi")
        .with_columns(pl.lit(True).alias("has_mmsi"))
    )
    pairs = pl.concat([frame.select(keys) for frame in (primary, former, by_imo, by_mmsi)]).unique()
    joined = (
        pairs.join(primary, on=keys, how="left")
        .join(former, on=keys, how="left")
        .join(by_imo, on=keys, how="left")
        .join(by_mmsi, on=keys, how="left")
        .join(vessels, on="mmsi", how="left")
        .join(
            entries.select(*_DECIDING, pl.col("mmsi").alias("entry_mmsi")),
            on=["list", "entry_id"],
            how="left",
        )
    )
    joined = joined.with_columns(pl.col("has_mmsi").fill_null(False))
    accepted_parts: list[pl.DataFrame] = []
    near_parts: list[pl.DataFrame] = [schema.empty(NEAR_MISSES)]
    # decided in slices: the text columns of a million near misses stay bounded
    for part in list(joined.iter_slices(_DECIDE_ROWS)) or [joined]:
        decided = _decide(part, params)
        accepted_parts.append(decided.filter(pl.col("matched_on").is_not_null()))
        near_parts.append(_near_misses(decided.filter(pl.col("matched_on").is_null())))
    accepted = pl.concat(accepted_parts, how="vertical").join(
        entries.select("list", "entry_id", "programs", "source_url"), on=["list", "entry_id"]
    )
    accepted = accepted.with_columns(
        pl.lit(None, dtype=pl.Int64).alias("other_mmsi"),
        pl.format("{}|{}", pl.col("list"), pl.col("entry_id")).alias("event_key"),
    )
    accepted = accepted.with_columns(
        event_id_expr(EVENT_TYPE, params_fingerprint(params), with_key=True)
    )
    return ScreenResult(
        events=_events(accepted),
        matches=schema.conform(accepted.rename({"name": "entry_name"}), MATCHES).sort(
            "list", "entry_id", "mmsi"
        ),
        near_misses=pl.concat(near_parts, how="vertical").sort("list", "entry_id", "mmsi"),
        vessels=vessels.height,
        entries=entries.height,
    )


def _near_misses(near: pl.DataFrame) -> pl.DataFrame:
    """Decided pairs without a match, as ``NEAR_MISSES`` rows."""
    return schema.conform(
        near.with_columns(
            pl.col("v_imos").alias("vessel_imos"),
            pl.col("imo").alias("entry_imo"),
            pl.col("name").alias("entry_name"),
            pl.coalesce("name_score", "former_score").alias("name_score"),
        ),
        NEAR_MISSES,
    )


def _decide(pairs: pl.DataFrame, params: ScreenParams) -> pl.DataFrame:
    """Corroboration, conflict, rule and span of every (vessel, entry) pair."""
    expected_m = params.length_per_tonnage_root * pl.col("gross_tonnage").pow(1.0 / 3.0)
    has_name = pl.col("name_score").is_not_null() | pl.col("former_score").is_not_null()
    is_conflict = (
        pl.col("imo").is_not_null()
        & (pl.col("v_imos").list.len() > 0)
        & ~pl.col("v_imos").list.contains(pl.col("imo"))
    )
    type_category = _list_type_category(pl.col("vessel_type"))
    corroborators = {
        "flag": (pl.col("flag") == pl.col("v_flag"), pl.lit("flag ") + pl.col("flag")),
        "type": (
            pl.col("v_types").list.contains(type_category),
            pl.lit("type ") + type_category,
        ),
        "size": (
            (pl.col("v_length_m") - expected_m).abs() <= params.size_tolerance_ratio * expected_m,
            pl.format(
                "size {} m fits {} GT",
                pl.col("v_length_m").round(0).cast(pl.Int64),
                pl.col("gross_tonnage").round(0).cast(pl.Int64),
            ),
        ),
        "callsign": (
            pl.col("v_calls").list.contains(
                pl.col("callsign").str.to_uppercase().str.strip_chars()
            ),
            pl.lit("callsign ") + pl.col("callsign").str.to_uppercase(),
        ),
        "former": (
            pl.col("name_score").is_not_null()
            & pl.col("former_first").is_not_null()
            & (pl.col("former_first") < pl.col("name_first")),
            pl.lit("former name ") + pl.col("former_name"),
        ),
    }
    supports = [cond.fill_null(False) for cond, _ in corroborators.values()]
    corroborating = pl.sum_horizontal(supports)
    strong = pl.sum_horizontal(
        [ok for name, ok in zip(corroborators, supports, strict=True) if name in _STRONG]
    )
    is_corroborated = (strong >= 1) | (corroborating >= 2)
    is_imo = pl.col("imo_first").is_not_null()
    is_mmsi = pl.col("has_mmsi") & has_name & ~is_conflict
    is_name = has_name & ~is_conflict & is_corroborated
    name_text = (
        pl.when(pl.col("name_score").is_not_null())
        .then(pl.format("name {} ({})", pl.col("matched_name"), pl.col("name_score")))
        .otherwise(
            pl.format("listed former name {} ({})", pl.col("former_name"), pl.col("former_score"))
        )
    )
    evidence = [
        pl.when(is_imo).then(pl.format("imo {}", pl.col("imo"))),
        pl.when(pl.col("has_mmsi")).then(pl.format("mmsi {}", pl.col("mmsi"))),
        pl.when(has_name).then(name_text),
        *(
            pl.when(ok).then(text)
            for ok, (_, text) in zip(supports, corroborators.values(), strict=True)
        ),
    ]
    name_score = pl.coalesce("name_score", "former_score")
    name_first = pl.coalesce("name_first", "former_first")
    name_last = pl.coalesce("name_last", "former_last")
    reason = (
        pl.when(pl.col("has_mmsi") & is_conflict)
        .then(
            pl.format(
                "MMSI matches, but the vessel reported IMO {} and the entry has IMO {} "
                "(MMSI reassigned or cloned?)",
                pl.col("v_imos").cast(pl.List(pl.String)).list.join("/"),
                pl.col("imo"),
            )
        )
        .when(pl.col("has_mmsi") & ~has_name)
        .then(pl.lit("MMSI matches, but no name or IMO the vessel reported agrees with the entry"))
        .when(is_conflict)
        .then(
            pl.format(
                "name similar ({}), but the vessel reported IMO {} and the entry has IMO {} "
                "(a different ship of the same name?)",
                name_score,
                pl.col("v_imos").cast(pl.List(pl.String)).list.join("/"),
                pl.col("imo"),
            )
        )
        .otherwise(
            pl.format(
                "name similar ({}), but too little corroborates it (needs a call sign or a "
                "former name, or two of flag, type and size)",
                name_score,
            )
        )
    )
    return pairs.with_columns(
        pl.when(is_imo)
        .then(pl.lit("imo"))
        .when(is_mmsi)
        .then(pl.lit("mmsi"))
        .when(is_name)
        .then(pl.lit("name"))
        .alias("matched_on"),
        pl.concat_list(evidence).list.drop_nulls().alias("corroboration"),
        corroborating.alias("corroborating"),
        pl.when(is_imo).then("imo_first").otherwise(name_first).alias("start_ts"),
        pl.when(is_imo).then("imo_last").otherwise(name_last).alias("end_ts"),
        pl.when(is_imo | is_mmsi).then(pl.lit(100.0)).otherwise(name_score).alias("match_score"),
        pl.when(is_imo)
        .then(pl.lit(1.0))
        .when(is_mmsi)
        .then(pl.lit(0.9))
        .otherwise(
            (name_score / 100.0 * (0.5 + 0.1 * corroborating).clip(upper_bound=0.8)).round(3)
        )
        .alias("score"),
        reason.alias("reason"),
    )


def _events(accepted: pl.DataFrame) -> pl.DataFrame:
    """``sanctions_match`` events with DESIGN.md's details contract."""
    details = details_json(
        {
            "list": pl.col("list"),
            "entry_id": pl.col("entry_id"),
            "entry_name": pl.col("name"),
            "matched_on": pl.col("matched_on"),
            "match_score": pl.col("match_score").round(1),
            "corroboration": pl.col("corroboration"),
            "entry_imo": pl.col("imo"),
            "entry_mmsi": pl.col("entry_mmsi"),
            "entry_flag": pl.col("flag"),
            "programs": pl.col("programs"),
            "source_url": pl.col("source_url"),
        }
    )
    events = accepted.with_columns(
        pl.lit(EVENT_TYPE).alias("type"),
        pl.lit(None, dtype=pl.Float64).alias("lat"),
        pl.lit(None, dtype=pl.Float64).alias("lon"),
        details,
    )
    return schema.conform(events, schema.EVENTS).sort("mmsi", "start_ts", "event_id")
