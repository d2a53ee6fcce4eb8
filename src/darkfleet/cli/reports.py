"""``darkfleet reports add|list`` and ``darkfleet claims``: news reports as stored evidence.

Thin: parses options, reads the file and the clock, calls ``darkfleet.engine.reports`` and
``darkfleet.fuse.reports``, renders. The workspace is the one of ``darkfleet sightings``
(SQLite in the store, or ``$DARKFLEET_DATABASE_URL``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click
import polars as pl

from darkfleet import schema
from darkfleet.cli._options import format_option, resolve_store, store_option
from darkfleet.cli._render import echo_json, print_table
from darkfleet.cli.main import cli
from darkfleet.cli.workspace import _author, _now, _opened, _version_record, author_option
from darkfleet.engine.reports import add_report, fetch_page, known_vessels
from darkfleet.errors import InputError
from darkfleet.fuse.claims import CERTAINTIES, Claim, Language, parse_published, read_report
from darkfleet.fuse.reports import REPORT_PREFIX, claim_records, explain_claim, read_claims
from darkfleet.fuse.vessel_mentions import ResolvedVessel, VesselIndex
from darkfleet.store import ParquetStore
from darkfleet.store.workspace import ReportRecord, list_reports

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
@click.option("--url", default=None, help="Address the saved page came from (kept with it).")
@click.option(
    "--dry-run", is_flag=True, help="Only print the claims; store nothing in the workspace."
)
@store_option
@author_option
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
    url: str | None,
    dry_run: bool,
    store: str | None,
    author: str | None,
    output_format: str,
) -> None:
    """Store an article or statement and its claims.

    Reads a text or HTML file (``-`` for stdin) or fetches a web page (http or https:
    the only network access darkfleet makes), keeps the main text, detects German or
    English, and extracts one claim per sentence that states an action or a denial:
    source, predicate, vessels (linked to the store's vessels by IMO or name; a name the
    store does not know, or several vessels carry, stays unlinked), places, time,
    quantity and certainty. The report and its claims are stored in the workspace
    (ids rpt-... and clm-...) and printed; adding the same text again adds nothing.
    --dry-run only prints.

    Examples:

      darkfleet reports add article.html --author ana

      darkfleet reports add statement.txt --published 2023-10-13 --format json

      darkfleet reports add https://www.state.gov/... --published 2023-10-13

      curl -s URL | darkfleet reports add - --published 2023-10-18 --url URL
    """
    date_published = parse_published(published, where="--published") if published else None
    if _URL.match(source):
        data, charset = fetch_page(source)
        name, url, encoding = source, url or source, encoding or charset
    else:
        data, name = _read(source)
    chosen = None if language == "auto" else _language(language)
    if dry_run:
        report = read_report(
            data,
            name=name,
            published=date_published,
            known_vessels=_known_vessels(store),
            language=chosen,
            encoding=encoding,
        )
        claim_ids: list[str | None] = [None] * len(report.claims)
        links: list[list[dict[str, Any]] | None] = [None] * len(report.claims)
        note = "printed only, not stored (--dry-run)"
        extra: dict[str, object] = {}
    else:
        with _opened(store, create=True) as (parquet, workspace):
            added = add_report(
                parquet,
                workspace,
                data,
                name=name,
                url=url,
                published=date_published,
                language=chosen,
                encoding=encoding,
                author=_author(author),
                added_ts=_now(),
            )
            stored_claims = claim_records(
                read_claims(workspace, report=added.stored.record.report_id)
            )
        report, stored = added.report, added.stored
        claim_ids = list(stored.claim_ids)
        by_id = {record["claim_id"]: record["vessels"] for record in stored_claims}
        links = [by_id.get(cid) for cid in claim_ids]
        record = stored.record
        note = (
            f"stored as {record.report_id}"
            if stored.is_new
            else f"already stored as {record.report_id} (added by {record.author} at "
            f"{record.added_ts.isoformat().replace('+00:00', 'Z')}); nothing added"
        )
        extra = {"report_id": record.report_id, "is_new": stored.is_new}
    click.echo(
        f"{len(report.claims)} claims from {name} (language {report.language}); {note}", err=True
    )
    if output_format == "json":
        claims = [
            {**claim.to_json(), "claim_id": cid, "vessel_links": vessel_links}
            for claim, cid, vessel_links in zip(report.claims, claim_ids, links, strict=True)
        ]
        echo_json({**report.to_json(), "claims": claims, **extra})
        return
    title = f"{report.title or name} ({report.language}, published {report.published or 'unknown'})"
    print_table(
        title,
        ["#", "certainty", "predicate", "source", "vessels", "places", "time", "quantity"],
        [
            _row(claim, vessel_links)
            for claim, vessel_links in zip(report.claims, links, strict=True)
        ],
    )
    for claim, cid in zip(report.claims, claim_ids, strict=True):
        cue = f"  [{claim.certainty}: {claim.certainty_cue}]" if claim.certainty_cue else ""
        click.echo(f"#{claim.index} {cid + ' ' if cid else ''}{claim.sentence}{cue}")


@reports_group.command("list")
@store_option
@format_option("table", "json")
def list_command(store: str | None, output_format: str) -> None:
    """List the stored reports with their claim counts.

    Each report shows its id, publication date, language, title (or file), the number
    of claims, and who added it when. `darkfleet explain rpt-...` shows one report with
    its claims.

    Examples:

      darkfleet reports list

      darkfleet reports list --format json
    """
    with _opened(store, create=False) as (_, workspace):
        reports = list_reports(workspace)
    records = (
        reports.with_columns(
            pl.col("published_date").dt.to_string("%Y-%m-%d").alias("published"),
            pl.col("added_ts").dt.to_string(schema.ISO_UTC).alias("added"),
        )
        .drop("published_date", "added_ts")
        .to_dicts()
    )
    if output_format == "json":
        echo_json(records)
        return
    print_table(
        f"{len(records)} reports",
        ["report_id", "published", "language", "title", "claims", "author", "added"],
        [
            (r["report_id"], r["published"], r["language"], r["title"] or r["file"] or r["url"],
             r["claims"], r["author"], r["added"])
            for r in records
        ],
    )  # fmt: skip


@cli.command("claims")
@click.option("--vessel", default=None, help="Only claims naming this vessel (name, IMO or MMSI).")
@click.option(
    "--certainty",
    "certainties",
    type=click.Choice(list(CERTAINTIES)),
    multiple=True,
    help="Only claims of this certainty (repeat for several). [default: all]",
)
@click.option("--report", "report_id", default=None, help="Only claims of this report (rpt-...).")
@store_option
@format_option("table", "json")
def claims_command(
    vessel: str | None,
    certainties: tuple[str, ...],
    report_id: str | None,
    store: str | None,
    output_format: str,
) -> None:
    """List stored claims in their current version.

    Each claim shows its id, status (original, corrected or disputed), certainty,
    who asserts it, the predicate, vessels (with the MMSI they link to), places, time,
    quantity and its report. --vessel matches the linked MMSI or IMO when the store
    resolves the name, else the vessel's name as written.

    Examples:

      darkfleet claims --vessel "LADY R"

      darkfleet claims --certainty assessed --certainty unverified --format json
    """
    with _opened(store, create=False) as (parquet, workspace):
        wanted: ResolvedVessel | str | None = vessel
        if vessel is not None:
            try:
                wanted = VesselIndex.from_store(parquet).resolve(vessel)
            except InputError:  # unknown or ambiguous in the store: match the name as written
                wanted = vessel
        records = claim_records(
            read_claims(workspace, vessel=wanted, certainties=certainties or None, report=report_id)
        )
    if output_format == "json":
        echo_json(records)
        return
    print_table(
        f"{len(records)} claims",
        ["claim_id", "status", "certainty", "predicate", "source", "vessels", "places", "time",
         "quantity", "report"],
        [
            (r["claim_id"], f"{r['status']} v{r['version']}", r["certainty"], r["predicate"],
             r["source"], vessels_text(r["vessels"]), places_text(r["places"]),
             time_text(r["time"]), quantity_text(r["quantity"]),
             f"{r['report_id']} ({r['published'] or 'undated'})")
            for r in records
        ],
    )  # fmt: skip


def vessels_text(vessels: list[dict[str, Any]]) -> str:
    """Claimed vessels for a table cell: ``LADY R (IMO 9161003, MMSI 273...)``."""
    cells = []
    for vessel in vessels:
        ids = [f"IMO {vessel['imo']}"] if vessel["imo"] else []
        ids.append(f"MMSI {vessel['mmsi']}" if vessel["mmsi"] else "not linked")
        cells.append(f"{vessel['name']} ({', '.join(ids)})")
    return "; ".join(cells)


def places_text(places: list[dict[str, Any]]) -> str:
    """Claimed places for a table cell: ports with their gazetteer id."""
    return ", ".join(
        p["name"] if p["kind"] == "country" else f"{p['name']} ({p['port_id'] or p['kind']})"
        for p in places
    )


def time_text(time: dict[str, Any] | None) -> str:
    """A claim's time for a table cell: ``start..end (phrase)``."""
    if time is None:
        return ""
    span = time["start"] or "?"
    if time["end"] and time["end"] != time["start"]:
        span += f"..{time['end']}"
    return f"{span} ({time['phrase']})"


def quantity_text(quantity: dict[str, Any] | None) -> str:
    """A claim's quantity (``value``, ``unit``, ``qualifier``) for a table cell.

    Examples
    --------
    >>> quantity_text({"value": 1000.0, "unit": "containers", "qualifier": "more_than"})
    'more_than 1,000 containers'
    """
    if quantity is None or quantity["value"] is None:
        return ""
    qualifier = f"{quantity['qualifier']} " if quantity["qualifier"] else ""
    value = quantity["value"]
    number = int(value) if float(value).is_integer() else value
    return f"{qualifier}{number:,} {quantity['unit'] or ''}".rstrip()


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
    return known_vessels(ParquetStore(root, create=False))


def _row(claim: Claim, links: list[dict[str, Any]] | None) -> tuple[object, ...]:
    """A claim's table row; ``links``: its stored vessel links (None when not stored)."""
    vessels = (
        vessels_text(links)
        if links is not None
        else ", ".join(
            vessel.name + (f" (IMO {vessel.imo})" if vessel.imo else "") for vessel in claim.vessels
        )
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
    quantity = quantity_text(claim.quantity.to_json() if claim.quantity else None)
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


def _report_record(record: ReportRecord) -> dict[str, Any]:
    return {
        "report_id": record.report_id,
        "title": record.title,
        "published": record.published_date.isoformat() if record.published_date else None,
        "url": record.url,
        "file": record.file,
        "language": record.language,
        "text_sha256": record.text_sha256,
        "author": record.author,
        "added": record.added_ts.isoformat().replace("+00:00", "Z"),
    }


def explain_report_item(item_id: str, store: str | None, output_format: str) -> None:
    """Print the evidence chain of a claim or report id (``darkfleet explain``)."""
    with _opened(store, create=False) as (_, workspace):
        chain = explain_claim(workspace, item_id)
    report = _report_record(chain.report)
    if item_id.startswith(REPORT_PREFIX):
        if output_format == "json":
            echo_json({"report": report, "claims": chain.claims})
            return
        print_table(f"Report {item_id}", ["", "value"], list(report.items()))
        print_table(
            f"{len(chain.claims)} claims of this report",
            ["claim_id", "status", "certainty", "predicate", "source", "sentence"],
            [
                (c["claim_id"], f"{c['status']} v{c['version']}", c["certainty"], c["predicate"],
                 c["source"], c["sentence"])
                for c in chain.claims
            ],
        )  # fmt: skip
        return
    claim = chain.claims[0]
    versions = [_version_record(version) for version in chain.versions]
    if output_format == "json":
        echo_json({"claim": claim, "report": report, "versions": versions})
        return
    source = claim["source"] or "not named in the sentence"
    if claim["source_phrase"]:
        source += f' ("{claim["source_phrase"]}")'
    certainty = claim["certainty"] + (
        f' (cue: "{claim["certainty_cue"]}")' if claim["certainty_cue"] else ""
    )
    print_table(
        f"Claim {item_id} ({claim['status']}, version {claim['version']})",
        ["", "value"],
        [
            ("sentence", f"#{claim['sentence_index']}: {claim['sentence']}"),
            ("asserted by", source),
            ("certainty", certainty),
            ("predicate", claim["predicate"]),
            ("places", places_text(claim["places"])),
            ("time", time_text(claim["time"])),
            ("quantity", quantity_text(claim["quantity"])),
            ("answers", claim["refers_to_claim_id"]),
        ],
    )
    print_table(
        f"From report {chain.report.report_id}",
        ["", "value"],
        [(k, v) for k, v in report.items() if k != "report_id"],
    )
    print_table(
        f"{len(claim['vessels'])} vessels named",
        ["as written", "name", "imo", "mmsi"],
        [
            (v["text"], v["name"], v["imo"], v["mmsi"] or "not linked (unknown or ambiguous name)")
            for v in claim["vessels"]
        ],
    )
    print_table(
        f"{len(versions)} versions (darkfleet history {item_id})",
        ["version", "recorded", "author", "action", "status", "reason"],
        [
            (v["version"], v["recorded"], v["author"], v["action"], v["status"], v["reason"])
            for v in versions
        ],
    )
