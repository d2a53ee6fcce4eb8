"""News reports and their claims in the workspace database (store layer).

Imports only ``errors`` and ``schema`` of darkfleet. A report is stored once, as one
row that is never changed; its claims are versioned like sightings: version 1 is the
claim as extracted, later versions hold the full corrected fields or a dispute, each
with its author, time and reason. Nothing is updated or deleted (triggers enforce it).

``ClaimFields.vessels`` and ``.places`` are JSON-ready mappings (stored as JSON arrays
with sorted keys); the fuse layer (``darkfleet.fuse.reports``) decides what they hold.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Final

import polars as pl
import sqlalchemy as sa

from darkfleet import schema
from darkfleet.errors import StoreError
from darkfleet.store.workspace.tables import CLAIM_VERSIONS, REPORTS
from darkfleet.store.workspace.workspace import (
    Action,
    ItemVersion,
    Status,
    Workspace,
    _appending,
    append_version,
    item_version,
    version_rows,
)

__all__ = [
    "CLAIM_ROWS",
    "REPORT_ROWS",
    "ClaimFields",
    "ReportRecord",
    "append_claim_version",
    "claim_history",
    "current_claim",
    "current_claims",
    "has_claim",
    "list_reports",
    "read_report_record",
    "record_report",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportRecord:
    """One stored report: where it came from, its main text and who added it when.

    ``file`` is the file name as given (``<stdin>`` for standard input), ``url`` the
    page's address when the analyst gave one; ``published_date`` the publisher's
    calendar day (None if unknown); ``text_sha256`` the hex SHA-256 of ``text``.
    """

    report_id: str
    title: str | None
    url: str | None
    file: str | None
    published_date: date | None
    language: str
    text_sha256: str
    text: str
    author: str
    added_ts: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimFields:
    """One claim's fields in one version.

    ``claim_index`` is the claim's position among its report's claims, ``sentence_index``
    the sentence's position in the report's text (both 0-based); ``vessels`` and
    ``places`` JSON-ready mappings; times are calendar dates; ``refers_to_claim_id`` the
    claim a denial answers.
    """

    report_id: str
    claim_index: int
    sentence_index: int
    sentence: str
    source: str | None
    source_phrase: str | None
    predicate: str
    vessels: tuple[Mapping[str, Any], ...]
    places: tuple[Mapping[str, Any], ...]
    time_phrase: str | None
    time_start_date: date | None
    time_end_date: date | None
    quantity_phrase: str | None
    quantity_value: float | None
    quantity_unit: str | None
    quantity_qualifier: str | None
    certainty: str
    certainty_cue: str | None
    refers_to_claim_id: str | None


#: Reports as ``list_reports`` returns them (``claims``: how many claims it holds).
REPORT_ROWS: Final[schema.Schema] = {
    "report_id": pl.String(),
    "title": pl.String(),
    "url": pl.String(),
    "file": pl.String(),
    "published_date": pl.Date(),
    "language": pl.String(),
    "author": pl.String(),
    "added_ts": schema.UTC_US,
    "claims": pl.Int64(),
}

#: Current claims as ``current_claims`` returns them (vessels, places: JSON text).
CLAIM_ROWS: Final[schema.Schema] = {
    "claim_id": pl.String(),
    "version": pl.Int64(),
    "status": pl.String(),
    "report_id": pl.String(),
    "claim_index": pl.Int64(),
    "sentence_index": pl.Int64(),
    "sentence": pl.String(),
    "source": pl.String(),
    "source_phrase": pl.String(),
    "predicate": pl.String(),
    "vessels": pl.String(),
    "places": pl.String(),
    "time_phrase": pl.String(),
    "time_start_date": pl.Date(),
    "time_end_date": pl.Date(),
    "quantity_phrase": pl.String(),
    "quantity_value": pl.Float64(),
    "quantity_unit": pl.String(),
    "quantity_qualifier": pl.String(),
    "certainty": pl.String(),
    "certainty_cue": pl.String(),
    "refers_to_claim_id": pl.String(),
}

_CLAIM_FIELDS: Final = tuple(ClaimFields.__dataclass_fields__)
_JSON_FIELDS: Final = ("vessels", "places")


def _json(value: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps([dict(item) for item in value], sort_keys=True, ensure_ascii=False)


def _claim_row(fields: ClaimFields) -> dict[str, Any]:
    row = asdict(fields)
    for name in _JSON_FIELDS:
        row[name] = _json(getattr(fields, name))
    return row


def _claim_fields(row: sa.RowMapping) -> ClaimFields:
    values = {name: row[name] for name in _CLAIM_FIELDS}
    for name in _JSON_FIELDS:
        values[name] = tuple(json.loads(row[name]))
    return ClaimFields(**values)


def _version_fields(fields: ClaimFields) -> dict[str, Any]:
    """A claim's fields as JSON-ready values (dates as ISO text, lists for JSON arrays)."""
    values = asdict(fields)
    for name, value in values.items():
        if isinstance(value, date):
            values[name] = value.isoformat()
        elif name in _JSON_FIELDS:
            values[name] = [dict(item) for item in value]
    return values


def record_report(
    workspace: Workspace,
    report: ReportRecord,
    claims: Mapping[str, ClaimFields],
    *,
    reason: str,
) -> bool:
    """Store a report and its claims (version 1 each) in one transaction.

    The report's ``author`` and ``added_ts`` are the claims' versions' author and time.
    Returns False, storing nothing, when a report with this id is already stored.

    Raises
    ------
    StoreError
        A claim names another report, or the author or reason is empty.
    """
    for claim_id, fields in claims.items():
        if fields.report_id != report.report_id:
            raise StoreError(
                f"claim {claim_id} names report {fields.report_id}, not {report.report_id}"
            )
    meta = Workspace._meta(1, "add", "original", report.author, report.added_ts, reason)
    with _appending(report.report_id), workspace.engine.begin() as connection:
        present = connection.execute(
            sa.select(REPORTS.c.report_id).where(REPORTS.c.report_id == report.report_id)
        ).first()
        if present is not None:
            return False
        connection.execute(REPORTS.insert(), [asdict(report)])
        if claims:
            connection.execute(
                CLAIM_VERSIONS.insert(),
                [{"claim_id": cid, **meta, **_claim_row(f)} for cid, f in claims.items()],
            )
    return True


def read_report_record(workspace: Workspace, report_id: str) -> ReportRecord | None:
    """Return the stored report with this id, or ``None``."""
    columns = [REPORTS.c[name] for name in ReportRecord.__dataclass_fields__]
    with workspace.engine.connect() as connection:
        row = connection.execute(
            sa.select(*columns).where(REPORTS.c.report_id == report_id)
        ).first()
    return None if row is None else ReportRecord(**row._mapping)


def list_reports(workspace: Workspace) -> pl.DataFrame:
    """Return every stored report (``REPORT_ROWS``), by publication date then id."""
    counts = (
        sa.select(
            CLAIM_VERSIONS.c.report_id,
            sa.func.count(sa.distinct(CLAIM_VERSIONS.c.claim_id)).label("claims"),
        )
        .group_by(CLAIM_VERSIONS.c.report_id)
        .subquery()
    )
    query = (
        sa.select(
            *(REPORTS.c[name] for name in REPORT_ROWS if name != "claims"),
            sa.func.coalesce(counts.c.claims, 0).label("claims"),
        )
        .outerjoin(counts, counts.c.report_id == REPORTS.c.report_id)
        .order_by(REPORTS.c.published_date.nulls_last(), REPORTS.c.report_id)
    )
    with workspace.engine.connect() as connection:
        rows = connection.execute(query).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=dict(REPORT_ROWS), orient="row")


def has_claim(workspace: Workspace, claim_id: str) -> bool:
    """Return whether a claim with this id exists (in any version)."""
    with workspace.engine.connect() as connection:
        found = connection.execute(
            sa.select(CLAIM_VERSIONS.c.id).where(CLAIM_VERSIONS.c.claim_id == claim_id).limit(1)
        ).first()
    return found is not None


def claim_history(workspace: Workspace, claim_id: str) -> list[ItemVersion]:
    """Return every version of a claim, oldest first (empty if unknown).

    Each version's ``fields`` hold the claim's fields (dates as ISO text).
    """
    rows = version_rows(workspace, CLAIM_VERSIONS, "claim_id", claim_id)
    return [_claim_version(claim_id, row) for row in rows]


def _claim_version(claim_id: str, row: sa.Row[Any]) -> ItemVersion:
    return item_version(claim_id, "claim", row, _version_fields(_claim_fields(row._mapping)))


def current_claim(workspace: Workspace, claim_id: str) -> tuple[ItemVersion, ClaimFields] | None:
    """Return a claim's latest version and fields, or ``None`` if unknown."""
    rows = version_rows(workspace, CLAIM_VERSIONS, "claim_id", claim_id)
    if not rows:
        return None
    return _claim_version(claim_id, rows[-1]), _claim_fields(rows[-1]._mapping)


def append_claim_version(
    workspace: Workspace,
    claim_id: str,
    fields: ClaimFields,
    *,
    action: Action,
    status: Status,
    author: str,
    recorded_ts: datetime,
    reason: str,
) -> int:
    """Record a new version of an existing claim; return its version number.

    Raises
    ------
    StoreError
        No such claim, or another writer added a version at the same moment.
    """
    return append_version(
        workspace,
        CLAIM_VERSIONS,
        "claim_id",
        claim_id,
        _claim_row(fields),
        action=action,
        status=status,
        author=author,
        recorded_ts=recorded_ts,
        reason=reason,
        existing="claim",
    )


def current_claims(workspace: Workspace, *, report_id: str | None = None) -> pl.DataFrame:
    """Return each claim's latest version (``CLAIM_ROWS``), disputed ones included.

    ``report_id`` keeps one report's claims. Rows are ordered by report then claim index.
    """
    view = sa.table("current_claims", *(sa.column(name) for name in CLAIM_VERSIONS.c.keys()))
    query = sa.select(
        *(
            sa.type_coerce(view.c[name], CLAIM_VERSIONS.c[name].type).label(name)
            for name in CLAIM_ROWS
        )
    ).order_by(view.c.report_id, view.c.claim_index)
    if report_id is not None:
        query = query.where(view.c.report_id == report_id)
    with workspace.engine.connect() as connection:
        rows = connection.execute(query).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=dict(CLAIM_ROWS), orient="row")
