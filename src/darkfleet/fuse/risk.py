"""A transparent risk score per vessel: rules, points, and the evidence behind each (fuse).

Fuse layer: imports ``schema``, ``fuse.identity`` and ``fuse.risk_params`` (the rules and
their weights); never ``cli``. Pure: frames and parameters in, frames out.

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
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import polars as pl

from darkfleet import schema
from darkfleet.fuse.identity import with_flag
from darkfleet.fuse.risk_params import MAX_SCORE, RISK_RULES, RiskParams
from darkfleet.reference import to_alpha3

__all__ = [
    "FINDINGS",
    "PERIOD",
    "RISK_REASONS",
    "RISK_SCORES",
    "VESSEL_FLAGS",
    "risk_findings",
    "score_findings",
]

#: An identity period as evidence: whose, which field and value, when, which reports.
PERIOD: Final = pl.Struct(
    {
        "mmsi": pl.Int64(),
        "field": pl.String(),
        "value": pl.String(),
        "first_seen": schema.UTC_US,
        "last_seen": schema.UTC_US,
        "first_file_id": pl.String(),
        "first_line_no": pl.Int64(),
        "last_file_id": pl.String(),
        "last_line_no": pl.Int64(),
    }
)

#: One row per piece of evidence feeding one rule.
FINDINGS: Final[schema.Schema] = {
    "mmsi": pl.Int64(),
    "rule": pl.String(),
    "units": pl.Float64(),
    "labels": pl.List(pl.String()),  # short words for the reason's text (ports, flags)
    "event_id": pl.String(),
    "evidence_ts": schema.UTC_US,
    "period": PERIOD,
}

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

_DETAILS: Final = pl.Struct(
    {
        "gap_duration_h": pl.Float64(),
        "status": pl.String(),
        "port_id": pl.String(),
        "entry_flag": pl.String(),
        "entry_name": pl.String(),
        "list": pl.String(),
        "field": pl.String(),
        "rule": pl.String(),
        "sensitive_ports_reachable": pl.List(
            pl.Struct({"country": pl.String(), "name": pl.String()})
        ),
    }
)

_EVENT_RULES: Final[Mapping[str, str]] = {
    "shuttle": "shuttle",
    "spoofing": "spoofing",
    "identity_change": "identity_change",
    "invalid_identity": "invalid_identity",
    "loitering": "loitering",
}


def _finding(rule: str, units: pl.Expr, label: pl.Expr) -> list[pl.Expr]:
    """The FINDINGS columns of an event-based finding (its event id and start as evidence).

    ``label`` is a String expression (one label) or a List(String) one (several).
    """
    return [
        pl.col("mmsi"),
        pl.lit(rule).alias("rule"),
        units.cast(pl.Float64).alias("units"),
        pl.concat_list(label).cast(pl.List(pl.String)).alias("labels"),
        pl.col("event_id"),
        pl.col("start_ts").alias("evidence_ts"),
        pl.lit(None, dtype=PERIOD).alias("period"),
    ]


def _period(side: str, field: str, value: pl.Expr) -> pl.Expr:
    """A PERIOD struct from columns ``<name><side>`` (side ``""``, ``"_a"`` or ``"_b"``)."""
    return pl.struct(
        pl.col(f"mmsi{side}").alias("mmsi"),
        pl.lit(field).alias("field"),
        value.cast(pl.String).alias("value"),
        pl.col(f"first_seen{side}").alias("first_seen"),
        pl.col(f"last_seen{side}").alias("last_seen"),
        pl.col(f"first_file_id{side}").alias("first_file_id"),
        pl.col(f"first_line_no{side}").alias("first_line_no"),
        pl.col(f"last_file_id{side}").alias("last_file_id"),
        pl.col(f"last_line_no{side}").alias("last_line_no"),
    ).cast(PERIOD)


def _event_findings(
    events: pl.DataFrame,
    params: RiskParams,
    mid_table: pl.DataFrame,
    port_groups: Mapping[str, str],
) -> list[pl.DataFrame]:
    sanctioned = list(params.sanctioned_countries)
    decoded = events.with_columns(pl.col("details").str.json_decode(_DETAILS).alias("_d"))
    d = pl.col("_d").struct
    out: list[pl.DataFrame] = []

    matches = with_flag(decoded.filter(pl.col("type") == "sanctions_match"), mid_table)
    out.append(
        matches.select(
            _finding(
                "sanctions_match",
                pl.col("score").fill_null(0.0).clip(0.0, 1.0),
                pl.format("{}: {}", d.field("list"), d.field("entry_name")),
            )
        )
    )
    # lists give flags as alpha-3 (the contract) or alpha-2 (FtM); compare alpha-3 codes
    raw_flags = matches.select(d.field("entry_flag")).to_series().drop_nulls().unique()
    alpha3 = {code: to_alpha3(code) or code.strip().upper() for code in raw_flags.to_list()}
    matches = matches.with_columns(
        d.field("entry_flag")
        .replace_strict(alpha3, default=None, return_dtype=pl.String)
        .alias("_list_flag")
    )
    list_flag = pl.col("_list_flag")
    mismatched = matches.filter(
        list_flag.is_not_null() & pl.col("flag").is_not_null() & (list_flag != pl.col("flag"))
    )
    out.append(
        mismatched.select(
            _finding(
                "sanctions_flag_mismatch",
                pl.lit(1.0),
                pl.format("listed {}, MMSI flag {}", list_flag, pl.col("flag")),
            )
        )
    )

    gaps = decoded.filter(pl.col("type") == "gap").with_columns(
        d.field("sensitive_ports_reachable").fill_null([]).alias("_ports"),
        d.field("gap_duration_h").fill_null(0.0).alias("_hours"),
    )
    in_sanctioned = pl.col("_ports").list.eval(
        pl.element().struct.field("country").is_in(sanctioned)
    )
    gaps = gaps.with_columns(
        in_sanctioned.list.any().alias("_is_sanctioned"),
        pl.col("_ports")
        .list.filter(pl.element().struct.field("country").is_in(sanctioned))
        .list.eval(pl.element().struct.field("name"))
        .list.sort()
        .alias("_sanctioned_names"),
        pl.col("_ports").list.eval(pl.element().struct.field("name")).list.sort().alias("_names"),
    )
    out.append(
        gaps.filter(pl.col("_is_sanctioned")).select(
            _finding("dark_sanctioned", pl.col("_hours"), pl.col("_sanctioned_names"))
        )
    )
    out.append(
        gaps.filter(~pl.col("_is_sanctioned") & (pl.col("_ports").list.len() > 0)).select(
            _finding("dark_sensitive", pl.col("_hours"), pl.col("_names"))
        )
    )

    calls = decoded.filter(pl.col("type") == "dark_port_call")
    is_confirmed = d.field("status") == "confirmed"
    out.append(
        calls.filter(is_confirmed).select(
            _finding("dark_port_call_confirmed", pl.lit(1.0), pl.col("port"))
        )
    )
    out.append(
        calls.filter(~is_confirmed).select(_finding("dark_port_call", pl.lit(1.0), pl.col("port")))
    )

    # a vessel of a sanctioned flag calling at home is no further evidence: its flag counts
    visits = with_flag(decoded.filter(pl.col("type") == "port_visit"), mid_table).filter(
        ~pl.col("flag").is_in(sanctioned).fill_null(False)
    )
    is_sanctioned_port = pl.col("country").is_in(sanctioned).fill_null(False)
    groups = pl.DataFrame(
        {"_port_id": list(port_groups), "_group": list(port_groups.values())},
        schema={"_port_id": pl.String, "_group": pl.String},
    )
    visits = visits.with_columns(d.field("port_id").alias("_port_id")).join(
        groups, on="_port_id", how="left", maintain_order="left"
    )
    out.append(
        visits.filter(is_sanctioned_port).select(
            _finding("sanctioned_port_visit", pl.lit(1.0), pl.col("port"))
        )
    )
    out.append(
        visits.filter(
            ~is_sanctioned_port
            & pl.col("_group").is_in(list(params.sensitive_port_groups)).fill_null(False)
        ).select(_finding("sensitive_port_visit", pl.lit(1.0), pl.col("port")))
    )

    encounters = decoded.filter(pl.col("type") == "encounter")
    both_sides = pl.concat(
        [
            encounters.select("event_id", "start_ts", "mmsi", pl.col("other_mmsi").alias("_other")),
            encounters.select(
                "event_id",
                "start_ts",
                pl.col("other_mmsi").alias("mmsi"),
                pl.col("mmsi").alias("_other"),
            ),
        ]
    ).filter(pl.col("mmsi").is_not_null() & pl.col("_other").is_not_null())
    listed = (
        matches.select(pl.col("mmsi").alias("_other"))
        .unique()
        .with_columns(pl.lit(True).alias("_is_listed"))
    )
    partners = with_flag(both_sides.select("_other").unique().rename({"_other": "mmsi"}), mid_table)
    partners = partners.select(pl.col("mmsi").alias("_other"), pl.col("flag").alias("_other_flag"))
    both_sides = both_sides.join(partners, on="_other", how="left").join(
        listed, on="_other", how="left"
    )
    risky = both_sides.filter(
        pl.col("_is_listed").fill_null(False)
        | pl.col("_other_flag").is_in(sanctioned).fill_null(False)
    )
    out.append(
        risky.select(
            _finding(
                "sanctioned_encounter",
                pl.lit(1.0),
                pl.format(
                    "{}{}",
                    pl.col("_other"),
                    pl.when(pl.col("_is_listed").fill_null(False))
                    .then(pl.lit(" (listed)"))
                    .otherwise(pl.format(" ({})", pl.col("_other_flag"))),
                ),
            )
        )
    )

    for event_type, rule in _EVENT_RULES.items():
        label = (
            d.field("rule") if event_type in ("spoofing", "invalid_identity") else d.field("field")
        )
        if event_type in ("shuttle", "loitering"):
            label = pl.col("port")
        out.append(
            decoded.filter(pl.col("type") == event_type).select(_finding(rule, pl.lit(1.0), label))
        )
    return out


def _link_findings(links: pl.DataFrame) -> list[pl.DataFrame]:
    scored = links.filter(
        pl.col("link").is_in(["imo_shared", "mmsi_shared"])
        & pl.col("kind").is_in(["concurrent", "reflag"])
    ).with_columns(
        pl.format("{} {} ({})", pl.col("link"), pl.col("value"), pl.col("kind")).alias("_label")
    )
    periods = pl.concat_list(
        _period("_a", "imo", pl.col("imo_a")), _period("_b", "imo", pl.col("imo_b"))
    )
    sides = []
    for side in ("_a", "_b"):
        part = scored
        if side == "_b":  # an MMSI used by two IMOs is one vessel's finding, not two
            part = scored.filter(pl.col("mmsi_a") != pl.col("mmsi_b"))
        sides.append(
            part.select(
                pl.col(f"mmsi{side}").alias("mmsi"),
                pl.lit("identity_link").alias("rule"),
                pl.lit(1.0).alias("units"),
                pl.concat_list("_label").alias("labels"),
                pl.lit(None, dtype=pl.String).alias("event_id"),
                pl.col("first_seen_b").alias("evidence_ts"),
                periods.alias("_periods"),
            )
            .explode("_periods")
            .rename({"_periods": "period"})
        )
    return sides


def risk_findings(
    events: pl.DataFrame,
    links: pl.DataFrame,
    vessel_flags: pl.DataFrame,
    params: RiskParams,
    *,
    mid_table: pl.DataFrame,
    port_groups: Mapping[str, str],
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

    Returns
    -------
    pl.DataFrame
        ``FINDINGS``, sorted by ``mmsi``, rule order, ``evidence_ts``, ``event_id``.
        One identity link gives two rows per vessel (one per period of evidence), with
        1 unit in total (0.5 each).
    """
    schema.require(events, schema.EVENTS, what="events")
    parts = [
        schema.conform(part, FINDINGS)
        for part in _event_findings(events, params, mid_table, port_groups)
    ]
    for part in _link_findings(links):
        parts.append(schema.conform(part.with_columns(pl.col("units") / 2), FINDINGS))
    flagged = vessel_flags.filter(pl.col("flag").is_in(list(params.sanctioned_countries)))
    parts.append(
        schema.conform(
            flagged.select(
                "mmsi",
                pl.lit("sanctioned_flag").alias("rule"),
                pl.lit(1.0).alias("units"),
                pl.concat_list("flag").alias("labels"),
                pl.col("first_seen").alias("evidence_ts"),
                _period("", "flag", pl.col("flag")).alias("period"),
            ),
            FINDINGS,
        )
    )
    order = pl.DataFrame({"rule": [r.name for r in RISK_RULES], "_order": range(len(RISK_RULES))})
    return (
        pl.concat(parts)
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
