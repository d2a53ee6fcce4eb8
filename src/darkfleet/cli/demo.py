"""``darkfleet demo``: replay the Rajin shuttle scenario end to end (simulate, ingest, detect).

Between ingest and detection the demo records an analyst's evidence in the demo store's
own SQLite workspace (never ``$DARKFLEET_DATABASE_URL``: the demo leaves your database
alone): one imagery sighting (a shuttle ship the simulation planted a dark call at Najin
(Rajin) for, seen at the pier during that call), which detection turns into a confirmed
dark port call, and the bundled statement (``engine.reports.add_demo_report``), whose
claims link to the shuttle ships' dossiers.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import click
import polars as pl

from darkfleet.cli._render import print_table, stderr_console
from darkfleet.cli.main import cli
from darkfleet.engine.detect import run_detection
from darkfleet.engine.detect_config import build_detect_config
from darkfleet.engine.ingest import IngestOptions, ingest_paths
from darkfleet.engine.reports import add_demo_report
from darkfleet.engine.sanctions import demo_list_path, load_sanctions_list, screen_store
from darkfleet.fuse.dossier import Fleet, load_fleet, rank_vessels
from darkfleet.fuse.reports import vessel_claims
from darkfleet.fuse.risk_params import RiskParams
from darkfleet.fuse.sightings import add_sighting, read_current_sightings
from darkfleet.fuse.vessel_mentions import VesselIndex
from darkfleet.store import ParquetStore
from darkfleet.store.workspace import Workspace, open_workspace, workspace_url

#: Vessels listed in the ranking, and those whose reasons are spelled out.
TOP_VESSELS = 10
EXPLAINED_VESSELS = 5
#: The simulator's name of the port the analyst's image shows (Najin, also called Rajin).
SIGHTING_PORT: Final = "NAJIN"
#: The analyst's imagery sighting (invented, modelled on published imagery analysis of
#: the 2023 Rajin shuttle: a cargo ship at the pier, containers on deck).
SIGHTING_SOURCE: Final = (
    "Commercial satellite image (optical, 50 cm), analyst review of the Rajin port pass"
)
SIGHTING_OBSERVATION: Final = (
    "{length} m cargo ship alongside the Rajin container pier, containers stacked on deck; "
    "hull, deck cranes and superstructure match {name}"
)
SIGHTING_AUTHOR: Final = "demo analyst"


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
    built-in list of the ships designated for it, and ranks the vessels by risk score,
    with the reasons and evidence behind each. The store it leaves behind
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
    console.print(f"1/4 simulating the shuttle scenario (seed {seed}) into {root} ...")
    result = simulate("shuttle", seed=seed)
    paths = write_simulation(result, root)
    if (root / "store" / "_darkfleet.json").is_file():
        # the demo's own store from an earlier run: start afresh, as the feed is rewritten
        console.print(f"    replacing the previous demo store in {root / 'store'}")
        shutil.rmtree(root / "store")
    store = ParquetStore(root / "store")
    console.print("2/4 ingesting the NMEA feed ...")
    ingest_summary = ingest_paths(
        [str(paths["feed"])], store, IngestOptions(), ingested_at=datetime.now(UTC)
    )
    console.print("3/4 recording an analyst's sighting at Rajin and a government statement ...")
    recorded_ts = result.start + timedelta(days=result.days)  # after the data: deterministic
    with _demo_workspace(root / "store") as workspace:
        sightings = _record_sighting(store, workspace, result.truth, result.vessels, recorded_ts)
        statement = add_demo_report(store, workspace, added_ts=recorded_ts)
    console.print("4/4 running the detectors ...")
    context = load_geo_context()
    context = dataclasses.replace(context, shore=load_shore_grid())
    report = run_detection(
        store,
        context=context,
        mid_table=load_mid_table(),
        config=build_detect_config(None, overrides={}, only=None, where="defaults"),
        port_groups=default_port_groups(context.ports),
        sightings=sightings,
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
        f"{sightings.height} analyst sighting; {len(statement.report.claims)} claims from a "
        f"statement; store {root / 'store'}\n"
    )
    with _demo_workspace(root / "store") as workspace:
        fleet = load_fleet(
            store,
            mid_table=load_mid_table(),
            port_groups=default_port_groups(context.ports),
            params=RiskParams(),
            workspace=workspace,
        )
    _print_ranking(fleet)
    _print_dark_calls(fleet, sightings)
    _print_claims(fleet)
    click.echo(
        f'Next: darkfleet vessel "LADY R" --store {root / "store"}   |   '
        f"darkfleet vessels --store {root / 'store'}"
    )
    click.echo(f"Ground truth of what was planted: {paths['truth']}")


def _print_ranking(fleet: Fleet) -> None:
    """Rank the vessels by risk score and show each top vessel's reasons."""
    ranked = rank_vessels(fleet, sort="risk", limit=TOP_VESSELS)
    ranked = ranked.filter(pl.col("score") > 0)
    if ranked.height == 0:
        click.echo("No vessel has a risk score above 0.")
        return
    print_table(
        "Vessels to look at first (risk score 0-100, docs/risk.md)",
        ["#", "mmsi", "name", "flag", "risk", "events"],
        [
            (i, r["mmsi"], r["name"], r["flag"], f"{r['score']:.1f}", r["events"])
            for i, r in enumerate(ranked.iter_rows(named=True), start=1)
        ],
    )
    rows = []
    for r in ranked.head(EXPLAINED_VESSELS).iter_rows(named=True):
        for reason in r["reasons"] or []:
            first_id = reason["event_ids"][0] if reason["event_ids"] else ""
            rows.append(
                (r["name"] or r["mmsi"], f"{reason['points']:.1f}", reason["text"], first_id)
            )
    print_table(
        "Why (darkfleet vessel NAME shows all evidence; darkfleet explain EVENT_ID one event)",
        ["vessel", "points", "reason", "e.g. event"],
        rows,
    )


def _demo_workspace(store_root: Path) -> AbstractContextManager[Workspace]:
    """The demo store's own SQLite workspace (created on first use)."""
    url = workspace_url(store_root, None)
    return open_workspace(url, where=f"the demo store's workspace ({store_root})")


def _record_sighting(
    store: ParquetStore,
    workspace: Workspace,
    truth: pl.DataFrame,
    vessels: pl.DataFrame,
    recorded_ts: datetime,
) -> pl.DataFrame:
    """Record the analyst's sighting of the first planted dark call at Najin; return the
    workspace's current sightings (``schema.SIGHTINGS``), empty when nothing was planted."""
    planted = truth.filter(
        (pl.col("type") == "dark_port_call") & (pl.col("port") == SIGHTING_PORT)
    ).sort("start", "mmsi")
    if planted.height:
        call = planted.row(0, named=True)
        ship = vessels.filter(pl.col("mmsi") == call["mmsi"]).row(0, named=True)
        middle = call["start"] + (call["end"] - call["start"]) / 2
        seen = middle.replace(second=0, microsecond=0)  # an image time to the minute
        add_sighting(
            {
                "vessel": f"{ship['name']} (IMO {ship['imo']})",
                "time": seen.isoformat(),
                "port": call["port"],
                "source": SIGHTING_SOURCE,
                "observation": SIGHTING_OBSERVATION.format(
                    length=ship["length_m"], name=ship["name"]
                ),
                "confidence": "high",
            },
            workspace,
            VesselIndex.from_store(store),
            author=SIGHTING_AUTHOR,
            recorded_ts=recorded_ts,
            reason="demo: imagery analysis of the planted dark call",
        )
    return read_current_sightings(workspace)


def _print_dark_calls(fleet: Fleet, sightings: pl.DataFrame) -> None:
    """A confirmed dark port call (with its sighting) next to a possible one at Najin."""
    calls = fleet.events.filter(pl.col("type") == "dark_port_call").with_columns(
        pl.col("details").str.json_path_match("$.status").alias("status"),
        pl.col("details").str.json_path_match("$.port_id").alias("port_id"),
    )
    confirmed = calls.filter(pl.col("status") == "confirmed").sort("start_ts", "event_id")
    at_najin = calls.filter((pl.col("status") == "possible") & (pl.col("port_id") == "PRK-NAJIN"))
    other_ship = at_najin.filter(~pl.col("mmsi").is_in(confirmed["mmsi"].implode()))
    possible = (other_ship if other_ship.height else at_najin).sort("start_ts", "event_id")
    shown = pl.concat([confirmed.head(1), possible.head(1)])
    if shown.is_empty():
        click.echo("No dark port calls found.")
        return
    names = _vessel_names(fleet)
    rows: list[tuple[Any, ...]] = []
    shown_ids: list[str] = []
    for event in shown.iter_rows(named=True):
        details = json.loads(event["details"])
        shown_ids += details["sighting_ids"]
        rows.append(
            (
                details["status"],
                names.get(event["mmsi"]) or event["mmsi"],
                f"{event['port']} ({event['country']})",
                f"{_minute(event['start_ts'])} - {_minute(event['end_ts'])}",
                f"{details['required_speed_knots']:.1f}",
                f"{details['possible_dwell_h']:.1f}",
                ", ".join(details["sighting_ids"]) or "-",
                details["gap_event_id"],
                event["event_id"],
            )
        )
    print_table(
        "Dark port calls (darkfleet events --type dark_port_call; explain EVENT_ID)",
        ["status", "vessel", "port", "dark (gap)", "required kn", "possible dwell h",
         "sighting", "gap event", "event"],
        rows,
    )  # fmt: skip
    confirming = pl.col("sighting_id").is_in(pl.Series(shown_ids, dtype=pl.String).implode())
    for seen in sightings.filter(confirming).iter_rows(named=True):
        click.echo(
            f"Sighting {seen['sighting_id']}: {seen['vessel_text']} at {seen['port']} "
            f"{_minute(seen['start_ts'])}, {seen['confidence']} confidence\n"
            f"  source: {seen['source']}\n  observation: {seen['observation']}"
        )
    click.echo()


def _print_claims(fleet: Fleet) -> None:
    """What the statement says about the ranked ships: who says it, how sure, the sentence."""
    claims = fleet.workspace.claims
    if claims is None or claims.is_empty():
        return
    named = vessel_claims(claims, mmsis=fleet.vessels["mmsi"].to_list())
    names = _vessel_names(fleet)
    # each claim once, with the MMSIs of the store's vessels it names
    grouped = named.group_by("claim_id", maintain_order=True).agg(
        pl.all().exclude("mmsi").first(), pl.col("mmsi").drop_nulls().unique().sort()
    )
    rows = []
    for claim in grouped.iter_rows(named=True):
        mmsis = claim["mmsi"]
        vessels = names.get(mmsis[0]) or mmsis[0] if len(mmsis) == 1 else f"{len(mmsis)} ships"
        rows.append(
            (
                vessels,
                claim["certainty"],
                claim["source"] or "",
                claim["sentence"],
                claim["claim_id"],
            )
        )
    print_table(
        "What the statement claims about them (darkfleet explain CLAIM_ID; darkfleet claims)",
        ["vessels", "certainty", "who says so", "sentence", "claim"],
        rows,
    )


def _vessel_names(fleet: Fleet) -> dict[int, str]:
    return dict(zip(fleet.vessels["mmsi"].to_list(), fleet.vessels["name"].to_list(), strict=True))


def _minute(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%MZ")
