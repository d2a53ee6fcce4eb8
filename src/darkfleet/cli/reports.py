"""``darkfleet reports add``: claims from a news article or statement (German or English)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
import polars as pl

from darkfleet.cli._options import resolve_store, store_option
from darkfleet.cli._render import echo_json, print_table
from darkfleet.cli.main import cli
from darkfleet.errors import InputError
from darkfleet.fuse.claims import (
    Claim,
    Language,
    extract_claims,
    parse_published,
    read_document,
)
from darkfleet.store import ParquetStore

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@cli.group("reports")
def reports_group() -> None:
    """Extract claims from news reports and statements.

    Who says what about which vessels, ports, dates and amounts, and how sure they
    are; German and English, text or HTML. Rules and limits: docs/reports.md.

    Examples:

      darkfleet reports add article.html

      darkfleet reports add statement.txt --published 2023-10-13 --format json
    """


@reports_group.command("add")
@click.argument("source", metavar="FILE|URL|-")
@click.option(
    "--published",
    default=None,
    help="Publication date (2023-10-13, or an ISO time with offset) that relative times "
    "such as 'am Dienstag' resolve against. [default: the HTML page's own date, else "
    "relative times stay unresolved]",
)
@click.option(
    "--language",
    type=click.Choice(["auto", "de", "en"]),
    default="auto",
    show_default=True,
    help="Language of the text; auto detects German or English.",
)
@click.option(
    "--encoding",
    default=None,
    help="Text encoding, a Python codec name such as cp1252. [default: UTF-8, a byte-order "
    "mark or the page's <meta charset>]",
)
@store_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
def add_command(
    source: str,
    published: str | None,
    language: str,
    encoding: str | None,
    store: str | None,
    output_format: str,
) -> None:
    """Extract the claims of an article or statement.

    Reads a text or HTML file (``-`` for stdin), keeps the main text, detects German or
    English, and prints one claim per sentence that states an action or a denial:
    source, predicate, vessels (linked to the store's vessels by name or IMO when the
    store exists), places, time, quantity and certainty. Claims are printed, not yet
    stored in the workspace.

    Examples:

      darkfleet reports add article.html

      darkfleet reports add statement.txt --published 2023-10-13 --format json

      curl -s URL | darkfleet reports add - --published 2023-10-18
    """
    if _URL.match(source):
        raise InputError(
            f"{source}: darkfleet does not fetch web pages (it works offline); save the "
            "page in a browser and pass the file: darkfleet reports add page.html"
        )
    date_published = parse_published(published, where="--published") if published else None
    data, name = _read(source)
    document = read_document(data, name=name, encoding=encoding)
    report = extract_claims(
        document.text,
        published=date_published or document.published,
        known_vessels=_known_vessels(store),
        language=None if language == "auto" else _language(language),
        title=document.title,
        name=name,
    )
    click.echo(
        f"{len(report.claims)} claims from {name} (language {report.language}); "
        "printed only, not stored",
        err=True,
    )
    if output_format == "json":
        echo_json(report.to_json())
        return
    title = f"{report.title or name} ({report.language}, published {report.published or 'unknown'})"
    print_table(
        title,
        ["#", "certainty", "predicate", "source", "vessels", "places", "time", "quantity"],
        [_row(claim) for claim in report.claims],
    )
    for claim in report.claims:
        cue = f"  [{claim.certainty}: {claim.certainty_cue}]" if claim.certainty_cue else ""
        click.echo(f"#{claim.index} {claim.sentence}{cue}")


def _language(value: str) -> Language:
    return "de" if value == "de" else "en"


def _read(source: str) -> tuple[bytes, str]:
    if source == "-":
        return sys.stdin.buffer.read(), "<stdin>"
    path = Path(source)
    if not path.is_file():
        raise InputError(
            f"{source}: no such file; give an article saved as text or HTML, or - for stdin"
        )
    return path.read_bytes(), str(path)


def _known_vessels(store: str | None) -> pl.DataFrame | None:
    root = resolve_store(store)
    if not root.is_dir():
        click.echo(
            f"no store at {root}: vessels are not linked to MMSIs (give --store DIR)", err=True
        )
        return None
    statics = ParquetStore(root, create=False).scan("statics")
    return statics.select("mmsi", "imo", "name").drop_nulls("name").unique().collect()


def _row(claim: Claim) -> tuple[object, ...]:
    vessels = ", ".join(
        vessel.name + (f" (IMO {vessel.imo})" if vessel.imo else "") for vessel in claim.vessels
    )
    places = ", ".join(
        place.name if place.kind == "country" else f"{place.name} ({place.port_id or place.kind})"
        for place in claim.places
    )
    time = ""
    if claim.time is not None:
        span = claim.time.start.isoformat() if claim.time.start else "?"
        if claim.time.end and claim.time.end != claim.time.start:
            span += f"..{claim.time.end.isoformat()}"
        time = f"{span} ({claim.time.phrase})"
    quantity = ""
    if claim.quantity is not None:
        qualifier = f"{claim.quantity.qualifier} " if claim.quantity.qualifier else ""
        quantity = f"{qualifier}{claim.quantity.value:,} {claim.quantity.unit}"
    predicate = claim.predicate + (f" -> #{claim.refers_to}" if claim.refers_to is not None else "")
    return (
        claim.index,
        claim.certainty,
        predicate,
        claim.source or "",
        vessels,
        places,
        time,
        quantity,
    )
