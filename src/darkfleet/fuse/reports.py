"""News reports and their claims as stored, linked evidence (fuse layer).

Imports ``store``, ``reference``, ``schema``, ``errors`` and ``fuse.claims``; never
``cli``. ``darkfleet.fuse.claims`` extracts claims from a text; this module gives
reports and claims stable ids, links each claimed vessel to the store's vessels through
``VesselIndex`` and records both in the workspace database:

- a report's id is ``rpt-`` and the first 20 hex digits of the SHA-256 of its main text,
  so adding the same text again (from a file, stdin or another copy) adds nothing;
- a claim's id is ``clm-`` and a hash of its report's id, its position among the
  report's claims and its sentence;
- each vessel a claim names keeps the text as written and the name, plus the ``imo``
  and ``mmsi`` ``VesselIndex.resolve`` gives for its IMO (when the text carries one) or
  else its name. A name the store does not know, or that several store vessels carry,
  stays unresolved (``mmsi`` null): a link is never guessed.

Claims are versioned like sightings (``darkfleet.fuse.corrections`` disputes and
corrects them); ``read_vessel_claims`` hands the current, undisputed claims about given
vessels to dossiers. Formats and rules: docs/reports.md and docs/workspace.md.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any, Final, get_args

import polars as pl

from darkfleet import schema
from darkfleet.errors import ConfigError, InputError, StoreError
from darkfleet.fuse.claims import CERTAINTIES, Claim, Qualifier, Report, VesselRef
from darkfleet.fuse.claims._gazetteer import find_port_after_cue, lookup_place
from darkfleet.fuse.claims._lexicon import DENIED_PREDICATE, PREDICATES
from darkfleet.fuse.claims._sentences import split_sentences
from darkfleet.fuse.vessel_mentions import ResolvedVessel, VesselIndex
from darkfleet.reference._names import normalise_name
from darkfleet.store.workspace import (
    ClaimFields,
    ItemVersion,
    ReportRecord,
    Workspace,
    claim_history,
    current_claim,
    current_claims,
    list_reports,
    read_report_record,
    record_report,
)

__all__ = [
    "CLAIM_FIELDS",
    "CLAIM_PREFIX",
    "REPORT_PREFIX",
    "VESSEL_CLAIMS",
    "ClaimChain",
    "StoredReport",
    "claim_id",
    "claim_records",
    "correct_claim",
    "explain_claim",
    "link_vessels",
    "read_claims",
    "read_vessel_claims",
    "report_id",
    "store_report",
    "vessel_claims",
]

#: Id prefixes: what ``darkfleet explain``, ``dispute``, ``correct`` and ``history`` see.
REPORT_PREFIX: Final = "rpt-"
CLAIM_PREFIX: Final = "clm-"
#: The fields ``darkfleet correct CLAIM_ID --set`` takes (docs/workspace.md).
CLAIM_FIELDS: Final = ("source", "predicate", "certainty", "vessels", "places", "time", "quantity")
_PREDICATES: Final = (*(name for name, _ in PREDICATES), DENIED_PREDICATE)
_QUALIFIERS: Final[tuple[str, ...]] = get_args(Qualifier)
_QUANTITY: Final = re.compile(
    r"^(?:(?P<qualifier>[a-z_]+)\s+)?(?P<value>\d[\d,]*(?:\.\d+)?)\s+(?P<unit>\S.*)$"
)

#: Current claims about vessels, as ``read_vessel_claims`` returns them: one row per
#: (claim, vessel named in it). ``places`` lists the places' names, ``port_ids`` the
#: gazetteer ids of those that are ports.
VESSEL_CLAIMS: Final[schema.Schema] = {
    "claim_id": pl.String(),
    "mmsi": pl.Int64(),
    "imo": pl.Int64(),
    "vessel_text": pl.String(),
    "predicate": pl.String(),
    "certainty": pl.String(),
    "source": pl.String(),
    "sentence": pl.String(),
    "places": pl.List(pl.String()),
    "port_ids": pl.List(pl.String()),
    "time_start_date": pl.Date(),
    "time_end_date": pl.Date(),
    "quantity_value": pl.Float64(),
    "quantity_unit": pl.String(),
    "quantity_qualifier": pl.String(),
    "status": pl.String(),
    "version": pl.Int64(),
    "report_id": pl.String(),
    "report_title": pl.String(),
    "published_date": pl.Date(),
    "report_url": pl.String(),
    "report_file": pl.String(),
}

_VESSEL_STRUCT: Final = pl.List(
    pl.Struct({"text": pl.String(), "name": pl.String(), "imo": pl.Int64(), "mmsi": pl.Int64()})
)
_PLACE_STRUCT: Final = pl.List(
    pl.Struct(
        {
            "text": pl.String(),
            "name": pl.String(),
            "kind": pl.String(),
            "country": pl.String(),
            "port_id": pl.String(),
        }
    )
)


@dataclass(frozen=True, slots=True)
class StoredReport:
    """What ``store_report`` did: the stored report, its claim ids and whether it was new.

    ``record`` is the report as stored: when ``is_new`` is False, the earlier copy (its
    author and time), and ``claim_ids`` that copy's claims.
    """

    record: ReportRecord
    claim_ids: tuple[str, ...]
    is_new: bool


def report_id(text: str) -> str:
    """Stable id of a report: ``rpt-`` and 20 hex digits of the SHA-256 of its main text.

    Examples
    --------
    >>> report_id("The Angara unloaded containers at Dunay.")
    'rpt-f53eb1b8a41c2c6cf0cb'
    """
    return REPORT_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:20]


def claim_id(of_report: str, claim_index: int, sentence: str) -> str:
    """Stable id of a claim: ``clm-`` and a hash of its report id, index and sentence.

    Examples
    --------
    >>> claim_id("rpt-f53eb1b8a41c2c6cf0cb", 0, "The Angara unloaded containers at Dunay.")
    'clm-4842bb603c19a0bf4d73'
    """
    key = json.dumps([of_report, claim_index, sentence], ensure_ascii=False)
    return CLAIM_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:20]


def _midnight(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


def _link(
    text: str, name: str, imo: int | None, vessels: VesselIndex, at: datetime | None
) -> dict[str, Any]:
    query = f"IMO {imo}" if imo is not None else name
    try:
        resolved = vessels.resolve(query, at=at)
    except InputError:  # unknown or ambiguous name: kept as text, never guessed
        return {"text": text, "name": name, "imo": imo, "mmsi": None}
    return {"text": text, "name": name, "imo": resolved.imo, "mmsi": resolved.mmsi}


def link_vessels(
    refs: Sequence[VesselRef], sentence: str, vessels: VesselIndex, *, at: datetime | None
) -> tuple[dict[str, Any], ...]:
    """Link a claim's vessel mentions to store vessels (``text``, ``name``, ``imo``, ``mmsi``).

    An IMO counts only when ``sentence`` writes it; otherwise the mention as written is
    resolved by name, so an IMO the extractor borrowed from a like-named store vessel
    never decides the link. ``at`` (the claim's time, else the report's date) picks
    among MMSIs that reported one IMO over time. See the module docstring for the rules.
    """
    links = []
    for ref in refs:
        written = ref.imo is not None and re.search(rf"\b{ref.imo}\b", sentence) is not None
        imo = ref.imo if written else None
        link = _link(ref.text, ref.text, imo, vessels, at)
        if link["mmsi"] is not None or link["imo"] is not None:
            link["name"] = ref.name  # linked: show the known vessel's name
        links.append(link)
    return tuple(links)


def _sentence_indexes(report: Report) -> list[int]:
    """Each claim's sentence position in the report's text (claims are in text order)."""
    sentences = split_sentences(report.text)
    indexes: list[int] = []
    position = 0
    for claim in report.claims:
        while position < len(sentences) and sentences[position] != claim.sentence:
            position += 1
        if position == len(sentences):  # the extractor's sentences are split_sentences'
            raise ValueError(f"claim {claim.index} sentence not found in the report's text")
        indexes.append(position)
        position += 1
    return indexes


def _claim_fields(
    claim: Claim,
    of_report: str,
    sentence_index: int,
    ids: Sequence[str],
    links: tuple[dict[str, Any], ...],
) -> ClaimFields:
    quantity = claim.quantity
    return ClaimFields(
        report_id=of_report,
        claim_index=claim.index,
        sentence_index=sentence_index,
        sentence=claim.sentence,
        source=claim.source,
        source_phrase=claim.source_phrase,
        predicate=claim.predicate,
        vessels=links,
        places=tuple(place.to_json() for place in claim.places),
        time_phrase=claim.time.phrase if claim.time else None,
        time_start_date=claim.time.start if claim.time else None,
        time_end_date=claim.time.end if claim.time else None,
        quantity_phrase=quantity.phrase if quantity else None,
        quantity_value=float(quantity.value) if quantity else None,
        quantity_unit=quantity.unit if quantity else None,
        quantity_qualifier=quantity.qualifier if quantity else None,
        certainty=claim.certainty,
        certainty_cue=claim.certainty_cue,
        refers_to_claim_id=ids[claim.refers_to] if claim.refers_to is not None else None,
    )


def store_report(
    report: Report,
    workspace: Workspace,
    vessels: VesselIndex,
    *,
    file: str | None,
    url: str | None,
    author: str,
    added_ts: datetime,
) -> StoredReport:
    """Record a report and its claims in the workspace; adding it again adds nothing.

    Parameters
    ----------
    report
        The extracted report (``darkfleet.fuse.claims.read_report``).
    workspace, vessels
        Where to record it, and the store's vessels to link claimed vessels to.
    file, url
        Where the text came from (file name as given, or ``<stdin>``; the page address).
    author, added_ts
        Who adds it and when (UTC); also the claims' first versions' author and time.

    Raises
    ------
    InputError
        The report's main text is empty.
    ConfigError
        The same text is stored already with another publication date (relative times
        of its claims resolved against that date; correct single claims instead).
    """
    if not report.text.strip():
        raise InputError(f"{file or url or 'the report'}: the main text is empty; nothing to store")
    of_report = report_id(report.text)
    stored = read_report_record(workspace, of_report)
    if stored is None:
        ids = [claim_id(of_report, claim.index, claim.sentence) for claim in report.claims]
        record = ReportRecord(
            report_id=of_report,
            title=report.title,
            url=url,
            file=file,
            published_date=report.published,
            language=report.language,
            text_sha256=hashlib.sha256(report.text.encode()).hexdigest(),
            text=report.text,
            author=author,
            added_ts=added_ts,
        )
        published = _midnight(report.published)
        claims = {
            ids[claim.index]: _claim_fields(
                claim,
                of_report,
                sentence_index,
                ids,
                link_vessels(
                    claim.vessels,
                    claim.sentence,
                    vessels,
                    at=_midnight(claim.time.start if claim.time else None) or published,
                ),
            )
            for claim, sentence_index in zip(report.claims, _sentence_indexes(report), strict=True)
        }
        if record_report(
            workspace, record, claims, reason=f"extracted from {file or url or 'a report'}"
        ):
            return StoredReport(record, tuple(ids), is_new=True)
        stored = read_report_record(workspace, of_report)  # another writer was first
        if stored is None:  # pragma: no cover - reports are never deleted
            raise StoreError(f"report {of_report} vanished from the workspace")
    if stored.published_date != report.published:
        raise ConfigError(
            f"report {of_report} ({stored.file or stored.url}) is stored already with publication "
            f"date {stored.published_date or 'unknown'}, not {report.published or 'unknown'}; its "
            f"claims' relative times resolved against the stored date: correct single claims "
            f"with `darkfleet correct CLAIM_ID --set time=...`"
        )
    known = current_claims(workspace, report_id=of_report)["claim_id"].to_list()
    return StoredReport(stored, tuple(known), is_new=False)


def _decoded(claims: pl.DataFrame) -> pl.DataFrame:
    return claims.with_columns(
        pl.col("vessels").str.json_decode(_VESSEL_STRUCT),
        pl.col("places").str.json_decode(_PLACE_STRUCT),
    )


def read_claims(
    workspace: Workspace,
    *,
    vessel: ResolvedVessel | str | None = None,
    certainties: Iterable[str] | None = None,
    report: str | None = None,
) -> pl.DataFrame:
    """Return every claim's current version with its report's title, date, url and file.

    Parameters
    ----------
    vessel
        A resolved vessel: keep claims naming a vessel linked to its MMSI or IMO; or a
        name (one the store cannot resolve): keep claims whose vessel text or name
        normalises like it.
    certainties
        Keep only these certainty levels.
    report
        Keep one report's claims.

    Returns
    -------
    ``store.workspace.CLAIM_ROWS`` columns (``vessels``, ``places`` as lists of structs)
    plus ``report_title``, ``published_date``, ``report_url``, ``report_file``; disputed
    claims included (``status``), ordered by publication date, report and claim index.
    """
    claims = _decoded(current_claims(workspace, report_id=report))
    reports = list_reports(workspace).select(
        "report_id",
        pl.col("title").alias("report_title"),
        "published_date",
        pl.col("url").alias("report_url"),
        pl.col("file").alias("report_file"),
    )
    claims = claims.join(reports, on="report_id", how="left").sort(
        "published_date", "report_id", "claim_index", nulls_last=True
    )
    if certainties is not None:
        claims = claims.filter(pl.col("certainty").is_in(list(certainties)))
    if vessel is not None:
        named = claims.select("claim_id", "vessels").explode("vessels").unnest("vessels")
        matches: pl.Expr | pl.Series
        if isinstance(vessel, ResolvedVessel):
            matches = (pl.col("mmsi") == vessel.mmsi).fill_null(False) | (
                pl.col("imo") == vessel.imo
            ).fill_null(False)
        else:  # a workspace holds few claims: normalising their names one by one is cheap
            key = normalise_name(vessel)
            matches = pl.Series(
                [
                    key in (normalise_name(t or ""), normalise_name(n or ""))
                    for t, n in named.select("text", "name").iter_rows()
                ],
                dtype=pl.Boolean(),
            )
        claims = claims.filter(
            pl.col("claim_id").is_in(named.filter(matches)["claim_id"].to_list())
        )
    return claims


def read_vessel_claims(
    workspace: Workspace, *, mmsis: Sequence[int] = (), imos: Sequence[int] = ()
) -> pl.DataFrame:
    """Return the current, undisputed claims that name any of these vessels.

    Reads ``read_claims`` and keeps what ``vessel_claims`` keeps.
    """
    return vessel_claims(read_claims(workspace), mmsis=mmsis, imos=imos)


def vessel_claims(
    claims: pl.DataFrame, *, mmsis: Sequence[int] = (), imos: Sequence[int] = ()
) -> pl.DataFrame:
    """Keep the undisputed claims of ``claims`` (``read_claims``) naming one of these vessels.

    For dossiers: a vessel's claims are those whose linked vessels carry one of
    ``mmsis`` or ``imos`` (an IMO links a claim even when the store knows no MMSI for
    it). Disputed claims are left out; corrected ones appear as corrected.

    Returns
    -------
    ``VESSEL_CLAIMS``: one row per (claim, vessel named in it that matches), ordered by
    publication date, report, claim index.
    """
    rows = (
        claims.filter(pl.col("status") != "disputed")
        .with_columns(
            pl.col("places").list.eval(pl.element().struct.field("name")).alias("place_names"),
            pl.col("places")
            .list.eval(pl.element().struct.field("port_id").drop_nulls())
            .alias("port_ids"),
        )
        .explode("vessels")
        .unnest("vessels")
        .filter(pl.col("mmsi").is_in(list(mmsis)) | pl.col("imo").is_in(list(imos)))
        .rename({"text": "vessel_text"})
        .drop("places")
        .rename({"place_names": "places"})
    )
    return rows.select(pl.col(name).cast(dtype) for name, dtype in VESSEL_CLAIMS.items())


def _parse_dates(value: str) -> tuple[date, date]:
    first, sep, last = value.partition("..")
    try:
        start = date.fromisoformat(first.strip())
        end = date.fromisoformat(last.strip()) if sep else start
    except ValueError as err:
        raise ConfigError(
            f"--set time: {value!r} is not a date or span; write e.g. 2023-09-07 or "
            "2023-09-07..2023-09-08"
        ) from err
    if end < start:
        raise ConfigError(f"--set time: {value!r} ends before it starts; give start..end")
    return start, end


def _parse_quantity(value: str) -> tuple[str | None, float, str]:
    match = _QUANTITY.match(value.strip())
    qualifier = match.group("qualifier") if match else None
    if match is None or (qualifier is not None and qualifier not in _QUALIFIERS):
        raise ConfigError(
            f"--set quantity: {value!r} is not [QUALIFIER] VALUE UNIT; write e.g. "
            f"'more_than 1000 containers' (qualifiers: {', '.join(_QUALIFIERS)})"
        )
    return qualifier, float(match.group("value").replace(",", "")), match.group("unit").strip()


def _place(text: str, language: str) -> dict[str, Any]:
    found = lookup_place(text, language=language)
    if found is None:
        cued = find_port_after_cue(text)
        found = cued[1] if cued and normalise_name(cued[0]) == normalise_name(text) else None
    if found is None:  # not in the gazetteer: kept as written, never made a port
        return {"text": text, "name": text, "kind": "other", "country": None, "port_id": None}
    return {
        "text": text,
        "name": found.name,
        "kind": found.kind,
        "country": found.country,
        "port_id": found.port_id,
    }


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(";") if item.strip()]


def correct_claim(
    fields: ClaimFields,
    changes: Mapping[str, str],
    vessels: VesselIndex,
    *,
    language: str,
    published: date | None,
) -> ClaimFields:
    """Return ``fields`` with ``changes`` (``--set`` name to text) applied.

    ``vessels`` and ``places`` take ``;``-separated lists, each vessel linked again and
    each place looked up in the claims gazetteer (``language`` is the report's); ``time``
    takes ``2023-09-07`` or ``2023-09-07..2023-09-08``; ``quantity`` ``[QUALIFIER] VALUE
    UNIT``; an empty value clears ``source``, ``places``, ``vessels``, ``time`` and
    ``quantity``. The sentence and its report never change.

    Raises
    ------
    ConfigError
        An unknown field or a value that does not parse (naming the ``--set`` field).
    """
    updated: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "source":
            updated["source"] = value or None
        elif name == "predicate":
            if value not in _PREDICATES:
                raise ConfigError(
                    f"--set predicate: {value!r} is not one of {', '.join(_PREDICATES)}"
                )
            updated["predicate"] = value
        elif name == "certainty":
            if value not in CERTAINTIES:
                raise ConfigError(
                    f"--set certainty: {value!r} is not one of {', '.join(CERTAINTIES)}"
                )
            updated["certainty"] = value
            updated["certainty_cue"] = None
        elif name == "vessels":
            at = _midnight(fields.time_start_date or published)
            updated["vessels"] = tuple(
                _link(text, text, None, vessels, at) for text in _items(value)
            )
        elif name == "places":
            updated["places"] = tuple(_place(text, language) for text in _items(value))
        elif name == "time":
            start, end = _parse_dates(value) if value else (None, None)
            updated.update(time_phrase=value or None, time_start_date=start, time_end_date=end)
        elif name == "quantity":
            qualifier, amount, unit = _parse_quantity(value) if value else (None, None, None)
            updated.update(
                quantity_phrase=value or None,
                quantity_value=amount,
                quantity_unit=unit,
                quantity_qualifier=qualifier,
            )
        else:
            raise ConfigError(
                f"--set {name}: a claim has no correctable field {name!r}; correct one of "
                f"{', '.join(CLAIM_FIELDS)}"
            )
    return replace(fields, **updated)


def _number(value: float | None) -> int | float | None:
    return int(value) if value is not None and value.is_integer() else value


def claim_records(claims: pl.DataFrame) -> list[dict[str, Any]]:
    """Turn ``read_claims`` rows into JSON-ready records (stable key order).

    Keys: ``claim_id``, ``status``, ``version``, ``report_id``, ``report_title``,
    ``published``, ``sentence``, ``sentence_index``, ``source``, ``source_phrase``,
    ``predicate``, ``vessels`` (text, name, imo, mmsi), ``places``, ``time`` (phrase,
    start, end), ``quantity`` (phrase, value, unit, qualifier), ``certainty``,
    ``certainty_cue``, ``refers_to_claim_id``.
    """
    records: list[dict[str, Any]] = []
    for row in claims.iter_rows(named=True):  # one row per claim shown: few
        has_time = row["time_phrase"] is not None
        has_quantity = row["quantity_value"] is not None
        records.append(
            {
                "claim_id": row["claim_id"],
                "status": row["status"],
                "version": row["version"],
                "report_id": row["report_id"],
                "report_title": row["report_title"],
                "published": _iso_date(row["published_date"]),
                "sentence": row["sentence"],
                "sentence_index": row["sentence_index"],
                "source": row["source"],
                "source_phrase": row["source_phrase"],
                "predicate": row["predicate"],
                "vessels": row["vessels"],
                "places": row["places"],
                "time": {
                    "phrase": row["time_phrase"],
                    "start": _iso_date(row["time_start_date"]),
                    "end": _iso_date(row["time_end_date"]),
                }
                if has_time
                else None,
                "quantity": {
                    "phrase": row["quantity_phrase"],
                    "value": _number(row["quantity_value"]),
                    "unit": row["quantity_unit"],
                    "qualifier": row["quantity_qualifier"],
                }
                if has_quantity
                else None,
                "certainty": row["certainty"],
                "certainty_cue": row["certainty_cue"],
                "refers_to_claim_id": row["refers_to_claim_id"],
            }
        )
    return records


def _iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class ClaimChain:
    """What ``darkfleet explain`` shows for a claim or report id.

    ``claims``: ``claim_records`` of the claim (one) or of all the report's claims;
    ``report``: the report they come from; ``versions``: the claim's history (empty
    for a report).
    """

    report: ReportRecord
    claims: list[dict[str, Any]]
    versions: Sequence[ItemVersion]


def explain_claim(workspace: Workspace, item_id: str) -> ClaimChain:
    """Return the evidence chain of a claim (``clm-...``) or report (``rpt-...``) id.

    Raises
    ------
    ConfigError
        No claim or report has this id (the message says how to list them).
    """
    if item_id.startswith(REPORT_PREFIX):
        record = read_report_record(workspace, item_id)
        if record is not None:
            return ClaimChain(record, claim_records(read_claims(workspace, report=item_id)), ())
    elif item_id.startswith(CLAIM_PREFIX):
        current = current_claim(workspace, item_id)
        if current is not None:
            record = read_report_record(workspace, current[1].report_id)
            if record is None:  # pragma: no cover - a foreign key guards it
                raise ConfigError(f"claim {item_id}: its report {current[1].report_id} is missing")
            claims = read_claims(workspace, report=record.report_id)
            return ClaimChain(
                record,
                claim_records(claims.filter(pl.col("claim_id") == item_id)),
                claim_history(workspace, item_id),
            )
    raise ConfigError(
        f"no claim or report has the id {item_id!r}; list them with `darkfleet claims` "
        "and `darkfleet reports list`"
    )
