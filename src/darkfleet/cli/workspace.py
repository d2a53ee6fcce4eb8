"""``darkfleet sightings``, ``dispute``, ``correct`` and ``history``: the analysts' workspace.

Thin: parses options, reads the clock, the OS user and ``$DARKFLEET_DATABASE_URL``, calls
``darkfleet.fuse`` and renders. The workspace is SQLite in the store unless
``$DARKFLEET_DATABASE_URL`` names a PostgreSQL database (docs/workspace.md).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import click

from darkfleet.cli._options import F, resolve_store, store_option
from darkfleet.cli._render import echo_json, print_table, stderr_console
from darkfleet.cli.main import cli
from darkfleet.errors import ConfigError, InputError
from darkfleet.fuse.corrections import correct_item, dispute_item, item_history, parse_assignments
from darkfleet.fuse.sightings import (
    CONFIDENCES,
    FieldError,
    add_sighting,
    import_sightings,
    sighting_records,
)
from darkfleet.fuse.vessel_mentions import VesselIndex
from darkfleet.store import ParquetStore
from darkfleet.store.workspace import (
    WORKSPACE_FILE,
    ItemVersion,
    Workspace,
    open_workspace,
    workspace_url,
)

#: The environment variable naming a PostgreSQL workspace (read only here, in the CLI).
DATABASE_URL_ENV: Final = "DARKFLEET_DATABASE_URL"


def _workspace_source(root: Path) -> tuple[str | None, str]:
    """``$DARKFLEET_DATABASE_URL`` (or None: the store's SQLite) and its name for messages."""
    database_url = os.environ.get(DATABASE_URL_ENV) or None
    where = f"${DATABASE_URL_ENV}" if database_url else f"the store's workspace ({root})"
    return database_url, where


@contextmanager
def _opened(store: str | None, *, create: bool) -> Iterator[tuple[ParquetStore, Workspace]]:
    """The store and its workspace (``$DARKFLEET_DATABASE_URL`` or the store's SQLite)."""
    root = resolve_store(store)
    parquet = ParquetStore(root, create=create)
    database_url, where = _workspace_source(root)
    with open_workspace(workspace_url(root, database_url), where=where) as workspace:
        yield parquet, workspace


@contextmanager
def existing_workspace(root: Path) -> Iterator[Workspace | None]:
    """The workspace of the store at ``root`` for readers, or None when there is none.

    ``$DARKFLEET_DATABASE_URL`` when set (opened and migrated like every workspace
    command); else the store's SQLite file only if it exists: reading evidence
    (``detect``, ``explain``) never creates a workspace file as a side effect.
    """
    database_url, where = _workspace_source(root)
    if database_url is None and not (root / WORKSPACE_FILE).is_file():
        yield None
        return
    with open_workspace(workspace_url(root, database_url), where=where) as workspace:
        yield workspace


def _author(author: str | None) -> str:
    if author:
        return author
    try:
        return getpass.getuser()
    except (OSError, KeyError) as err:
        raise ConfigError("cannot tell your user name; give --author NAME") from err


def author_option(func: F) -> F:
    """Add ``--author NAME`` (default: the OS user name)."""
    return click.option(
        "--author", default=None, help="Who records this. [default: your OS user name]"
    )(func)


def _format_option(choices: Sequence[str]) -> Callable[[F], F]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


def _now() -> datetime:
    """The recording time of a change: the one place the workspace commands read the clock."""
    return datetime.now(UTC)


@cli.group("sightings")
def sightings_group() -> None:
    """Import, add and list analysts' sightings of vessels.

    A sighting places a vessel at a port or position at a time, from a source such as
    a satellite image, with a confidence. See docs/workspace.md.

    Examples:

      darkfleet sightings import imagery.csv

      darkfleet sightings list --vessel "LADY R"
    """


@sightings_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_option
@author_option
@_format_option(["table", "json"])
def sightings_import_command(
    file: Path, store: str | None, author: str | None, output_format: str
) -> None:
    """Import sightings from a CSV or JSON file.

    Columns: time (or start and end), vessel (name, IMO or MMSI as free text), port
    (a gazetteer name, alias or id) or lat and lon, source, observation, confidence
    (low, medium, high). Good rows are imported and bad rows listed on stderr with
    their line and field (exit 3); importing the same file again adds nothing twice.

    Examples:

      darkfleet sightings import imagery.csv

      darkfleet sightings import sightings.json --author ana --format json
    """
    with _opened(store, create=True) as (parquet, workspace):
        result = import_sightings(
            file,
            workspace,
            VesselIndex.from_store(parquet),
            author=_author(author),
            recorded_ts=_now(),
        )
    summary = {
        "file": str(file),
        "rows": result.rows,
        "added": len(result.added),
        "already_present": result.already_present,
        "rejected": len(result.errors),
        "without_mmsi": result.unresolved_mmsi,
        "sighting_ids": result.added,
    }
    if output_format == "json":
        echo_json(summary)
    else:
        click.echo(
            f"{file}: {len(result.added)} sightings imported, {result.already_present} "
            f"already present, {len(result.errors)} rows rejected"
            + (
                f"; {result.unresolved_mmsi} name an IMO the store has no MMSI for"
                if result.unresolved_mmsi
                else ""
            )
        )
    for message in result.errors:
        click.echo(message, err=True)
    if result.errors:
        raise InputError(
            f"{file}: {len(result.errors)} of {result.rows} rows rejected (listed above); fix "
            "them and import the file again (rows already imported are not added twice)"
        )


@sightings_group.command("add")
@click.option("--vessel", required=True, help="Name, IMO or MMSI, e.g. 'LADY R (IMO 9161003)'.")
@click.option(
    "--time", "time_text", default=None, help="When (ISO 8601 UTC, e.g. 2023-10-05T06:30Z)."
)
@click.option("--start", default=None, help="Start of the span seen over (ISO 8601 UTC).")
@click.option("--end", default=None, help="End of the span seen over (ISO 8601 UTC).")
@click.option("--port", default=None, help="Gazetteer port: name, alias or id (e.g. Rajin).")
@click.option("--lat", default=None, help="Latitude in WGS84 degrees.")
@click.option("--lon", default=None, help="Longitude in WGS84 degrees.")
@click.option("--source", required=True, help="Who saw it, e.g. the image or report.")
@click.option("--observation", default=None, help="What was seen.")
@click.option(
    "--confidence",
    type=click.Choice(list(CONFIDENCES)),
    default="medium",
    show_default=True,
    help="How sure the sighting is.",
)
@store_option
@author_option
def sightings_add_command(
    vessel: str,
    time_text: str | None,
    start: str | None,
    end: str | None,
    port: str | None,
    lat: str | None,
    lon: str | None,
    source: str,
    observation: str | None,
    confidence: str,
    store: str | None,
    author: str | None,
) -> None:
    """Add one sighting and print its id.

    Give --time, or --start and --end; and --port, or --lat and --lon.

    Examples:

      darkfleet sightings add --vessel "LADY R (IMO 9161003)" --time 2023-10-05T06:30Z --port Rajin --source "Maxar image" --confidence high

      darkfleet sightings add --vessel 273845000 --start 2023-10-05T00:00Z --end 2023-10-06T00:00Z --lat 42.25 --lon 130.29 --source "Planet"
    """
    raw = {
        "vessel": vessel,
        "time": time_text,
        "start": start,
        "end": end,
        "port": port,
        "lat": lat,
        "lon": lon,
        "source": source,
        "observation": observation,
        "confidence": confidence,
    }
    with _opened(store, create=True) as (parquet, workspace):
        try:
            new_id, is_new = add_sighting(
                raw,
                workspace,
                VesselIndex.from_store(parquet),
                author=_author(author),
                recorded_ts=_now(),
            )
        except FieldError as err:
            option = {"time": "--time"}.get(err.field, f"--{err.field}")
            raise ConfigError(f"{option}: {str(err).split(': ', 1)[1]}") from None
    click.echo(new_id)
    if not is_new:
        stderr_console().print(f"{new_id} was already in the workspace; nothing added")


@sightings_group.command("list")
@click.option("--vessel", default=None, help="Only this vessel (name, IMO or MMSI).")
@store_option
@_format_option(["table", "json"])
def sightings_list_command(vessel: str | None, store: str | None, output_format: str) -> None:
    """List sightings in their current version, disputed ones too.

    Each sighting shows its status (original, corrected or disputed) and version;
    `darkfleet history ID` shows every version.

    Examples:

      darkfleet sightings list

      darkfleet sightings list --vessel "IMO 9161003" --format json
    """
    with _opened(store, create=False) as (parquet, workspace):
        if vessel is None:
            sightings = workspace.current_sightings()
        else:
            try:
                resolved = VesselIndex.from_store(parquet).resolve(vessel)
            except InputError as err:
                raise ConfigError(f"--vessel: {err}") from None
            sightings = workspace.current_sightings(mmsi=resolved.mmsi, imo=resolved.imo)
    records = sighting_records(sightings)
    if output_format == "json":
        echo_json(records)
        return
    print_table(
        f"{len(records)} sightings",
        ["sighting_id", "status", "vessel", "mmsi", "start", "end", "port", "lat", "lon",
         "source", "confidence", "observation"],
        [
            (r["sighting_id"], f"{r['status']} v{r['version']}", r["vessel_text"], r["mmsi"],
             r["start"], r["end"], r["port"], r["lat"], r["lon"], r["source"],
             r["confidence"], r["observation"])
            for r in records
        ],
    )  # fmt: skip


_REASON_HELP: Final = "Why (kept in the item's history)."


@cli.command("dispute")
@click.argument("item_id", metavar="ID")
@click.option("--reason", required=True, help=_REASON_HELP)
@store_option
@author_option
def dispute_command(item_id: str, reason: str, store: str | None, author: str | None) -> None:
    """Mark a sighting, claim or event as disputed, with a reason.

    The item keeps its fields; its status becomes disputed and the dispute is a new
    version in its history. A disputed event gives no risk points; a disputed sighting
    leaves the evidence dark-leg reasoning uses; a disputed claim leaves the evidence
    dossiers use; dossiers show all three, marked. A later `darkfleet correct` resolves
    the dispute.

    Examples:

      darkfleet dispute sgt-4059929ad3c341286701 --reason "cloud over the pier"

      darkfleet dispute 5f1c2a9e0b7d4c3a2e11 --reason "two vessels share this MMSI" --author ana

      darkfleet dispute clm-0268844fa129b1194f79 --reason "the ministry retracted it"
    """
    with _opened(store, create=False) as (parquet, workspace):
        version = dispute_item(
            item_id,
            workspace,
            parquet,
            author=_author(author),
            reason=reason,
            recorded_ts=_now(),
        )
    click.echo(f"{item_id}: disputed (version {version.version})")


@cli.command("correct")
@click.argument("item_id", metavar="ID")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    required=True,
    help="field=value to correct (repeat); an empty value clears the field.",
)
@click.option("--reason", required=True, help=_REASON_HELP)
@store_option
@author_option
def correct_command(
    item_id: str, assignments: tuple[str, ...], reason: str, store: str | None, author: str | None
) -> None:
    """Correct fields of a sighting, claim or event, with a reason.

    Sightings: vessel, time, start, end, port, lat, lon, source, observation,
    confidence (vessel and port are resolved again). Claims: source, predicate,
    certainty, vessels and places (;-separated), time (2023-09-07 or start..end),
    quantity ('more_than 1000 containers'). Events: mmsi, other_mmsi, start, end,
    lat, lon, port, country, score. The correction is a new version; the earlier ones
    stay in `darkfleet history ID`.

    Examples:

      darkfleet correct sgt-4059929ad3c341286701 --set confidence=low --reason "re-read the image"

      darkfleet correct 5f1c2a9e0b7d4c3a2e11 --set port=Rajin --set country=PRK --reason "pier matches"

      darkfleet correct clm-0268844fa129b1194f79 --set "vessels=LADY R; IMO 9179842" --reason "re-read"
    """
    changes = parse_assignments(assignments)
    with _opened(store, create=False) as (parquet, workspace):
        version = correct_item(
            item_id,
            changes,
            workspace,
            parquet,
            author=_author(author),
            reason=reason,
            recorded_ts=_now(),
        )
    click.echo(f"{item_id}: corrected (version {version.version})")


def _version_record(version: ItemVersion) -> dict[str, Any]:
    return {
        "version": version.version,
        "action": version.action,
        "status": version.status,
        "author": version.author,
        "recorded": version.recorded_ts.isoformat().replace("+00:00", "Z"),
        "reason": version.reason,
        "fields": dict(version.fields),
    }


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    changed = [
        f"{name}={after.get(name)}"
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]
    return ", ".join(changed)


@cli.command("history")
@click.argument("item_id", metavar="ID")
@store_option
@_format_option(["table", "json"])
def history_command(item_id: str, store: str | None, output_format: str) -> None:
    """Show every version of a sighting, claim or event.

    Oldest first, each version shows who recorded it, when, why, the action (import,
    add, correct, dispute), the status it left and the fields it changed.

    Examples:

      darkfleet history sgt-4059929ad3c341286701

      darkfleet history 5f1c2a9e0b7d4c3a2e11 --format json
    """
    with _opened(store, create=False) as (parquet, workspace):
        history = item_history(item_id, workspace, parquet)
    versions = [_version_record(v) for v in history.versions]
    original = None
    if history.original is not None:
        original = {
            key: value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value
            for key, value in history.original.items()
        }
    if output_format == "json":
        echo_json(
            {"item_id": item_id, "kind": history.kind, "original": original, "versions": versions}
        )
        return
    rows: list[tuple[Any, ...]] = []
    if original is not None:
        rows.append((0, "", "darkfleet detect", "detected", "original", "", ""))
    previous: Mapping[str, Any] = {}
    for record in versions:
        change = _changes(previous, record["fields"]) if previous or history.kind == "event" else ""
        rows.append(
            (record["version"], record["recorded"], record["author"], record["action"],
             record["status"], record["reason"], change)
        )  # fmt: skip
        previous = record["fields"]
    print_table(
        f"{history.kind} {item_id}: {len(versions)} versions",
        ["version", "recorded", "author", "action", "status", "reason", "changed"],
        rows,
    )
