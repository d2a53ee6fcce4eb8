"""``darkfleet vessel`` (one vessel's dossier), ``darkfleet vessels`` (the fleet by risk).

Also renders the evidence chain of one risk reason, for ``darkfleet explain risk:...``.
Both read the store's workspace when there is one (``cli.workspace.existing_workspace``):
disputed events give no points, corrected ones count with their corrected fields.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from darkfleet.cli._options import CONFIG_HELP, load_config, resolve_store, store_option
from darkfleet.cli._render import echo_json, print_table, stdout_console
from darkfleet.cli.detect import explanation_record, print_explanation
from darkfleet.cli.main import cli
from darkfleet.cli.reports import quantity_text
from darkfleet.cli.workspace import existing_workspace
from darkfleet.engine.detect_config import build_detect_config
from darkfleet.fuse.dossier import (
    SORT_KEYS,
    Fleet,
    build_dossier,
    load_fleet,
    rank_vessels,
    to_json,
)
from darkfleet.fuse.risk_chain import ReasonChain, explain_risk_reason
from darkfleet.fuse.risk_params import build_risk_params
from darkfleet.fuse.vessels import resolve_vessel
from darkfleet.store import ParquetStore

#: Event ids shown per table cell before "(+N more)"; --format json lists them all.
SHOWN_IDS = 3


def open_fleet(store: str | None, config_file: str | None) -> tuple[Fleet, ParquetStore]:
    """Read the store (and its workspace, if any); score its vessels with ``--config``'s rules."""
    from darkfleet.reference import default_port_groups, load_mid_table, load_port_index

    file_config, where = load_config(config_file)
    build_detect_config(file_config, where=where)  # the whole file is checked, not only [risk]
    params = build_risk_params(file_config, where=where)
    root = resolve_store(store)
    parquet = ParquetStore(root, create=False)
    with existing_workspace(root) as workspace:
        fleet = load_fleet(
            parquet,
            mid_table=load_mid_table(),
            port_groups=default_port_groups(load_port_index()),
            params=params,
            workspace=workspace,
        )
    return fleet, parquet


def _ts(value: str | None) -> str:
    """ISO text ``2023-09-01T12:30:00Z`` as ``2023-09-01 12:30``."""
    return "" if value is None else value[:16].replace("T", " ")


def _ids(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:SHOWN_IDS])
    return shown + (f" (+{len(ids) - SHOWN_IDS} more)" if len(ids) > SHOWN_IDS else "")


def _where(record: dict[str, Any], side: str = "") -> str:
    """The first and last report behind a period, as ``file_id:line .. file_id:line``."""
    first = f"{record['first_file_id' + side]}:{record['first_line_no' + side]}"
    last = f"{record['last_file_id' + side]}:{record['last_line_no' + side]}"
    return first if first == last else f"{first} .. {last}"


def _table(title: str, headers: list[str], rows: list[tuple[Any, ...]]) -> None:
    """A table, or one line saying there is nothing to show."""
    if rows:
        print_table(title, headers, rows)
    else:
        stdout_console().print(f"{title}: none\n", markup=False, highlight=False)


def _print_reasons(reasons: list[dict[str, Any]]) -> None:
    rows = []
    for reason in reasons:
        evidence = list(reason["event_ids"])
        evidence += [
            f"{p['field']} {p['value']} of {p['mmsi']} at {_where(p)}" for p in reason["periods"]
        ]
        rows.append(
            (
                f"{reason['points']:.1f}",
                reason["rule"],
                reason["text"],
                _ids(evidence),
                reason["chain_id"],
            )
        )
    _table(
        "Risk reasons (darkfleet explain CHAIN shows the evidence chain)",
        ["points", "rule", "why", "evidence", "chain"],
        rows,
    )


def _event_id(record: dict[str, Any]) -> str:
    """An event id, with ``(disputed)`` or ``(corrected)`` when the workspace says so."""
    correction = record.get("correction")
    suffix = f" ({correction['status']})" if correction else ""
    return f"{record['event_id']}{suffix}"


def _dwell(visit: dict[str, Any]) -> str:
    """A visit's dwell, or a dark call's longest possible dwell (``<= 45.2``)."""
    if visit["type"] == "dark_port_call":
        return (
            f"<= {visit['possible_dwell_h']:.1f}" if visit["possible_dwell_h"] is not None else ""
        )
    return "" if visit["dwell_h"] is None else f"{visit['dwell_h']:.1f}"


def _call_status(call: dict[str, Any]) -> str:
    """A dark port call's status, saying when its gap or every sighting is disputed."""
    if call["gap_disputed"]:
        return f"{call['status']} (gap disputed: no points)"
    if call["confirmation_disputed"]:
        return f"{call['status']} (sightings disputed: counts as possible)"
    return str(call["status"])


def _print_workspace(dossier: dict[str, Any]) -> None:
    """The vessel's sightings, and the history of its disputed and corrected items."""
    _table(
        "Sightings (workspace; darkfleet history ID shows every version)",
        ["sighting_id", "status", "start (UTC)", "end (UTC)", "port", "lat", "lon", "source",
         "confidence", "observation"],
        [
            (s["sighting_id"], f"{s['status']} v{s['version']}", _ts(s["start"]), _ts(s["end"]),
             s["port"], s["lat"], s["lon"], s["source"], s["confidence"], s["observation"])
            for s in dossier["sightings"]
        ],
    )  # fmt: skip
    _table(
        "Claims in reports (darkfleet explain CLAIM_ID shows the sentence and its report)",
        ["claim_id", "published", "source", "certainty", "predicate", "places", "quantity",
         "sentence"],
        [
            (c["claim_id"], c["published_date"], c["source"] or "", c["certainty"],
             c["predicate"], ", ".join(c["places"] or []),
             quantity_text({"value": c["quantity_value"], "unit": c["quantity_unit"],
                            "qualifier": c["quantity_qualifier"]}),
             c["sentence"])
            for c in dossier["claims"]
        ],
    )  # fmt: skip
    _table(
        "Disputes and corrections (oldest first; the tables above show the current state)",
        ["item", "kind", "version", "recorded (UTC)", "author", "action", "status", "reason",
         "changed"],
        [
            (item["item_id"], item["type"], v["version"], _ts(v["recorded"]), v["author"],
             v["action"], v["status"], v["reason"],
             ", ".join(f"{c['field']}: {c['from']} -> {c['to']}" for c in v["changes"]))
            for item in dossier["corrections"]
            for v in item["versions"]
        ],
    )  # fmt: skip


def _print_dossier(dossier: dict[str, Any]) -> None:
    console = stdout_console()
    names = ", ".join(sorted({v["name"] for v in dossier["vessels"] if v["name"]})) or "(no name)"
    flags = ", ".join(sorted({v["flag"] for v in dossier["vessels"] if v["flag"]})) or "?"
    imos = ", ".join(f"IMO {imo}" for imo in dossier["imos"]) or "no IMO"
    mmsis = ", ".join(f"MMSI {mmsi}" for mmsi in dossier["mmsis"])
    risk = dossier["risk"]
    _table(
        f"{names}: {mmsis}; {imos}; flag {flags}",
        ["", "value"],
        [
            ("risk score", f"{risk['score']:.1f} / 100"),
            ("matched on", f"{dossier['matched_on']} ({dossier['match_score']:.0f})"),
            *[
                (f"seen {v['mmsi']}", f"{_ts(v['first_seen'])} .. {_ts(v['last_seen'])}")
                for v in dossier["vessels"]
            ],
        ],
    )
    _print_reasons(risk["reasons"])
    _table(
        "Identity timeline (per MMSI and field)",
        ["mmsi", "field", "value", "first seen", "last seen", "reports", "reports (file:line)"],
        [
            (
                p["mmsi"],
                p["field"],
                p["value"],
                _ts(p["first_seen"]),
                _ts(p["last_seen"]),
                p["reports"],
                _where(p),
            )
            for p in dossier["identity"]["periods"]
        ],
    )
    _table(
        "IMO numbers and the MMSIs that reported them",
        ["imo", "mmsi", "flag", "first seen", "last seen", "reports", "reports (file:line)"],
        [
            (
                p["imo"],
                p["mmsi"],
                p["flag"],
                _ts(p["first_seen"]),
                _ts(p["last_seen"]),
                p["reports"],
                _where(p),
            )
            for p in dossier["identity"]["imo_pairings"]
        ],
    )
    if dossier["links"]:
        _table(
            "Links to other identities",
            ["link", "kind", "shared", "side a", "side b", "overlap h"],
            [
                (
                    link["link"],
                    link["kind"],
                    link["value"],
                    _side(link, "_a"),
                    _side(link, "_b"),
                    f"{link['overlap_h']:.1f}",
                )
                for link in dossier["links"]
            ],
        )
    _table(
        "Port visits and dark port calls (possible calls: one row per gap, the likeliest port)",
        ["type", "port", "country", "arrival", "departure", "dwell h", "event_id"],
        [
            (
                _call_status(v) if v["type"] == "dark_port_call" else v["type"],
                v["port"] + (f" (or {len(others)} more: {', '.join(others[:3])}...)" if others
                             else ""),
                v["country"],
                _ts(v["start"]),
                _ts(v["end"]),
                _dwell(v),
                _event_id(v),
            )
            for v in dossier["port_visits"]
            if v["type"] != "dark_port_call" or v["status"] != "possible" or v["first_in_gap"]
            for others in [v.get("other_ports_in_gap") or []]
        ],
    )  # fmt: skip
    _table(
        "Sanctions matches",
        ["list", "entry", "matched on", "strength", "corroboration", "list flag", "event_id"],
        [
            (
                m.get("list"),
                f"{m.get('entry_name')} ({m.get('entry_id')})",
                m.get("matched_on"),
                m.get("match_score"),
                "; ".join(m.get("corroboration") or []),
                m.get("entry_flag"),
                _event_id(m),
            )
            for m in dossier["sanctions"]
        ],
    )
    other_types = {
        kind: records
        for kind, records in dossier["events"].items()
        if kind not in ("port_visit", "dark_port_call", "sanctions_match")
    }
    _table(
        "Events by type (darkfleet explain EVENT_ID shows the evidence)",
        ["type", "start (UTC)", "end (UTC)", "mmsi", "other", "port", "event_id"],
        [
            (
                kind,
                _ts(r["start"]),
                _ts(r["end"]),
                r["mmsi"],
                r.get("other_mmsi"),
                r.get("port"),
                _event_id(r),
            )
            for kind, records in other_types.items()
            for r in records
        ],
    )
    _print_workspace(dossier)
    counts = ", ".join(f"{kind} {len(records)}" for kind, records in dossier["events"].items())
    console.print(f"Events naming this vessel: {counts or 'none'}", markup=False, highlight=False)


def _side(link: dict[str, Any], side: str) -> str:
    return (
        f"MMSI {link['mmsi' + side]} IMO {link['imo' + side]} {link['flag' + side] or '?'} "
        f"{_ts(link['first_seen' + side])} .. {_ts(link['last_seen' + side])} "
        f"({_where(link, side)})"
    )


@cli.command("vessel")
@click.argument("query")
@store_option
@click.option("--config", "config_file", default=None, help=CONFIG_HELP)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format (json: one object, docs/dossier.md).",
)
def vessel_command(
    query: str, store: str | None, config_file: str | None, output_format: str
) -> None:
    """Show one vessel's dossier: identity, events, risk.

    QUERY is an MMSI, an IMO (9161003 or "IMO 9161003") or a name (any case; fuzzy when
    no name matches exactly). A name that fits several vessels lists them with MMSI and
    IMO and exits 2: run again with the one you mean. The dossier holds the identity
    timeline (per MMSI and per IMO, each value with the reports behind it), links to
    other identities (re-flags, clones, shared names), port visits, events by type,
    sanctions matches, the workspace's sightings, disputes and corrections with their
    history, and the risk score with each reason's evidence and chain id (darkfleet
    explain CHAIN prints the chain). Disputed events are shown but give no points.

    Examples:

      darkfleet vessel "LADY R" --store darkfleet-demo/store

      darkfleet vessel "IMO 9161003" --format json

      darkfleet vessel 273276177
    """
    fleet, _ = open_fleet(store, config_file)
    subject = resolve_vessel(query, fleet.vessels, fleet.names, fleet.pairings)
    dossier = build_dossier(fleet, subject)
    if output_format == "json":
        echo_json(dossier)
        return
    _print_dossier(dossier)


def _reason_summary(reasons: list[dict[str, Any]] | None) -> str:
    return "; ".join(f"{r['rule']} {r['points']:g}" for r in reasons or [])


@cli.command("vessels")
@store_option
@click.option(
    "--sort",
    "sort_key",
    type=click.Choice(list(SORT_KEYS)),
    default="risk",
    show_default=True,
    help="risk and events: highest first; name and mmsi: ascending.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="At most this many vessels (0: all).",
)
@click.option("--config", "config_file", default=None, help=CONFIG_HELP)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format (json: a list of objects with risk score and reasons).",
)
def vessels_command(
    store: str | None, sort_key: str, limit: int, config_file: str | None, output_format: str
) -> None:
    """List the store's vessels, the riskiest first.

    Each vessel's latest name, IMO and flag (from its MMSI's MID), the events naming it
    and its risk score (0-100, docs/risk.md) with the rules that gave points.
    darkfleet vessel MMSI shows one vessel's evidence.

    Examples:

      darkfleet vessels --store darkfleet-demo/store --limit 10

      darkfleet vessels --sort name --format csv > vessels.csv

      darkfleet vessels --format json --limit 0
    """
    fleet, _ = open_fleet(store, config_file)
    ranked = rank_vessels(fleet, sort=sort_key, limit=limit or None)  # type: ignore[arg-type]
    records: list[dict[str, Any]] = to_json(ranked.to_dicts())
    if output_format == "json":
        echo_json([_vessel_json(r) for r in records])
    elif output_format == "csv":
        buffer = io.StringIO()
        fields = [
            "mmsi",
            "imo",
            "name",
            "callsign",
            "flag",
            "ship_type",
            "first_seen",
            "last_seen",
            "positions",
            "events",
            "risk_score",
            "reasons",
        ]
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for r in records:
            writer.writerow(
                {
                    **{k: r[k] for k in fields if k in r},
                    "risk_score": r["score"],
                    "reasons": _reason_summary(r["reasons"]),
                }
            )
        click.echo(buffer.getvalue(), nl=False)
    else:
        print_table(
            f"{len(records)} of {fleet.vessels.height} vessels, by {sort_key}",
            ["#", "mmsi", "imo", "name", "flag", "events", "risk", "reasons (points)"],
            [
                (
                    i,
                    r["mmsi"],
                    r["imo"],
                    r["name"],
                    r["flag"],
                    r["events"],
                    f"{r['score']:.1f}",
                    _reason_summary(r["reasons"]),
                )
                for i, r in enumerate(records, start=1)
            ],
        )


def _vessel_json(record: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "mmsi",
        "imo",
        "name",
        "callsign",
        "ship_type",
        "flag",
        "first_seen",
        "last_seen",
        "positions",
        "static_reports",
        "events",
    )
    return {
        **{k: record[k] for k in keys},
        "risk": {"score": record["score"], "reasons": record["reasons"] or []},
    }


def _print_chain(chain: ReasonChain, root: Path) -> None:
    reason, weights = chain.reason, chain.weights
    cap = "once" if weights["is_once"] else f"{weights['max_field']} = {weights['max_points']:g}"
    print_table(
        f"Risk reason {chain.chain_id}",
        ["", "value"],
        [
            ("rule", f"{chain.rule}: {weights['noun']}"),
            ("points", f"{reason['points']:.1f}"),
            ("why", reason["text"]),
            ("weight", f"{weights['points_field']} = {weights['points']:g}"),
            ("cap", cap),
            ("units", f"{reason['units']:g} ({'sum' if not weights['is_once'] else 'best'})"),
            ("params fingerprint", weights["params_fingerprint"]),
        ],
    )
    _table(
        "Findings",
        ["evidence", "at (UTC)", "units", "labels"],
        [
            (
                f["event_id"]
                or f"{f['period']['field']} {f['period']['value']} of {f['period']['mmsi']}",
                _ts(f["evidence_ts"]),
                f"{f['units']:g}",
                ", ".join(f["labels"] or []),
            )
            for f in chain.findings
        ],
    )
    for number, explanation in enumerate(chain.events, start=1):
        click.echo(
            f"Evidence {number} of {len(chain.events)}: event {explanation.event['event_id']}"
        )
        print_explanation(explanation, root)
    if chain.periods:
        _table(
            "Identity periods behind it (first and last report)",
            ["mmsi", "field", "value", "report", "file:line", "raw"],
            [
                (p["mmsi"], p["field"], p["value"], side, f"{p[side + '_file'] or p[side + '_file_id']}"
                 f":{p[side + '_line_no']}", p[side + "_raw"] or "")
                for p in chain.periods
                for side in ("first", "last")
            ],
        )  # fmt: skip


def explain_risk_chain(
    chain_id: str, store: str | None, config_file: str | None, output_format: str
) -> None:
    """Print the evidence chain of a risk reason (``darkfleet explain risk:...``)."""
    fleet, parquet = open_fleet(store, config_file)
    chain = explain_risk_reason(fleet, parquet, chain_id)
    if output_format == "json":
        echo_json(
            {
                "chain_id": chain.chain_id,
                "mmsis": list(chain.mmsis),
                "rule": chain.rule,
                "reason": chain.reason,
                "weights": chain.weights,
                "findings": chain.findings,
                "events": [explanation_record(e, parquet.root) for e in chain.events],
                "periods": chain.periods,
            }
        )
        return
    _print_chain(chain, parquet.root)
