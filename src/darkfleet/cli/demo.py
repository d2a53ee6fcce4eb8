"""``darkfleet demo``: replay the Rajin shuttle scenario end to end (simulate, ingest, detect)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import click
import polars as pl

from darkfleet.cli._render import print_table, stderr_console
from darkfleet.cli.main import cli
from darkfleet.engine.detect import run_detection
from darkfleet.engine.detect_config import build_detect_config
from darkfleet.engine.ingest import IngestOptions, ingest_paths
from darkfleet.engine.sanctions import demo_list_path, load_sanctions_list, screen_store
from darkfleet.fuse.dossier import load_fleet, rank_vessels
from darkfleet.fuse.risk_params import RiskParams
from darkfleet.store import ParquetStore

#: Vessels listed in the ranking, and those whose reasons are spelled out.
TOP_VESSELS = 10
EXPLAINED_VESSELS = 5


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
    _print_ranking(store, default_port_groups(context.ports))
    click.echo(
        f'Next: darkfleet vessel "LADY R" --store {root / "store"}   |   '
        f"darkfleet vessels --store {root / 'store'}"
    )
    click.echo(f"Ground truth of what was planted: {paths['truth']}")


def _print_ranking(store: ParquetStore, port_groups: dict[str, str]) -> None:
    """Rank the vessels by risk score and show each top vessel's reasons."""
    from darkfleet.reference import load_mid_table

    fleet = load_fleet(
        store, mid_table=load_mid_table(), port_groups=port_groups, params=RiskParams()
    )
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
