"""``darkfleet info`` and ``darkfleet rejects``: what the store holds."""

from __future__ import annotations

import json

import click
import polars as pl

from darkfleet.cli._options import format_option, resolve_store, store_option
from darkfleet.cli._render import echo_json, print_table
from darkfleet.cli.main import cli
from darkfleet.errors import ConfigError
from darkfleet.schema import REJECT_REASONS
from darkfleet.store import ParquetStore


@cli.command("info")
@store_option
@format_option("table", "json")
def info_command(store: str | None, output_format: str) -> None:
    """Show what the store holds.

    Rows per dataset, vessels, time span, days, files ingested, size on disk and
    rejected lines by reason.

    Examples:

      darkfleet info

      darkfleet info --store ./darkfleet-data --format json
    """
    root = resolve_store(store)
    info = ParquetStore(root, create=False).info()
    rows_by_kind = dict(info.rows)
    rejects_by_reason = dict(sorted(info.rejects_by_reason.items()))
    payload = {
        "store": str(root),
        "rows": rows_by_kind,
        "vessels": info.vessels,
        "first_ts": info.first_ts.isoformat().replace("+00:00", "Z") if info.first_ts else None,
        "last_ts": info.last_ts.isoformat().replace("+00:00", "Z") if info.last_ts else None,
        "days": len(info.days),
        "files_ingested": info.files_ingested,
        "bytes_on_disk": info.bytes_on_disk,
        "rejects_by_reason": rejects_by_reason,
    }
    if output_format == "json":
        echo_json(payload)
        return
    rows = [
        ("store", payload["store"]),
        *((f"{kind} rows", f"{count:,}") for kind, count in rows_by_kind.items()),
        ("vessels", f"{info.vessels:,}"),
        ("first", payload["first_ts"]),
        ("last", payload["last_ts"]),
        ("days", payload["days"]),
        ("files ingested", info.files_ingested),
        ("size on disk", f"{info.bytes_on_disk / 1e6:,.1f} MB"),
        *((f"rejected: {reason}", f"{count:,}") for reason, count in rejects_by_reason.items()),
    ]
    print_table("Store", ["", "value"], rows)


@cli.command("rejects")
@store_option
@click.option(
    "--reason",
    type=click.Choice([r for r in REJECT_REASONS if r != "duplicate"]),
    default=None,
    help="Only lines rejected for this reason.",
)
@click.option(
    "--file",
    "file_name",
    default=None,
    help="Only lines of input files whose name contains this text.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="At most this many lines (0: all).",
)
@format_option("table", "jsonl", "csv")
def rejects_command(
    store: str | None, reason: str | None, file_name: str | None, limit: int, output_format: str
) -> None:
    """List rejected input lines with file, line number and reason.

    Nothing is dropped silently: every line darkfleet could not use is kept with the
    reason and a detail saying exactly what was wrong.

    Examples:

      darkfleet rejects --reason checksum

      darkfleet rejects --file 2023-10-01 --limit 0 --format jsonl
    """
    if limit < 0:
        raise ConfigError("--limit must be >= 0")
    frame = ParquetStore(resolve_store(store), create=False).scan("rejects")
    if reason is not None:
        frame = frame.filter(pl.col("reason") == reason)
    if file_name is not None:
        frame = frame.filter(pl.col("file").str.contains(file_name, literal=True))
    frame = frame.sort("file", "line_no")
    if limit:
        frame = frame.head(limit)
    rejects = frame.collect()
    if output_format == "jsonl":
        for row in rejects.iter_rows(named=True):
            click.echo(json.dumps(row, sort_keys=True, ensure_ascii=False))
    elif output_format == "csv":
        click.echo(rejects.write_csv(), nl=False)
    else:
        print_table(
            f"{rejects.height} rejected lines"
            + (" (--limit 0 shows all)" if limit and rejects.height == limit else ""),
            ["file", "line", "reason", "detail", "raw"],
            [
                (row["file"], row["line_no"], row["reason"], row["detail"], (row["raw"] or "")[:90])
                for row in rejects.iter_rows(named=True)
            ],
        )
