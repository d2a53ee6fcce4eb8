"""Evidence for the risk score: events, identity links and flags as findings (fuse layer).

Imports ``schema``, ``reference`` (country codes) and ``fuse.identity``; never ``cli``.
Pure: each function turns one family of evidence into ``FINDINGS`` rows, all vessels at
once (Polars expressions; no loop over vessels or events). ``fuse.risk`` gathers them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import polars as pl

from darkfleet import schema
from darkfleet.fuse.darklegs import rank_calls_in_gaps
from darkfleet.fuse.identity import with_flag
from darkfleet.reference import to_alpha3

__all__ = [
    "FINDINGS",
    "PERIOD",
    "confirmation_disputed",
    "counted_findings",
    "decode_details",
    "encounter_findings",
    "flag_findings",
    "gap_findings",
    "link_findings",
    "port_findings",
    "sanctions_findings",
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
        "sighting_ids": pl.List(pl.String()),
        "gap_event_id": pl.String(),
    }
)
_D: Final = pl.col("_d").struct

#: Rules that count events one by one, and the detail naming each event in the reason.
_COUNTED: Final[Mapping[str, pl.Expr]] = {
    "shuttle": pl.col("port"),
    "spoofing": _D.field("rule"),
    "identity_change": _D.field("field"),
    "invalid_identity": _D.field("rule"),
    "loitering": pl.col("port"),
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


def decode_details(events: pl.DataFrame) -> pl.DataFrame:
    """``events`` with their ``details`` decoded into the struct column ``_d``."""
    return events.with_columns(pl.col("details").str.json_decode(_DETAILS).alias("_d"))


def sanctions_findings(
    decoded: pl.DataFrame, mid_table: pl.DataFrame
) -> tuple[list[pl.DataFrame], pl.DataFrame]:
    """``sanctions_match`` and ``sanctions_flag_mismatch`` findings, and the matches."""
    out: list[pl.DataFrame] = []
    matches = with_flag(decoded.filter(pl.col("type") == "sanctions_match"), mid_table)
    out.append(
        matches.select(
            _finding(
                "sanctions_match",
                pl.col("score").fill_null(0.0).clip(0.0, 1.0),
                pl.format("{}: {}", _D.field("list"), _D.field("entry_name")),
            )
        )
    )
    # lists give flags as alpha-3 (the contract) or alpha-2 (FtM); compare alpha-3 codes
    raw_flags = matches.select(_D.field("entry_flag")).to_series().drop_nulls().unique()
    alpha3 = {code: to_alpha3(code) or code.strip().upper() for code in raw_flags.to_list()}
    matches = matches.with_columns(
        _D.field("entry_flag")
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
    return out, matches


def gap_findings(decoded: pl.DataFrame, sanctioned: list[str]) -> list[pl.DataFrame]:
    """``dark_sanctioned`` and ``dark_sensitive`` findings: dark hours and ports in reach."""
    out: list[pl.DataFrame] = []
    gaps = decoded.filter(pl.col("type") == "gap").with_columns(
        _D.field("sensitive_ports_reachable").fill_null([]).alias("_ports"),
        _D.field("gap_duration_h").fill_null(0.0).alias("_hours"),
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
    return out


def _possible_calls_per_gap(
    calls: pl.DataFrame, is_confirmed: pl.Expr, sanctioned: list[str]
) -> pl.DataFrame:
    """One ``dark_port_call`` finding per gap with possible calls and no confirmed one.

    Dark-leg reasoning emits a possible call for every sensitive port a gap makes
    reachable (often a dozen); the gap, not each port, is the evidence. The finding's
    event is the call an analyst reads first (a port of a sanctioned country, then the
    lowest required speed); its labels are every port of the gap in that order.
    """
    confirmed_gaps = calls.filter(is_confirmed).select(_D.field("gap_event_id"))
    possible = rank_calls_in_gaps(calls.filter(~is_confirmed), sanctioned).join(
        confirmed_gaps, on="gap_event_id", how="anti"
    )
    first = possible.filter(pl.col("rank_in_gap") == 0)
    return first.select(_finding("dark_port_call", pl.lit(1.0), pl.col("ports_in_gap")))


def port_findings(
    decoded: pl.DataFrame,
    sanctioned: list[str],
    sensitive_groups: list[str],
    port_groups: Mapping[str, str],
    mid_table: pl.DataFrame,
    disputed_sightings: Sequence[str] = (),
) -> list[pl.DataFrame]:
    """Dark port calls by status, and port visits in sanctioned countries or groups.

    A confirmed call whose every sighting (``details.sighting_ids``) is in
    ``disputed_sightings`` counts as a possible one: nothing undisputed confirms it.
    Possible calls count once per gap (``_possible_calls_per_gap``).
    """
    out: list[pl.DataFrame] = []
    calls = decoded.filter(pl.col("type") == "dark_port_call")
    is_confirmed = (_D.field("status") == "confirmed") & ~confirmation_disputed(disputed_sightings)
    out.append(
        calls.filter(is_confirmed).select(
            _finding("dark_port_call_confirmed", pl.lit(1.0), pl.col("port"))
        )
    )
    out.append(_possible_calls_per_gap(calls, is_confirmed, sanctioned))

    # a vessel of a sanctioned flag calling at home is no further evidence: its flag counts
    visits = with_flag(decoded.filter(pl.col("type") == "port_visit"), mid_table).filter(
        ~pl.col("flag").is_in(sanctioned).fill_null(False)
    )
    is_sanctioned_port = pl.col("country").is_in(sanctioned).fill_null(False)
    groups = pl.DataFrame(
        {"_port_id": list(port_groups), "_group": list(port_groups.values())},
        schema={"_port_id": pl.String, "_group": pl.String},
    )
    visits = visits.with_columns(_D.field("port_id").alias("_port_id")).join(
        groups, on="_port_id", how="left", maintain_order="left"
    )
    out.append(
        visits.filter(is_sanctioned_port).select(
            _finding("sanctioned_port_visit", pl.lit(1.0), pl.col("port"))
        )
    )
    out.append(
        visits.filter(
            ~is_sanctioned_port & pl.col("_group").is_in(sensitive_groups).fill_null(False)
        ).select(_finding("sensitive_port_visit", pl.lit(1.0), pl.col("port")))
    )
    return out


def confirmation_disputed(disputed_sightings: Sequence[str]) -> pl.Expr:
    """Whether every sighting of a decoded dark port call is disputed (false if it has none)."""
    ids = _D.field("sighting_ids").fill_null([])
    every_disputed = ids.list.eval(pl.element().is_in(list(disputed_sightings))).list.all()
    return ((ids.list.len() > 0) & every_disputed).fill_null(False)


def encounter_findings(
    decoded: pl.DataFrame, matches: pl.DataFrame, sanctioned: list[str], mid_table: pl.DataFrame
) -> pl.DataFrame:
    """``sanctioned_encounter``: either side, the other listed (``matches``) or flagged."""
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
    return risky.select(
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


def counted_findings(decoded: pl.DataFrame) -> list[pl.DataFrame]:
    """One finding per event of the rules that count events (shuttle, spoofing, ...)."""
    return [
        decoded.filter(pl.col("type") == event_type).select(
            _finding(event_type, pl.lit(1.0), label)
        )
        for event_type, label in _COUNTED.items()
    ]


def link_findings(links: pl.DataFrame) -> list[pl.DataFrame]:
    """``identity_link``: re-flags and concurrent use, both periods as evidence (0.5 unit each)."""
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
                pl.lit(0.5).alias("units"),
                pl.concat_list("_label").alias("labels"),
                pl.lit(None, dtype=pl.String).alias("event_id"),
                pl.col("first_seen_b").alias("evidence_ts"),
                periods.alias("_periods"),
            )
            .explode("_periods")
            .rename({"_periods": "period"})
        )
    return sides


def flag_findings(vessel_flags: pl.DataFrame, sanctioned: list[str]) -> pl.DataFrame:
    """``sanctioned_flag``: the MMSI's flag, with its first and last message as evidence."""
    return vessel_flags.filter(pl.col("flag").is_in(sanctioned)).select(
        "mmsi",
        pl.lit("sanctioned_flag").alias("rule"),
        pl.lit(1.0).alias("units"),
        pl.concat_list("flag").alias("labels"),
        pl.col("first_seen").alias("evidence_ts"),
        _period("", "flag", pl.col("flag")).alias("period"),
    )
