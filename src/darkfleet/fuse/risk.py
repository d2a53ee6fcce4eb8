"""A transparent risk score per vessel: rules, points, and the evidence behind each (fuse).

Fuse layer: imports ``schema``, ``fuse._risk_evidence`` (evidence as findings) and
``fuse.risk_params`` (the rules and their weights); never ``cli``. Pure: frames and
parameters in, frames out.

How the score is made (``docs/risk.md`` gives the reasoning behind every default):

1. Every piece of evidence becomes a *finding*: one row with the vessel (MMSI), the rule
   it feeds, its *units* (1 for an event, the dark hours of a gap, the match strength of
   a sanctions match) and what it rests on (an event id, or identity periods with the
   first and last report's ``file_id`` and ``line_no``).
2. Each rule turns its findings into points: ``points x sum(units)`` (or ``x max(units)``
   for the once-only rules: sanctions match, list-flag mismatch, sanctioned flag), capped
   at the rule's ``max_points``, rounded to 0.1.
3. The score is the sum of the rules' points, capped at 100. A capped sum is the simplest
   combination a reader can check by hand, and adding evidence never lowers it.

Units are summed as integers (thousandths) and points kept in tenths, so the score does
not depend on row order or on how Polars splits the work: the same inputs give the same
score and the same reasons in the same order (points descending, then rule order).
Everything is a Polars group-by over all vessels at once.

Each reason has a stable *chain id*, ``risk:<mmsi>:<rule>`` (``risk:<mmsi>+<mmsi>:<rule>``
for a vessel scored over several MMSIs): ``darkfleet explain`` takes it and prints the
evidence chain behind the reason (``fuse.risk_chain``).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Final

import polars as pl

from darkfleet import schema
from darkfleet.errors import ConfigError
from darkfleet.fuse._risk_evidence import (
    FINDINGS,
    PERIOD,
    counted_findings,
    decode_details,
    encounter_findings,
    flag_findings,
    gap_findings,
    link_findings,
    port_findings,
    sanctions_findings,
)
from darkfleet.fuse.risk_params import MAX_SCORE, RISK_RULES, RiskParams

__all__ = [
    "CHAIN_PREFIX",
    "FINDINGS",
    "PERIOD",
    "RISK_REASONS",
    "RISK_SCORES",
    "VESSEL_FLAGS",
    "parse_risk_chain_id",
    "risk_chain_id",
    "risk_findings",
    "score_findings",
]

#: What a risk reason's chain id starts with (``darkfleet explain`` tells them by it).
CHAIN_PREFIX: Final = "risk:"
_CHAIN_EXAMPLE: Final = "risk:273610000:dark_sanctioned"

#: One row per (vessel, rule) that gives points.
RISK_REASONS: Final[schema.Schema] = {
    "mmsi": pl.Int64(),
    "rule": pl.String(),
    "points": pl.Float64(),
    "count": pl.UInt32(),
    "units": pl.Float64(),
    "text": pl.String(),
    "event_ids": pl.List(pl.String()),
    "periods": pl.List(PERIOD),
}

#: One row per vessel with evidence: the score (0..100) and how many rules gave points.
RISK_SCORES: Final[schema.Schema] = {
    "mmsi": pl.Int64(),
    "score": pl.Float64(),
    "n_reasons": pl.UInt32(),
}

#: Vessel flags as ``risk_findings`` takes them: the MMSI's flag and the reports behind it.
VESSEL_FLAGS: Final[schema.Schema] = {
    "mmsi": pl.Int64(),
    "flag": pl.String(),
    "first_seen": schema.UTC_US,
    "last_seen": schema.UTC_US,
    "first_file_id": pl.String(),
    "first_line_no": pl.Int64(),
    "last_file_id": pl.String(),
    "last_line_no": pl.Int64(),
}


def risk_findings(
    events: pl.DataFrame,
    links: pl.DataFrame,
    vessel_flags: pl.DataFrame,
    params: RiskParams,
    *,
    mid_table: pl.DataFrame,
    port_groups: Mapping[str, str],
    disputed_sightings: Sequence[str] = (),
) -> pl.DataFrame:
    """Return every piece of evidence of every vessel, as ``FINDINGS`` rows.

    Parameters
    ----------
    events
        ``schema.EVENTS`` rows: all the store's events (an encounter counts for both
        vessels; a partner's ``sanctions_match`` makes an encounter risky).
    links
        ``fuse.links.IDENTITY_LINKS``: links of kind ``concurrent`` or ``reflag``
        between IMOs and MMSIs feed ``identity_link`` (names shared are not scored).
    vessel_flags
        ``VESSEL_FLAGS``: each MMSI's flag and the first/last message behind it
        (``fuse.vessels.vessel_index`` has these columns).
    params
        The rules' weights and the sanctioned countries.
    mid_table
        The ITU MID table (``mid``, ``iso3``), for encounter partners' and listed
        vessels' flags.
    port_groups
        ``port_id`` -> group name (``reference.default_port_groups``).
    disputed_sightings
        Ids of sightings disputed in the workspace: a ``confirmed`` dark port call whose
        every sighting is among them counts as ``possible`` (``dark_port_call``).

    Returns
    -------
    pl.DataFrame
        ``FINDINGS``, sorted by ``mmsi``, rule order, ``evidence_ts``, ``event_id``.
        One identity link gives two rows per vessel (one per period of evidence), with
        1 unit in total (0.5 each).
    """
    schema.require(events, schema.EVENTS, what="events")
    sanctioned = list(params.sanctioned_countries)
    decoded = decode_details(events)
    listed, matches = sanctions_findings(decoded, mid_table)
    parts = [
        *listed,
        *gap_findings(decoded, sanctioned),
        *port_findings(
            decoded,
            sanctioned,
            list(params.sensitive_port_groups),
            port_groups,
            mid_table,
            disputed_sightings,
        ),
        encounter_findings(decoded, matches, sanctioned, mid_table),
        *counted_findings(decoded),
        *link_findings(links),
        flag_findings(vessel_flags, sanctioned),
    ]
    order = pl.DataFrame({"rule": [r.name for r in RISK_RULES], "_order": range(len(RISK_RULES))})
    return (
        pl.concat([schema.conform(part, FINDINGS) for part in parts])
        .join(order, on="rule", maintain_order="left")
        .sort("mmsi", "_order", "evidence_ts", "event_id", nulls_last=True)
        .drop("_order")
    )


def _rule_table(params: RiskParams) -> pl.DataFrame:
    rows = []
    for order, rule in enumerate(RISK_RULES):
        points = float(getattr(params, rule.points_field))
        cap = points if rule.max_field is None else float(getattr(params, rule.max_field))
        rows.append(
            (rule.name, order, points, cap, rule.max_field is None, rule.noun, rule.is_hourly)
        )
    return pl.DataFrame(
        rows,
        schema={
            "rule": pl.String,
            "_order": pl.Int64,
            "_points": pl.Float64,
            "_cap": pl.Float64,
            "_is_once": pl.Boolean,
            "_noun": pl.String,
            "_is_hourly": pl.Boolean,
        },
        orient="row",
    )


def score_findings(findings: pl.DataFrame, params: RiskParams) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Turn findings into points per rule and a score per vessel.

    Parameters
    ----------
    findings
        ``FINDINGS`` rows (``risk_findings``); relabel ``mmsi`` first to score several
        MMSIs as one vessel (a dossier of an IMO seen under several MMSIs).
    params
        The rules' weights.

    Returns
    -------
    tuple[pl.DataFrame, pl.DataFrame]
        ``RISK_SCORES`` sorted by score descending then ``mmsi``, and ``RISK_REASONS``
        sorted by ``mmsi``, points descending, rule order. Vessels without findings are
        absent (their score is 0).

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> findings = schema.conform(pl.DataFrame({
    ...     "mmsi": [1, 1, 2], "rule": ["shuttle", "dark_sanctioned", "spoofing"],
    ...     "units": [1.0, 48.0, 1.0], "event_id": ["e1", "e2", "e3"],
    ...     "evidence_ts": [datetime(2023, 9, 1, tzinfo=UTC)] * 3}), FINDINGS)
    >>> scores, reasons = score_findings(findings, RiskParams())
    >>> scores.rows()
    [(1, 32.0, 2), (2, 10.0, 1)]
    >>> reasons.filter(pl.col("mmsi") == 1).select("rule", "points", "text").rows()
    [('shuttle', 20.0, '1 x shuttle pattern'), ('dark_sanctioned', 12.0, '1 x gap with a port of a sanctioned country in reach, 48.0 dark h')]
    """
    schema.require(findings, FINDINGS, what="risk findings")
    rules = _rule_table(params)
    milli = (pl.col("units") * 1000).round(0).cast(pl.Int64)
    labels = (
        pl.col("labels")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .unique(maintain_order=True)
        .head(4)
    )
    grouped = (
        findings.join(rules, on="rule", how="inner")
        .sort("mmsi", "_order", "evidence_ts", "event_id", nulls_last=True)
        .group_by("mmsi", "rule", maintain_order=True)
        .agg(
            pl.col("_order", "_points", "_cap", "_is_once", "_noun", "_is_hourly").first(),
            milli.sum().alias("_sum_milli"),
            milli.max().alias("_max_milli"),
            pl.col("event_id").drop_nulls().unique(maintain_order=True).alias("event_ids"),
            pl.col("period").drop_nulls().alias("periods"),
            labels.str.join(", ").alias("_labels"),
        )
    )
    units = (
        pl.when(pl.col("_is_once")).then(pl.col("_max_milli")).otherwise(pl.col("_sum_milli"))
        / 1000
    )
    raw = (pl.col("_points") * units).round(6)
    tenths = (pl.min_horizontal(raw, pl.col("_cap")) * 10).round(0).cast(pl.Int64)
    # events count once each; link findings (no event id) come as two periods per link
    count = (
        pl.when(pl.col("event_ids").list.len() > 0)
        .then(pl.col("event_ids").list.len())
        .otherwise(pl.col("_sum_milli") // 1000)
        .cast(pl.UInt32)
    )
    text = pl.format(
        "{} x {}{}{}",
        pl.col("count"),
        pl.col("_noun"),
        pl.when(pl.col("_is_hourly"))
        .then(pl.format(", {} dark h", pl.col("units").round(1)))
        .otherwise(pl.lit("")),
        pl.when(pl.col("_labels") != "")
        .then(pl.format(": {}", pl.col("_labels")))
        .otherwise(pl.lit("")),
    )
    reasons = (
        grouped.with_columns(units.alias("units"), tenths.alias("_tenths"), count.alias("count"))
        .filter(pl.col("_tenths") > 0)
        .with_columns(text.alias("text"), (pl.col("_tenths") / 10).alias("points"))
        .sort(["mmsi", "_tenths", "_order"], descending=[False, True, False])
    )
    scores = (
        reasons.group_by("mmsi")
        .agg(pl.col("_tenths").sum().alias("_total"), pl.len().cast(pl.UInt32).alias("n_reasons"))
        .with_columns(
            (pl.min_horizontal(pl.col("_total"), int(MAX_SCORE * 10)) / 10).alias("score")
        )
        .sort(["score", "mmsi"], descending=[True, False])
    )
    return schema.conform(scores, RISK_SCORES), schema.conform(reasons, RISK_REASONS)


def risk_chain_id(mmsis: Sequence[int], rule: str) -> str:
    """Return the chain id of the reason ``rule`` of the vessel with these MMSIs.

    The MMSIs are sorted and joined with ``+`` (a re-flagged ship's dossier scores its
    MMSIs together), so the id depends only on which vessel and which rule.

    Examples
    --------
    >>> risk_chain_id([351000001, 273000001], "dark_sanctioned")
    'risk:273000001+351000001:dark_sanctioned'
    """
    return f"{CHAIN_PREFIX}{'+'.join(str(m) for m in sorted(set(mmsis)))}:{rule}"


def parse_risk_chain_id(text: str) -> tuple[tuple[int, ...], str]:
    """Split a chain id into its MMSIs (ascending, once each) and its rule.

    Raises
    ------
    ConfigError
        Not of the form ``risk:<mmsi>[+<mmsi>...]:<rule>``, an MMSI that is not 1-9
        digits, or a rule that is not one of ``RISK_RULES`` (with a suggestion).

    Examples
    --------
    >>> parse_risk_chain_id("risk:351000001+273000001:shuttle")
    ((273000001, 351000001), 'shuttle')
    """
    fix = f"write risk:<mmsi>:<rule> as `darkfleet vessel` prints it, e.g. {_CHAIN_EXAMPLE}"
    parts = text.split(":")
    if len(parts) != 3 or parts[0] + ":" != CHAIN_PREFIX or not parts[1] or not parts[2]:
        raise ConfigError(f"{text!r} is not a risk reason id; {fix}")
    mmsis: set[int] = set()
    for part in parts[1].split("+"):
        if not (part.isascii() and part.isdigit() and 1 <= len(part) <= 9):
            raise ConfigError(f"{text!r}: {part!r} is not an MMSI (1 to 9 digits); {fix}")
        mmsis.add(int(part))
    rules = [rule.name for rule in RISK_RULES]
    if parts[2] not in rules:
        close = difflib.get_close_matches(parts[2], rules, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(
            f"{text!r}: {parts[2]!r} is not a risk rule; {hint}rules: {', '.join(rules)} "
            "(docs/risk.md)"
        )
    return tuple(sorted(mmsis)), parts[2]
