"""``darkfleet ingest``: read AIS logs and exports into the store."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from darkfleet.cli._options import progress_option, resolve_store, store_option, summary_option
from darkfleet.cli._render import echo_json, print_table, stderr_console
from darkfleet.cli.main import cli
from darkfleet.config import parse_utc_time
from darkfleet.engine.ingest import IngestOptions, ingest_paths
from darkfleet.engine.summary import FileSummary, IngestSummary
from darkfleet.errors import InputError
from darkfleet.ingest.csv import ColumnMapping
from darkfleet.store import ParquetStore

INPUT_FORMATS = ("auto", "nmea", "dma", "noaa", "semicolon", "marinetraffic", "spire", "csv")


@cli.command("ingest")
@click.argument("paths", nargs=-1, required=True)
@store_option
@click.option(
    "--format",
    "input_format",
    type=click.Choice(INPUT_FORMATS),
    default="auto",
    show_default=True,
    help="Input format; auto tells NMEA from the known CSV exports by the first lines.",
)
@click.option(
    "--columns",
    default=None,
    help="Column mapping for any CSV: mmsi=COL,ts=COL,lat=COL,lon=COL[,sog_knots=COL,...]"
    "[,ts_format=%d/%m/%Y %H:%M:%S][,sep=semicolon].",
)
@click.option(
    "--assume-time",
    default=None,
    help="Receive time (ISO 8601 with offset, UTC) for NMEA lines that carry none and "
    "have no base-station (type 4) report to take a time from.",
)
@click.option(
    "--batch-lines",
    type=int,
    default=1_000_000,
    show_default=True,
    help="Lines decoded per batch (lines); bounds memory.",
)
@click.option(
    "--max-reject-ratio",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Exit 3 if rejected lines exceed this share (0-1) of all lines. [default: never]",
)
@summary_option
@progress_option
def ingest_command(
    paths: tuple[str, ...],
    store: str | None,
    input_format: str,
    columns: str | None,
    assume_time: str | None,
    batch_lines: int,
    max_reject_ratio: float | None,
    summary_format: str,
    no_progress: bool,
) -> None:
    """Read AIS logs and CSV exports into the store.

    NMEA 0183 (!AIVDM/!AIVDO, NMEA 4.0 tag blocks, USCG trailers, $PGHP), plain or
    .gz/.bz2/.zip, files, directories, globs or - for stdin; CSV exports of the Danish
    Maritime Authority, NOAA MarineCadastre and others, or any CSV through --columns.
    Every rejected line is kept in the store with its reason (see darkfleet rejects);
    a file already ingested is skipped.

    Examples:

      darkfleet ingest logs/2023-10-*.nmea.gz --store ./darkfleet-data

      darkfleet ingest aisdk-2018-06-01.zip --format dma

      darkfleet ingest track.csv --format csv --columns mmsi=ID,ts=time,lat=y,lon=x
    """
    mapping = ColumnMapping.parse(columns) if columns else None
    options = IngestOptions(
        input_format=input_format,  # type: ignore[arg-type]
        mapping=mapping,
        assume_time=parse_utc_time(assume_time, where="--assume-time") if assume_time else None,
        batch_lines=batch_lines,
    )
    root = resolve_store(store)
    parquet_store = ParquetStore(root)
    show_progress = not no_progress and stderr_console().is_terminal
    summary = _run(paths, parquet_store, options, show_progress)
    if summary_format == "json":
        echo_json({"store": str(root), **summary.to_json()})
    else:
        _print_summary(summary, str(root))
    total = summary.total()
    if (
        max_reject_ratio is not None
        and total.lines
        and total.rejects / total.lines > max_reject_ratio
    ):
        raise InputError(
            f"{total.rejects} of {total.lines} lines rejected ({total.rejects / total.lines:.1%}), "
            f"above --max-reject-ratio {max_reject_ratio}; see darkfleet rejects --store {root}"
        )


def _run(
    paths: tuple[str, ...], store: ParquetStore, options: IngestOptions, show_progress: bool
) -> IngestSummary:
    ingested_at = datetime.now(UTC)  # the CLI owns the clock; recorded in the manifest
    if not show_progress:
        return ingest_paths(paths, store, options, ingested_at=ingested_at)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.fields[lines]:,} lines"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr_console(), transient=True) as progress:
        task = progress.add_task("ingest", lines=0, rate="")
        started = datetime.now(UTC)

        def on_progress(current: FileSummary) -> None:
            seconds = max((datetime.now(UTC) - started).total_seconds(), 1e-6)
            progress.update(
                task,
                description=current.file,
                lines=current.lines,
                rate=f"{current.lines / seconds:,.0f} lines/s",
            )

        return ingest_paths(paths, store, options, ingested_at=ingested_at, on_progress=on_progress)


def _print_summary(summary: IngestSummary, root: str) -> None:
    total = summary.total()
    rows: list[tuple[str, object]] = [
        ("store", root),
        (
            "files",
            f"{len(summary.files)} ({sum(f.skipped is not None for f in summary.files)} skipped)",
        ),
        ("lines", f"{total.lines:,}"),
        ("messages", f"{total.messages:,}"),
        ("positions", f"{total.positions:,}"),
        ("static reports", f"{total.statics:,}"),
        ("other messages", f"{total.others:,}"),
        ("duplicates dropped", f"{total.duplicates:,}"),
        ("rejected", f"{total.rejects:,}"),
        ("vessels", f"{len(total.vessels):,}"),
        ("first", total.to_json()["first_ts"]),
        ("last", total.to_json()["last_ts"]),
        ("seconds", f"{summary.seconds:.2f}"),
        (
            "throughput",
            f"{total.lines / summary.seconds:,.0f} lines/s" if summary.seconds > 0 else "",
        ),
    ]
    print_table("Ingest summary", ["", "value"], rows)
    if total.messages_by_type:
        print_table(
            "Messages by AIS type",
            ["type", "messages"],
            [(k, f"{v:,}") for k, v in sorted(total.messages_by_type.items())],
        )
    if total.ts_origins:
        print_table(
            "Receive times taken from",
            ["origin", "messages"],
            [(k, f"{v:,}") for k, v in sorted(total.ts_origins.items())],
        )
    if total.rejects_by_reason:
        print_table(
            "Rejects by reason (darkfleet rejects shows the lines)",
            ["reason", "lines"],
            [(k, f"{v:,}") for k, v in sorted(total.rejects_by_reason.items())],
        )
    skipped = [(f.file, f.skipped) for f in summary.files if f.skipped]
    if skipped:
        print_table("Skipped files", ["file", "why"], skipped)
