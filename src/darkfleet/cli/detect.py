"""``darkfleet detect``, ``events``, ``explain`` and ``config show``."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
import polars as pl
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from darkfleet.cli._options import (
    CONFIG_HELP,
    format_option,
    load_config,
    progress_option,
    resolve_store,
    store_option,
    summary_option,
)
from darkfleet.cli._render import echo_json, print_table, stderr_console
from darkfleet.cli.main import cli
from darkfleet.cli.reports import explain_report_item
from darkfleet.cli.workspace import existing_workspace
from darkfleet.config import build_section, describe_section, parse_utc_time
from darkfleet.engine.detect import DetectReport, run_detection
from darkfleet.engine.detect_config import (
    DEFAULT_CHUNK_POSITIONS,
    DETECTOR_ORDER,
    ConfigValue,
    build_detect_config,
    describe_detect_config,
    parse_overrides,
)
from darkfleet.engine.evidence import Explanation, event_records, explain_event, query_events
from darkfleet.engine.sanctions import ScreenReport, screen_store
from darkfleet.errors import ConfigError
from darkfleet.fuse.reports import CLAIM_PREFIX, REPORT_PREFIX
from darkfleet.fuse.risk import CHAIN_PREFIX
from darkfleet.fuse.risk_params import describe_risk_params
from darkfleet.fuse.sanctions.match import ScreenParams
from darkfleet.fuse.sightings import read_current_sightings, sighting_evidence
from darkfleet.schema import EVENT_TYPES
from darkfleet.store import ParquetStore

_SET_HELP = "Override one parameter: DETECTOR.KEY=VALUE (e.g. gap.min_gap=8h); repeatable."


def _split_list(text: str | None, *, option: str, known: tuple[str, ...]) -> list[str] | None:
    if text is None:
        return None
    names = [part.strip() for part in text.split(",") if part.strip()]
    for name in names:
        if name not in known:
            raise ConfigError(f"{option} {name!r} is not one of {', '.join(known)}")
    if not names:
        raise ConfigError(f"{option} names nothing; give e.g. {option} {known[0]}")
    return names


@cli.command("detect")
@store_option
@click.option("--ports", "ports_file", default=None, help="GeoJSON FeatureCollection of ports.")
@click.option(
    "--ports-mode",
    type=click.Choice(["add", "replace"]),
    default="add",
    show_default=True,
    help="Add --ports to the built-in gazetteer, or replace it.",
)
@click.option("--config", "config_file", default=None, help=CONFIG_HELP)
@click.option("--set", "assignments", multiple=True, help=_SET_HELP)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Run here, or on a Dask cluster (pip install 'darkfleet[dask]').",
)
@click.option(
    "--scheduler",
    default=None,
    help="Dask scheduler address (tcp://HOST:8786). [default: a LocalCluster]",
)
@click.option(
    "--only",
    default=None,
    help=f"Comma-separated detectors to run: {','.join(DETECTOR_ORDER)}. [default: all]",
)
@click.option(
    "--as-of",
    default=None,
    help="UTC time (ISO 8601 with offset) the data is complete up to; gaps still open "
    "then are reported. [default: the last position in the store]",
)
@click.option(
    "--chunk-positions",
    type=click.IntRange(min=1),
    default=DEFAULT_CHUNK_POSITIONS,
    show_default=True,
    help="Most positions one chunk of vessels reads (positions); bounds memory.",
)
@summary_option
@progress_option
def detect_command(
    store: str | None,
    ports_file: str | None,
    ports_mode: str,
    config_file: str | None,
    assignments: tuple[str, ...],
    engine: str,
    scheduler: str | None,
    only: str | None,
    as_of: str | None,
    chunk_positions: int,
    summary_format: str,
    no_progress: bool,
) -> None:
    """Find gaps, encounters, spoofing and more in the store.

    Runs spoofing (track splitting) first, then gap, port_visit, loitering, encounter,
    identity_change, invalid_identity, dark_port_call and shuttle, and writes
    <store>/events/. Dark port calls use the current (undisputed) sightings of the
    store's workspace ($DARKFLEET_DATABASE_URL, or the store's SQLite if it exists):
    a sighting at a sensitive port inside a gap confirms the call. A second run does
    only what new files, changed parameters or changed sightings require. Last, it
    screens every vessel against the loaded sanctions lists (as darkfleet screen does).

    Examples:

      darkfleet detect --store ./darkfleet-data

      darkfleet detect --only gap,encounter --set gap.min_gap=12h

      darkfleet detect --engine dask --scheduler tcp://10.0.0.5:8786
    """
    from darkfleet.reference import default_port_groups, load_geo_context, load_mid_table
    from darkfleet.reference.shore import load_shore_grid

    file_config, where = load_config(config_file)
    config = build_detect_config(
        file_config,
        overrides=parse_overrides(assignments),
        only=_split_list(only, option="--only", known=DETECTOR_ORDER),
        where=where,
        chunk_positions=chunk_positions,
    )
    as_of_ts = parse_utc_time(as_of, where="--as-of") if as_of else None
    root = resolve_store(store)
    parquet_store = ParquetStore(root, create=False)
    context = load_geo_context(ports_file, mode=ports_mode)  # type: ignore[arg-type]
    context = dataclasses.replace(context, shore=load_shore_grid())
    started = time.perf_counter()
    with existing_workspace(root) as workspace:
        sightings = None if workspace is None else read_current_sightings(workspace)
    kwargs: dict[str, Any] = {
        "context": context,
        "mid_table": load_mid_table(),
        "config": config,
        "port_groups": default_port_groups(context.ports),
        "as_of": as_of_ts,
        "sightings": sightings,
        "engine": engine,
        "scheduler": scheduler,
    }
    if not no_progress and stderr_console().is_terminal:
        columns = (
            SpinnerColumn(),
            TextColumn("detect {task.fields[read]:,} positions read"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=stderr_console(), transient=True) as progress:
            task = progress.add_task("detect", read=0)
            report = run_detection(
                parquet_store,
                on_progress=lambda n: progress.update(task, read=n),
                **kwargs,
            )
    else:
        report = run_detection(parquet_store, **kwargs)
    screening = _screen_after_detection(
        parquet_store,
        kwargs["mid_table"],
        build_section(ScreenParams, file_config, "sanctions", where=where),
    )
    seconds = time.perf_counter() - started
    used = _SightingsUsed(
        current=None if sightings is None else sightings.height,
        confirmed_calls=_confirmed_calls(parquet_store),
    )
    _print_report(report, str(root), seconds, summary_format, screening, used)


@dataclasses.dataclass(frozen=True, slots=True)
class _SightingsUsed:
    """Sightings detect read (None: no workspace) and the confirmed calls now stored."""

    current: int | None
    confirmed_calls: int


def _confirmed_calls(store: ParquetStore) -> int:
    status = pl.col("details").str.json_path_match("$.status")
    is_confirmed = (pl.col("type") == "dark_port_call") & (status == "confirmed")
    return int(store.scan("events").filter(is_confirmed).select(pl.len()).collect().item())


def _screen_after_detection(
    store: ParquetStore, mid_table: pl.DataFrame, params: ScreenParams
) -> ScreenReport:
    """Detection's last step: screen every vessel against the loaded sanctions lists."""
    from darkfleet.cli.sanctions import screen_workers

    return screen_store(store, mid_table=mid_table, params=params, workers=screen_workers())


def _print_report(
    report: DetectReport,
    root: str,
    seconds: float,
    summary_format: str,
    screening: ScreenReport,
    sightings: _SightingsUsed,
) -> None:
    if screening.result is not None:
        matches = screening.result.events.height
        report = dataclasses.replace(
            report,
            events_written={**report.events_written, "sanctions_match": matches},
            events_total={**report.events_total, "sanctions_match": matches},
        )
    rate = report.positions / seconds if seconds > 0 else 0.0
    payload = {
        "store": root,
        "mode": report.mode,
        "detectors": list(report.detectors),
        "new_files": report.new_files,
        "positions": report.positions,
        "positions_read": report.positions_read,
        "vessels": report.vessels,
        "chunks": report.chunks,
        "windows": report.windows,
        "events_written": dict(report.events_written),
        "events_total": dict(report.events_total),
        "as_of": report.as_of.isoformat().replace("+00:00", "Z") if report.as_of else None,
        "dark_legs": {
            "gaps": report.dark_legs.gaps,
            "routes_computed": report.dark_legs.routes_computed,
            "routes_reused": report.dark_legs.routes_reused,
        },
        "sightings": {
            "workspace": sightings.current is not None,
            "current": sightings.current or 0,
            "confirmed_calls": sightings.confirmed_calls,
        },
        "seconds": round(seconds, 3),
        "positions_per_s": round(rate),
        "sanctions": {
            "lists": list(screening.lists),
            "matches": screening.result.events.height if screening.result else 0,
            "near_misses": screening.result.near_misses.height if screening.result else 0,
        },
    }
    if summary_format == "json":
        echo_json(payload)
        return
    if report.mode == "up_to_date":
        click.echo(
            f"Events in {root} are up to date: no new files, no changed parameters or "
            "sightings; nothing to do."
        )
    rows = [
        ("store", root),
        ("mode", report.mode),
        ("new files", report.new_files),
        ("positions", f"{report.positions:,}"),
        ("positions read (with window margins)", f"{report.positions_read:,}"),
        ("vessels", f"{report.vessels:,}"),
        ("chunks / windows", f"{report.chunks} / {report.windows}"),
        ("as of", payload["as_of"]),
        (
            "dark legs: gaps / sea routes computed / reused",
            f"{report.dark_legs.gaps:,} / {report.dark_legs.routes_computed:,} / "
            f"{report.dark_legs.routes_reused:,}",
        ),
        (
            "sightings used / calls they confirm",
            "no workspace yet (darkfleet sightings add/import)"
            if sightings.current is None
            else f"{sightings.current:,} / {sightings.confirmed_calls:,}",
        ),
        ("seconds", f"{seconds:.2f}"),
        ("throughput", f"{rate:,.0f} positions/s"),
    ]
    matches = screening.result.events.height if screening.result else 0
    misses = screening.result.near_misses.height if screening.result else 0
    rows.append(
        (
            "sanctions screening",
            f"{matches} matches, {misses} near misses (darkfleet screen lists them)"
            if screening.lists
            else "no lists loaded (darkfleet sanctions load FILE)",
        )
    )
    print_table("Detect summary", ["", "value"], rows)
    types = sorted(set(report.events_total) | set(report.events_written))
    print_table(
        "Events by type",
        ["type", "computed now", "in store"],
        [(t, report.events_written.get(t, 0), report.events_total.get(t, 0)) for t in types],
    )


def _parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    parts = text.split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError as err:
        raise ConfigError(
            f"--bbox {text!r}: write four numbers W,S,E,N in degrees, e.g. 129,41,133,44"
        ) from err
    return west, south, east, north


@cli.command("events")
@store_option
@click.option("--type", "types", default=None, help="Comma-separated event types.")
@click.option("--mmsi", type=int, default=None, help="Only events of this MMSI (either side).")
@click.option("--since", default=None, help="Events ending at or after this UTC time (ISO 8601).")
@click.option("--until", default=None, help="Events starting before this UTC time (ISO 8601).")
@click.option("--bbox", default=None, help="W,S,E,N in degrees: events located inside.")
@format_option(
    "table",
    "jsonl",
    "csv",
    "geojson",
    help_text="Output format (jsonl follows DESIGN.md's event contract).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="At most this many events (0: all).",
)
def events_command(
    store: str | None,
    types: str | None,
    mmsi: int | None,
    since: str | None,
    until: str | None,
    bbox: str | None,
    output_format: str,
    limit: int,
) -> None:
    """List detected events, oldest first.

    Rows are ordered by start, MMSI and event id. jsonl prints one object per line with
    event_id, type, mmsi, start, end, lat, lon and, when set, other_mmsi, port, country,
    score and details.

    Examples:

      darkfleet events --type gap,encounter --since 2023-09-01

      darkfleet events --mmsi 273456780 --format jsonl

      darkfleet events --bbox 129,41,133,44 --format geojson > events.geojson
    """
    events = query_events(
        ParquetStore(resolve_store(store), create=False),
        types=_split_list(types, option="--type", known=EVENT_TYPES),
        mmsi=mmsi,
        since=parse_utc_time(since, where="--since") if since else None,
        until=parse_utc_time(until, where="--until") if until else None,
        bbox=_parse_bbox(bbox),
        limit=limit or None,
    )
    records = event_records(events)
    if output_format == "jsonl":
        for record in records:
            click.echo(json.dumps(record, sort_keys=True, ensure_ascii=False))
    elif output_format == "csv":
        buffer = io.StringIO()
        fields = [
            "event_id",
            "type",
            "mmsi",
            "start",
            "end",
            "lat",
            "lon",
            "other_mmsi",
            "port",
            "country",
            "score",
            "details",
        ]
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for record in records:
            row = dict(record)
            if "details" in row:
                row["details"] = json.dumps(row["details"], sort_keys=True, ensure_ascii=False)
            writer.writerow(row)
        click.echo(buffer.getvalue(), nl=False)
    elif output_format == "geojson":
        features = [
            {
                "type": "Feature",
                "geometry": (
                    {"type": "Point", "coordinates": [r["lon"], r["lat"]]}
                    if r["lat"] is not None and r["lon"] is not None
                    else None
                ),
                "properties": {k: v for k, v in r.items() if k not in ("lat", "lon")},
            }
            for r in records
        ]
        echo_json({"type": "FeatureCollection", "features": features})
    else:
        print_table(
            f"{len(records)} events",
            ["start", "end", "type", "mmsi", "other", "port", "lat", "lon", "event_id"],
            [
                (
                    r["start"],
                    r["end"],
                    r["type"],
                    r["mmsi"],
                    r.get("other_mmsi"),
                    r.get("port"),
                    _round(r["lat"]),
                    _round(r["lon"]),
                    r["event_id"],
                )
                for r in records
            ],
        )


def _round(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


_POSITION_COLUMNS = [
    "mmsi",
    "ts",
    "lat",
    "lon",
    "sog_knots",
    "cog_deg",
    "msg_type",
    "file",
    "file_id",
    "line_no",
    "raw",
]


def _positions(explanation: Explanation) -> pl.DataFrame:
    return explanation.positions.with_columns(
        explanation.positions["ts"].dt.to_string("%Y-%m-%dT%H:%M:%S%.fZ").alias("ts")
    ).select(_POSITION_COLUMNS)


def _sightings_behind(
    explanation: Explanation, root: Path
) -> tuple[list[dict[str, Any]], list[str]]:
    """The workspace records of the sightings an event names, and the ids it lacks."""
    sighting_ids = list(explanation.event.get("details", {}).get("sighting_ids") or [])
    sightings: list[dict[str, Any]] = []
    if sighting_ids:
        with existing_workspace(root) as workspace:
            sightings = [] if workspace is None else sighting_evidence(workspace, sighting_ids)
    return sightings, sorted(set(sighting_ids) - {s["sighting_id"] for s in sightings})


def explanation_record(explanation: Explanation, root: Path) -> dict[str, Any]:
    """One event's evidence as ``darkfleet explain --format json`` prints it."""
    sightings, missing = _sightings_behind(explanation, root)
    return {
        "event": explanation.event,
        "detector": explanation.detector,
        "positions": _positions(explanation).to_dicts(),
        "sightings": sightings,
        "missing_sighting_ids": missing,
    }


def print_explanation(explanation: Explanation, root: Path) -> None:
    """One event's evidence as tables: the event, its parameters, positions, sightings."""
    positions = _positions(explanation)
    sightings, missing = _sightings_behind(explanation, root)
    event = explanation.event
    print_table(
        f"Event {event['event_id']}",
        ["", "value"],
        [
            (k, json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v)
            for k, v in event.items()
        ],
    )
    detector = explanation.detector
    if detector is None:
        click.echo("No detection parameters recorded for this event type.\n")
    else:
        print_table(
            f"Parameters of {event['type']} (fingerprint {detector.get('fingerprint')})",
            ["parameter", "value"],
            [(k, json.dumps(v)) for k, v in sorted(detector.get("params", {}).items())],
        )
    print_table(
        f"{positions.height} positions behind it (12 h either side)",
        ["mmsi", "ts", "lat", "lon", "sog", "file:line", "raw"],
        [
            (
                row["mmsi"],
                row["ts"],
                _round(row["lat"]),
                _round(row["lon"]),
                row["sog_knots"],
                f"{row['file'] or row['file_id']}:{row['line_no']}",
                row["raw"] or "",
            )
            for row in positions.iter_rows(named=True)
        ],
    )
    if sightings or missing:
        _print_sightings(sightings, missing)


def _print_sightings(sightings: list[dict[str, Any]], missing: list[str]) -> None:
    """The sighting records behind a confirmed call: positions of the vessel without AIS."""
    print_table(
        f"{len(sightings)} sightings behind it (darkfleet history ID shows every version)",
        ["sighting_id", "start", "end", "place", "source", "observation", "confidence",
         "author", "status"],
        [
            (s["sighting_id"], s["start_ts"], s["end_ts"], _place(s), s["source"],
             s["observation"], s["confidence"], s["author"], f"{s['status']} v{s['version']}")
            for s in sightings
        ],
    )  # fmt: skip
    for sid in missing:
        click.echo(
            f"Sighting {sid} is not in this workspace (is $DARKFLEET_DATABASE_URL the one "
            "detect used?)"
        )


def _place(sighting: Mapping[str, Any]) -> str:
    """A sighting's port (id) and/or position as one cell."""
    parts = []
    if sighting["port"]:
        parts.append(f"{sighting['port']} ({sighting['port_id']})")
    if sighting["lat"] is not None and sighting["lon"] is not None:
        parts.append(f"{sighting['lat']:.4f}, {sighting['lon']:.4f}")
    return "; ".join(parts)


@cli.command("explain")
@click.argument("event_id", metavar="ID")
@store_option
@click.option(
    "--config", "config_file", default=None, help="Risk weights for a risk: ID. " + CONFIG_HELP
)
@format_option("table", "json")
def explain_command(
    event_id: str, store: str | None, config_file: str | None, output_format: str
) -> None:
    """Show the evidence behind an event, reason, claim or report.

    For an event id: the event, the parameters and fingerprint of the detector that
    found it, and the positions behind it (12 h either side) with input file, line
    number and, when the file is still where it was ingested from, the raw line. A
    confirmed dark_port_call also lists the sightings that confirm it (from the
    workspace): when, where, source, observation, confidence and who recorded them.

    For a risk reason (risk:MMSI:RULE, as darkfleet vessel prints it): the rule and
    its weights, every finding, and the same evidence for each event behind it, with
    disputes and corrections from the workspace applied (docs/risk.md).

    For a claim (clm-...): the report sentence, who asserts it, its certainty, the
    report (title, date, url or file), the linked vessels and its versions. For a report
    (rpt-...): the report and its claims.

    Examples:

      darkfleet explain 3f2a9c0d1e2b4a5c6d7e

      darkfleet explain 3f2a9c0d1e2b4a5c6d7e --format json

      darkfleet explain risk:273610000:dark_sanctioned

      darkfleet explain clm-0268844fa129b1194f79
    """
    if event_id.startswith((CLAIM_PREFIX, REPORT_PREFIX)):
        explain_report_item(event_id, store, output_format)
        return
    if event_id.startswith(CHAIN_PREFIX):
        from darkfleet.cli.vessel import explain_risk_chain

        explain_risk_chain(event_id, store, config_file, output_format)
        return
    root = resolve_store(store)
    explanation = explain_event(ParquetStore(root, create=False), event_id)
    if output_format == "json":
        echo_json(explanation_record(explanation, root))
        return
    print_explanation(explanation, root)


@cli.group("config")
def config_group() -> None:
    """Show darkfleet's effective configuration.

    Examples:

      darkfleet config show --config darkfleet.toml
    """


@config_group.command("show")
@click.option("--config", "config_file", default=None, help=CONFIG_HELP)
@click.option("--set", "assignments", multiple=True, help=_SET_HELP)
@format_option("table", "json")
def config_show_command(
    config_file: str | None, assignments: tuple[str, ...], output_format: str
) -> None:
    """Print every detector, risk and screening parameter and its source.

    Each value's source is default (built in), file (--config) or flag (--set). Risk
    rules and weights ([risk], docs/risk.md) are listed under "risk", sanctions
    screening thresholds ([sanctions], docs/sanctions.md) under "sanctions".

    Examples:

      darkfleet config show

      darkfleet config show --config darkfleet.toml --set gap.min_gap=8h --format json
    """
    file_config, where = load_config(config_file)
    rows = describe_detect_config(file_config, overrides=parse_overrides(assignments), where=where)
    rows += [
        ConfigValue("risk", key, value, source)
        for key, value, source in describe_risk_params(file_config, where=where)
    ]
    rows += [
        ConfigValue("sanctions", key, value, source)
        for key, value, source in describe_section(
            ScreenParams, file_config, "sanctions", where=where
        )
    ]
    if output_format == "json":
        echo_json([dataclasses.asdict(row) for row in rows])
        return
    print_table(
        "Detector, risk and screening parameters",
        ["detector", "key", "value", "source"],
        [(r.detector, r.key, r.value, r.source) for r in rows],
    )
