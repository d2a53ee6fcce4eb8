"""Tables of the workspace database, as SQLAlchemy Core objects (store layer).

The migrations in ``migrations/versions`` create these tables; this module describes the
current schema for the queries in ``workspace.py``. Both tables are append-only: a row is
one version of one item, never updated or deleted (triggers enforce it, migration 0003).

- ``sighting_versions``: every version of every analyst sighting, with the full fields
  of that version (view ``current_sightings``: the latest version per ``sighting_id``).
- ``annotation_versions``: disputes and corrections of items stored elsewhere (events in
  the Parquet store, keyed by ``event_id``), each version holding the item's status and
  every corrected field so far (view ``current_annotations``).
- ``reports``: one row per news report or statement, with its main text (migration 0004).
- ``claim_versions``: every version of every claim extracted from a report, with its full
  fields; ``vessels`` and ``places`` are JSON arrays (view ``current_claims``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

__all__ = [
    "ANNOTATION_VERSIONS",
    "CLAIM_VERSIONS",
    "METADATA",
    "REPORTS",
    "SIGHTING_VERSIONS",
    "UtcDateTime",
]


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC instant on every backend.

    PostgreSQL stores ``timestamp with time zone``; SQLite has no time zones, so the value
    is stored as naive UTC and read back with UTC attached. Naive input is refused.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware instant to UTC (naive UTC for SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise TypeError(f"naive datetime {value!r}: give a timezone-aware UTC instant")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return the stored instant as an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


METADATA: Final = sa.MetaData()


def _version_columns() -> list[sa.Column[object]]:
    """Columns every versioned row carries: who changed what, when and why."""
    return [
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("recorded_ts", UtcDateTime, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    ]


SIGHTING_VERSIONS: Final = sa.Table(
    "sighting_versions",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sighting_id", sa.String(40), nullable=False),
    *_version_columns(),
    sa.Column("vessel_text", sa.Text, nullable=False),
    sa.Column("mmsi", sa.BigInteger),
    sa.Column("imo", sa.BigInteger),
    sa.Column("start_ts", UtcDateTime, nullable=False),
    sa.Column("end_ts", UtcDateTime, nullable=False),
    sa.Column("lat", sa.Double),
    sa.Column("lon", sa.Double),
    sa.Column("port", sa.Text),
    sa.Column("port_id", sa.Text),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("observation", sa.Text, nullable=False),
    sa.Column("confidence", sa.String(8), nullable=False),
    sa.UniqueConstraint("sighting_id", "version", name="uq_sighting_versions_id_version"),
)

ANNOTATION_VERSIONS: Final = sa.Table(
    "annotation_versions",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("item_id", sa.String(64), nullable=False),
    sa.Column("item_kind", sa.String(16), nullable=False),
    *_version_columns(),
    sa.Column("fields", sa.Text, nullable=False),
    sa.UniqueConstraint("item_id", "version", name="uq_annotation_versions_id_version"),
)

REPORTS: Final = sa.Table(
    "reports",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("report_id", sa.String(40), nullable=False, unique=True),
    sa.Column("title", sa.Text),
    sa.Column("url", sa.Text),
    sa.Column("file", sa.Text),
    sa.Column("published_date", sa.Date),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("text_sha256", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("added_ts", UtcDateTime, nullable=False),
)

CLAIM_VERSIONS: Final = sa.Table(
    "claim_versions",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("claim_id", sa.String(40), nullable=False),
    *_version_columns(),
    sa.Column("report_id", sa.String(40), sa.ForeignKey("reports.report_id"), nullable=False),
    sa.Column("claim_index", sa.Integer, nullable=False),
    sa.Column("sentence_index", sa.Integer, nullable=False),
    sa.Column("sentence", sa.Text, nullable=False),
    sa.Column("source", sa.Text),
    sa.Column("source_phrase", sa.Text),
    sa.Column("predicate", sa.Text, nullable=False),
    sa.Column("vessels", sa.Text, nullable=False),
    sa.Column("places", sa.Text, nullable=False),
    sa.Column("time_phrase", sa.Text),
    sa.Column("time_start_date", sa.Date),
    sa.Column("time_end_date", sa.Date),
    sa.Column("quantity_phrase", sa.Text),
    sa.Column("quantity_value", sa.Double),
    sa.Column("quantity_unit", sa.Text),
    sa.Column("quantity_qualifier", sa.String(16)),
    sa.Column("certainty", sa.String(16), nullable=False),
    sa.Column("certainty_cue", sa.Text),
    sa.Column("refers_to_claim_id", sa.String(40)),
    sa.UniqueConstraint("claim_id", "version", name="uq_claim_versions_id_version"),
)
