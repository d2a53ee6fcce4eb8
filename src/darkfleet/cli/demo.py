"""``darkfleet demo``: replay the Rajin shuttle scenario end to end (simulate, ingest, detect)."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import polars as pl

from darkfleet.cli._render import print_table, stderr_console
from darkfleet.cli.main import cli
from darkfleet.engine.detect import run_detection
from darkfleet.engine.detect_config import build_detect_config
from darkfleet.engine.ingest import IngestOptions, ingest_paths
from darkfleet.engine.sanctions import demo_list_path, load_sanctions_list, screen_store
from darkfleet.store import ParquetStore

#: Event types an analyst reads first; port visits are context, not findings.
FINDING_TYPES = (
    "gap",
    "encounter",
    "loitering",
    "spoofing",
    "identity_change",
    "invalid_identity",
    "shuttle",
    "dark_port_call",
    "sanctions_match",
)


@cli.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="darkfleet-demo",
    show_default=True,
    help="Folder for the simulated feed, its ground truth and the demo store.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Simulation seed.")
def demo_command(out_dir: str, seed: int) -> None:
    """Replay the Rajin arms-shuttle scenario end to end.

    Simulates the 2023 Rajin <-> Dunay/Vostochny shuttle (cargo ships going dark near
    Russian ports, a ship-to-ship transfer with a DPRK tanker, ordinary traffic around
    them), ingests the NMEA feed, runs every detector, screens the vessels against a
    built-in list of the ships designated for it, and prints the vessels an analyst
    should look at first with the findings behind each. The store it leaves behind
    works with every other command (darkfleet events --store DIR/store).

    Examples:

      darkfleet demo

      darkfleet demo --out /tmp/demo --seed 3
    """
    from darkfleet.reference import default_port_groups, load_geo_context, load_mid_table
    from darkfleet.reference.shore import load_shore_grid
    from darkfleet.simulate import simulate, write_simulation

    console = stderr_console()
    root = Path(out_dir)
    console.print(f"1/3 simulating the shuttle scenario (seed {seed}) into {root} ...")
    result = simulate("shuttle", seed=seed)
    paths = write_simulation(result, root)
    store = ParquetStore(root / "store")
    console.print("2/3 ingesting the NMEA feed ...")
    ingest_summary = ingest_paths(
        [str(paths["feed"])], store, IngestOptions(), ingested_at=datetime.now(UTC)
    )
    console.print("3/3 running the detectors ...")
    context = load_geo_context()
    context = dataclasses.replace(context, shore=load_shore_grid())
    report = run_detection(
        store,
        context=context,
        mid_table=load_mid_table(),
        config=build_detect_config(None, overrides={}, only=None, where="defaults"),
        port_groups=default_port_groups(context.ports),
    )
    console.print("    and screening against the built-in demo sanctions list ...")
    load_sanctions_list(store, demo_list_path(), loaded_at=datetime.now(UTC))
    screening = screen_store(store, mid_table=load_mid_table())
    total = ingest_summary.total()
    click.echo(
        f"darkfleet demo: {total.lines:,} NMEA lines, {total.positions:,} positions of "
        f"{len(total.vessels):,} vessels over {result.days} days; "
        f"{sum(report.events_total.values()):,} events; "
        f"{screening.result.events.height if screening.result else 0} sanctions matches; "
        f"store {root / 'store'}\n"
    )
    _print_findings(store, result.vessels)
    click.echo(
        "Next: darkfleet events --store "
        f"{root / 'store'} --type gap   |   darkfleet explain EVENT_ID --store {root / 'store'}"
    )
    click.echo(f"Ground truth of what was planted: {paths['truth']}")


def _print_findings(store: ParquetStore, vessels: pl.DataFrame) -> None:
    """Rank vessels by their findings and show each finding's key evidence."""
    events = _one_call_per_gap(
        store.scan("events").filter(pl.col("type").is_in(FINDING_TYPES)).collect()
    )
    names = _latest_names(store)
    # an encounter concerns both vessels
    partners = events.filter(pl.col("other_mmsi").is_not_null()).with_columns(
        pl.col("other_mmsi").alias("mmsi"), pl.col("mmsi").alias("other_mmsi")
    )
    findings = pl.concat([events, partners]).sort("mmsi", "start_ts", "event_id")
    if findings.height == 0:
        click.echo("No findings.")
        return
    flags = dict(zip(vessels["mmsi"].to_list(), vessels["flag"].to_list(), strict=True))
    ranked = (
        findings.group_by("mmsi")
        .agg(pl.len().alias("n"))
        .sort(["n", "mmsi"], descending=[True, False])
    )
    rows = []
    for mmsi, count in ranked.head(10).iter_rows():
        kinds = Counter(findings.filter(pl.col("mmsi") == mmsi)["type"].to_list())
        rows.append(
            (
                mmsi,
                names.get(mmsi, ""),
                flags.get(mmsi, ""),
                count,
                ", ".join(f"{k} x{v}" for k, v in sorted(kinds.items())),
            )
        )
    print_table(
        "Vessels to look at first (most findings)",
        ["mmsi", "name", "flag", "findings", "what"],
        rows,
    )
    top = [row[0] for row in rows[:5]]
    calls = {
        json.loads(call["details"])["gap_event_id"]: _why_call(call)
        for call in findings.filter(pl.col("type") == "dark_port_call").iter_rows(named=True)
    }
    shown = findings.filter(pl.col("mmsi").is_in(top) & (pl.col("type") != "dark_port_call"))
    detail_rows = [
        (
            event["mmsi"],
            event["type"],
            event["start_ts"].strftime("%Y-%m-%d %H:%M"),
            event["end_ts"].strftime("%Y-%m-%d %H:%M"),
            _why(event, calls.get(event["event_id"])),
            event["event_id"],
        )
        for event in shown.iter_rows(named=True)
    ]
    print_table(
        "Their findings (darkfleet explain EVENT_ID shows the positions and raw lines)",
        ["mmsi", "type", "start (UTC)", "end (UTC)", "why", "event_id"],
        detail_rows,
    )


def _one_call_per_gap(events: pl.DataFrame) -> pl.DataFrame:
    """Keep one dark port call per gap, the one an analyst reads first, with the others' ports.

    A long gap makes calls at many ports possible; show a confirmed one before a possible
    one, a DPRK port before others, then the one needing the lowest speed. Column
    ``other_ports`` lists the gap's other ports in that order.
    """
    calls = events.filter(pl.col("type") == "dark_port_call")
    if calls.is_empty():
        return events.with_columns(other_ports=pl.lit(None, dtype=pl.List(pl.String)))
    ranked = calls.with_columns(
        gap=pl.col("details").str.json_path_match("$.gap_event_id"),
        is_possible=pl.col("details").str.json_path_match("$.status") != "confirmed",
        is_elsewhere=pl.col("country") != "PRK",
        speed=pl.col("details").str.json_path_match("$.required_speed_knots").cast(pl.Float64),
    ).sort("gap", "is_possible", "is_elsewhere", "speed", "event_id")
    first = (
        ranked.group_by("gap", maintain_order=True)
        .agg(pl.all().first(), pl.col("port").slice(1).alias("other_ports"))
        .select(*events.columns, "other_ports")
    )
    return pl.concat(
        [events.filter(pl.col("type") != "dark_port_call"), first], how="diagonal_relaxed"
    )


def _why_call(call_event: dict[str, Any]) -> str:
    """The dark port call behind a gap, in one clause."""
    call = json.loads(call_event["details"])
    seen = f", sighted ({', '.join(call['sighting_ids'])})" if call["sighting_ids"] else ""
    out = f"+{call['route_out_nm']:.0f}" if call["route_out_nm"] is not None else ""
    others = call_event["other_ports"]
    more = f" (or {others[0]}{', ...' if len(others) > 1 else ''})" if others else ""
    return (
        f"; {call['status']} call at {call_event['port']}{more}{seen}: "
        f"{call['route_in_nm']:.0f}{out} nm by sea, {call['required_speed_knots']:.1f} kn, "
        f"<= {call['possible_dwell_h']:.0f} h in port"
    )


def _latest_names(store: ParquetStore) -> dict[int, str]:
    statics = (
        store.scan("statics")
        .filter(pl.col("name").is_not_null())
        .sort("ts")
        .group_by("mmsi")
        .agg(pl.col("name").last())
        .collect()
    )
    return dict(zip(statics["mmsi"].to_list(), statics["name"].to_list(), strict=True))


def _why(event: dict[str, Any], call: str | None = None) -> str:
    """One line of the evidence that matters most for this event type.

    ``call`` describes the dark port call inferred inside a gap, which replaces the
    gap's straight-line list of ports in reach.
    """
    details = json.loads(event["details"] or "{}")
    kind = event["type"]
    if kind == "gap" and call is not None:
        return f"dark {details.get('gap_duration_h', 0):.0f} h{call}"
    if kind == "gap":
        reachable = [
            p["name"]
            for p in details.get("sensitive_ports_reachable", [])
            if p.get("country") == "PRK"
        ]
        where = f"; DPRK ports in reach: {', '.join(reachable)}" if reachable else ""
        return f"dark {details.get('gap_duration_h', 0):.0f} h{where}"
    if kind == "encounter":
        return (
            f"{details.get('duration_h', 0):.1f} h within {details.get('median_distance_m', 0):.0f} m "
            f"of {event['other_mmsi']}, {details.get('distance_to_port_km', 0):.0f} km from port"
        )
    if kind == "identity_change":
        return f"{details.get('field')}: {details.get('old')} -> {details.get('new')}"
    if kind == "sanctions_match":
        return (
            f"{details.get('entry_name')} on {details.get('list')} by {details.get('matched_on')}"
            f" ({', '.join(details.get('corroboration', []))})"
        )
    if kind == "invalid_identity":
        return f"{details.get('rule')}: {details.get('value')}"
    if kind == "shuttle":
        trips = details.get("trips", [])
        dark = {t["arrival_ts"] for t in trips if t["event_type"] == "dark_port_call"}
        ends = []
        for group in details.get("groups", []):
            seen = Counter(
                t["port"] for t in trips if t["group"] == group and t["event_type"] == "port_visit"
            )
            ends.append(seen.most_common(1)[0][0] if seen else f"{group} (dark)")
        return (
            f"{details.get('n_round_trips')} round trips {' <-> '.join(ends)}; "
            f"{len(dark)} calls inferred while dark"
        )
    if kind == "spoofing":
        return f"rule {details.get('rule')}"
    if kind == "loitering":
        return (
            f"{details.get('duration_h', 0):.1f} h below 2 kn, "
            f"{details.get('distance_from_shore_nm', 0):.0f} nm offshore"
        )
    return ", ".join(
        f"{k}={v}" for k, v in sorted(details.items()) if not isinstance(v, list | dict)
    )[:80]
