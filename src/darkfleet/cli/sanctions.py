"""``darkfleet sanctions load|list`` and ``darkfleet screen``."""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import polars as pl

from darkfleet.cli._options import CONFIG_HELP, load_config, resolve_store, store_option
from darkfleet.cli._render import echo_json, print_table
from darkfleet.cli.main import cli
from darkfleet.config import build_section
from darkfleet.engine.sanctions import (
    ScreenReport,
    list_summary,
    load_sanctions_list,
    screen_store,
)
from darkfleet.fuse.sanctions.formats import FORMATS
from darkfleet.fuse.sanctions.history import current_entries
from darkfleet.fuse.sanctions.match import ScreenParams
from darkfleet.store import ParquetStore

_ISO = "%Y-%m-%dT%H:%M:%SZ"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime(_ISO)


@cli.group("sanctions")
def sanctions_group() -> None:
    """Load sanctions lists and show what is loaded.

    Lists are FollowTheMoney JSON lines (OpenSanctions), OFAC's sdn.csv or a plain CSV;
    see docs/sanctions.md. Screen the store against them with darkfleet screen.

    Examples:

      darkfleet sanctions load sdn.csv --store ./darkfleet-data

      darkfleet sanctions list
    """


@sanctions_group.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--list",
    "list_name",
    default=None,
    help="List name. [default: a CSV row's list, us_ofac_sdn for sdn.csv, else the file name]",
)
@click.option(
    "--format",
    "list_format",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="ftm (FollowTheMoney JSON lines), ofac (sdn.csv), csv (name,imo,mmsi,flag,list,reason).",
)
@store_option
def sanctions_load_command(
    file: str, list_name: str | None, list_format: str, store: str | None
) -> None:
    """Load a sanctions list; it replaces the list's last version.

    Entries that disappear or change keep their history (added/removed times). Rows
    that cannot be read are named on stderr (file:row: field ...) and counted; the rest
    is loaded. Records that are not vessels are counted and skipped.

    Examples:

      darkfleet sanctions load sdn.csv

      darkfleet sanctions load vessels.ftm.json --list opensanctions_vessels

      darkfleet sanctions load watch.csv --format csv --store ./darkfleet-data
    """
    report = load_sanctions_list(
        ParquetStore(resolve_store(store)),
        Path(file),
        loaded_at=datetime.now(UTC),
        list_format=list_format,
        list_name=list_name,
    )
    read = report.read
    for rejected in read.rejected:
        click.echo(f"Rejected: {rejected.message}", err=True)
    for note in read.notes:
        click.echo(f"Note: {note}", err=True)
    for name, (added, removed) in sorted(report.changes.items()):
        count = read.entries.filter(pl.col("list") == name).height
        click.echo(
            f"Loaded {count:,} vessel entries into list {name} from {file} ({read.format}): "
            f"{added:,} added, {removed:,} removed since the last version."
        )
    click.echo(
        f"{len(read.rejected):,} rows rejected; {read.skipped:,} records that are not "
        "vessels skipped."
    )


@sanctions_group.command("list")
@click.option("--list", "list_name", default=None, help="Only this list, with its entries.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@store_option
def sanctions_list_command(list_name: str | None, output_format: str, store: str | None) -> None:
    """Show the loaded lists (and one list's entries).

    For each list: entries listed now, versions removed over time, entries with an IMO
    number, loads, and the last load's time, file, format and rejected rows. With
    --list NAME, also that list's current entries.

    Examples:

      darkfleet sanctions list

      darkfleet sanctions list --list us_ofac_sdn --format json
    """
    parquet_store = ParquetStore(resolve_store(store), create=False)
    summary = list_summary(parquet_store, list_name=list_name)
    entries = current_entries(parquet_store.read_sanctions())
    if list_name is not None:
        entries = entries.filter(pl.col("list") == list_name)
    if output_format == "json":
        payload: dict[str, Any] = {
            "lists": [
                {**row, "last_loaded": _iso(row["last_loaded"])}
                for row in summary.iter_rows(named=True)
            ]
        }
        if list_name is not None:
            payload["entries"] = [
                {**row, "added_ts": _iso(row["added_ts"]), "removed_ts": None}
                for row in entries.iter_rows(named=True)
            ]
        echo_json(payload)
        return
    if summary.height == 0:
        if list_name is not None:
            click.echo(f"No list named {list_name}; darkfleet sanctions list shows the lists.")
        else:
            click.echo("No sanctions lists loaded; load one with darkfleet sanctions load FILE.")
        return
    print_table(
        "Sanctions lists",
        ["list", "entries", "removed", "with IMO", "loads", "last loaded", "file", "format"],
        [
            (
                row["list"],
                row["entries"],
                row["removed"],
                row["with_imo"],
                row["loads"],
                _iso(row["last_loaded"]),
                row["file"],
                row["format"],
            )
            for row in summary.iter_rows(named=True)
        ],
    )
    if list_name is not None:
        print_table(
            f"Entries of {list_name}",
            ["entry_id", "name", "imo", "mmsi", "flag", "type", "programs", "added"],
            [
                (
                    row["entry_id"],
                    row["name"],
                    row["imo"],
                    row["mmsi"],
                    row["flag"],
                    row["vessel_type"],
                    ", ".join(row["programs"]),
                    _iso(row["added_ts"]),
                )
                for row in entries.iter_rows(named=True)
            ],
        )


@cli.command("screen")
@store_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--near-misses/--no-near-misses",
    default=True,
    show_default=True,
    help="Also list near misses (similar names without corroboration, conflicting IMOs).",
)
@click.option("--config", "config_file", default=None, help=CONFIG_HELP)
def screen_command(
    store: str | None, output_format: str, near_misses: bool, config_file: str | None
) -> None:
    """Screen every vessel in the store against the loaded lists.

    Matches by IMO, by MMSI while the vessel held it, or by a similar name with
    corroboration (flag, ship type, size, call sign, former name); each match becomes a
    sanctions_match event (replacing the previous ones). Near misses are listed for
    review. See docs/sanctions.md.

    Examples:

      darkfleet screen --store ./darkfleet-data

      darkfleet screen --format json --no-near-misses

      darkfleet screen --format csv > screening.csv

      darkfleet screen --config darkfleet.toml    # [sanctions] min_name_score = 92
    """
    from darkfleet.reference import load_mid_table

    file_config, where = load_config(config_file)
    report = screen_store(
        ParquetStore(resolve_store(store), create=False),
        mid_table=load_mid_table(),
        params=build_section(ScreenParams, file_config, "sanctions", where=where),
        workers=screen_workers(),
    )
    render_screening(report, output_format=output_format, near_misses=near_misses)


def screen_workers() -> int:
    """Threads for name comparison: the machine's cores (results do not depend on it)."""
    return os.cpu_count() or 1


def screening_rows(report: ScreenReport, *, near_misses: bool) -> list[dict[str, Any]]:
    """Matches (and near misses) as flat records, matches first."""
    if report.result is None:
        return []
    rows: list[dict[str, Any]] = []
    for row in report.result.matches.iter_rows(named=True):
        start, end = row.pop("start_ts"), row.pop("end_ts")
        rows.append({"kind": "match", **row, "start": _iso(start), "end": _iso(end)})
    if near_misses:
        rows += [
            {"kind": "near_miss", **row} for row in report.result.near_misses.iter_rows(named=True)
        ]
    return rows


def render_screening(report: ScreenReport, *, output_format: str, near_misses: bool) -> None:
    """Print what screening found, as a table, JSON or CSV."""
    if report.result is None:
        click.echo(
            "No sanctions lists loaded: nothing to screen. Load one with "
            "darkfleet sanctions load FILE.",
            err=True,
        )
    rows = screening_rows(report, near_misses=near_misses)
    matches = [r for r in rows if r["kind"] == "match"]
    misses = [r for r in rows if r["kind"] == "near_miss"]
    if output_format == "json":
        payload: dict[str, Any] = {"lists": list(report.lists), "matches": matches}
        if near_misses:
            payload["near_misses"] = misses
        echo_json(payload)
        return
    if output_format == "csv":
        fields = [
            "kind",
            "mmsi",
            "vessel_name",
            "list",
            "entry_id",
            "entry_name",
            "matched_on",
            "match_score",
            "score",
            "name_score",
            "corroboration",
            "reason",
            "start",
            "end",
            "event_id",
        ]
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=fields, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "corroboration": "; ".join(row["corroboration"] or [])})
        click.echo(buffer.getvalue(), nl=False)
        return
    if report.result is None:
        return
    click.echo(
        f"Screened {report.result.vessels:,} vessels against {report.result.entries:,} entries "
        f"of {len(report.lists)} list(s): {len(matches):,} matches, {len(misses):,} near misses."
    )
    print_table(
        "Sanctions matches (stored as sanctions_match events)",
        ["mmsi", "vessel", "list", "entry", "on", "score", "corroboration", "from", "to"],
        [
            (
                r["mmsi"],
                r["vessel_name"],
                r["list"],
                r["entry_name"],
                r["matched_on"],
                r["score"],
                "; ".join(r["corroboration"]),
                r["start"],
                r["end"],
            )
            for r in matches
        ],
    )
    if near_misses:
        print_table(
            "Near misses (review by hand; not stored as events)",
            ["mmsi", "vessel", "list", "entry", "name score", "reason"],
            [
                (
                    r["mmsi"],
                    r["vessel_name"],
                    r["list"],
                    r["entry_name"],
                    r["name_score"],
                    r["reason"],
                )
                for r in misses
            ],
        )
