"""The analysts' workspace: sightings and corrections, kept as an append-only history.

Store layer: imports only ``errors`` and ``schema`` of darkfleet. Every change is a new
version row with its author, the time it was recorded and the reason; nothing is
updated or deleted. The current state of an item is its latest version.

Two kinds of item live here:

- **sightings** (``SightingFields``), owned by the workspace: version 1 is the sighting as
  imported or added; later versions hold the full corrected fields or a dispute.
- **annotations** of items stored elsewhere (events in the Parquet store, by
  ``event_id``): each version holds the item's status and every field corrected so far,
  for readers to lay over the original.

All SQL goes through SQLAlchemy Core with bound parameters.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Self, get_args

import polars as pl
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from darkfleet import schema
from darkfleet.errors import StoreError
from darkfleet.store.workspace._db import HEAD, connect
from darkfleet.store.workspace.tables import ANNOTATION_VERSIONS, SIGHTING_VERSIONS

__all__ = [
    "ACTIONS",
    "ANNOTATIONS",
    "CURRENT_SIGHTINGS",
    "STATUSES",
    "WORKSPACE_FILE",
    "Action",
    "ItemVersion",
    "SightingFields",
    "Status",
    "Workspace",
    "open_workspace",
    "workspace_url",
]

#: The SQLite workspace's file name inside the store directory.
WORKSPACE_FILE: Final = "workspace.sqlite"

#: What made a version: an import, a hand entry, a correction or a dispute.
Action = Literal["import", "add", "correct", "dispute"]
#: An item's state: as first recorded, corrected since, or disputed.
Status = Literal["original", "corrected", "disputed"]
ACTIONS: Final[tuple[Action, ...]] = get_args(Action)
STATUSES: Final[tuple[Status, ...]] = get_args(Status)

#: Current annotations as ``Workspace.current_annotations`` returns them.
ANNOTATIONS: Final[schema.Schema] = {
    "item_id": pl.String(),
    "item_kind": pl.String(),
    "version": pl.Int64(),
    "status": pl.String(),
    "fields": pl.String(),
    "author": pl.String(),
    "recorded_ts": schema.UTC_US,
    "reason": pl.String(),
}

#: Every sighting's current version as ``Workspace.current_sightings`` returns it: the
#: sightings contract (``schema.SIGHTINGS``) plus ``version`` and ``status``.
CURRENT_SIGHTINGS: Final[schema.Schema] = {
    "sighting_id": pl.String(),
    "version": pl.Int64(),
    "status": pl.String(),
    **{name: dtype for name, dtype in schema.SIGHTINGS.items() if name != "sighting_id"},
}

_CHUNK: Final = 500  # ids per IN (...) list: far below SQLite's bound-parameter limit


@dataclass(frozen=True, slots=True, kw_only=True)
class SightingFields:
    """One sighting's fields (the sightings contract's columns but ``sighting_id``).

    Times are aware UTC; ``lat``/``lon`` WGS84 degrees or ``None`` when only a port is
    known; ``port``/``port_id`` the gazetteer's name and id or ``None``; ``confidence``
    one of ``low``, ``medium``, ``high``.
    """

    vessel_text: str
    mmsi: int | None
    imo: int | None
    start_ts: datetime
    end_ts: datetime
    lat: float | None
    lon: float | None
    port: str | None
    port_id: str | None
    source: str
    observation: str
    confidence: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemVersion:
    """One version of an item: what it was after the change, who made it, when and why.

    ``fields`` holds a sighting's full fields (times as ISO 8601 ``Z`` text) or, for an
    annotation, every field corrected so far.
    """

    item_id: str
    item_kind: str
    version: int
    action: str
    status: str
    author: str
    recorded_ts: datetime
    reason: str
    fields: Mapping[str, Any]


def workspace_url(store_root: Path, database_url: str | None) -> str:
    """Return the workspace's URL: ``database_url`` if given, else SQLite in the store.

    Examples
    --------
    >>> workspace_url(Path("/data/store"), None)
    'sqlite:////data/store/workspace.sqlite'
    >>> workspace_url(Path("/data/store"), "postgresql://ana@db/darkfleet")
    'postgresql://ana@db/darkfleet'
    """
    if database_url:
        return database_url
    return f"sqlite:///{store_root.resolve() / WORKSPACE_FILE}"


def open_workspace(url: str, *, where: str = "database URL", revision: str = HEAD) -> Workspace:
    """Open (creating and migrating as needed) the workspace database at ``url``.

    ``where`` names the URL's origin in error messages. See ``_db.connect`` for errors.
    """
    return Workspace(connect(url, where=where, revision=revision))


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


_SIGHTING_FIELDS: Final = tuple(SightingFields.__dataclass_fields__)


@contextmanager
def _appending(item_id: str) -> Iterator[None]:
    """Turn a lost race for the next version number into a clear ``StoreError``."""
    try:
        yield
    except IntegrityError as err:
        raise StoreError(
            f"{item_id}: another change was recorded at the same moment; run the command again"
        ) from err


def _sighting_fields(row: sa.RowMapping) -> SightingFields:
    return SightingFields(**{name: row[name] for name in _SIGHTING_FIELDS})


def append_version(
    workspace: Workspace,
    table: sa.Table,
    key: str,
    item_id: str,
    row: Mapping[str, Any],
    *,
    action: Action,
    status: Status,
    author: str,
    recorded_ts: datetime,
    reason: str,
    existing: str | None,
) -> int:
    """Insert the next version of one item of a versions table; return its number.

    ``key`` is the table's item id column. With ``existing`` (the kind of item, for the
    message) the item must have a version already; without it the first is version 1.

    Raises
    ------
    StoreError
        No such item (with ``existing``), a blank author or reason, or another writer
        added a version at the same moment.
    """
    with _appending(item_id), workspace.engine.begin() as connection:
        latest = connection.execute(
            sa.select(sa.func.max(table.c.version)).where(table.c[key] == item_id)
        ).scalar_one()
        if latest is None and existing is not None:
            raise StoreError(f"no {existing} {item_id!r} in the workspace")
        version = int(latest or 0) + 1
        meta = Workspace._meta(version, action, status, author, recorded_ts, reason)
        connection.execute(table.insert(), [{key: item_id, **meta, **row}])
    return version


def version_rows(
    workspace: Workspace, table: sa.Table, key: str, item_id: str
) -> list[sa.Row[Any]]:
    """Every version row of one item, oldest first (empty if unknown)."""
    query = sa.select(table).where(table.c[key] == item_id).order_by(table.c.version)
    with workspace.engine.connect() as connection:
        return list(connection.execute(query).all())


def item_version(
    item_id: str, item_kind: str, row: sa.Row[Any], fields: Mapping[str, Any]
) -> ItemVersion:
    """An ``ItemVersion`` from a versions-table row and the fields it holds."""
    return ItemVersion(
        item_id=item_id,
        item_kind=item_kind,
        version=row.version,
        action=row.action,
        status=row.status,
        author=row.author,
        recorded_ts=row.recorded_ts,
        reason=row.reason,
        fields=dict(fields),
    )


class Workspace:
    """The workspace database: sightings and annotations with their full history.

    Use as a context manager, or call ``close``. Every method runs in its own
    transaction.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    # -- sightings ------------------------------------------------------------------------
    def add_sightings(
        self,
        sightings: Mapping[str, SightingFields],
        *,
        action: Action,
        author: str,
        recorded_ts: datetime,
        reason: str,
    ) -> list[str]:
        """Record new sightings (version 1) keyed by id; ids already present are skipped.

        Returns the ids added, in the order given. Re-importing the same content adds
        nothing twice because ids derive from the content.
        """
        ids = list(sightings)
        with self.engine.begin() as connection:
            present = self._present_sighting_ids(connection, ids)
            new_ids = [sighting_id for sighting_id in ids if sighting_id not in present]
            if new_ids:
                meta = self._meta(1, action, "original", author, recorded_ts, reason)
                connection.execute(
                    SIGHTING_VERSIONS.insert(),
                    [{"sighting_id": sid, **meta, **asdict(sightings[sid])} for sid in new_ids],
                )
        return new_ids

    def _present_sighting_ids(self, connection: sa.Connection, ids: Sequence[str]) -> set[str]:
        column = SIGHTING_VERSIONS.c.sighting_id
        present: set[str] = set()
        for chunk in _chunks(ids):
            query = sa.select(column).where(column.in_(chunk)).distinct()
            present.update(connection.execute(query).scalars())
        return present

    def has_sighting(self, sighting_id: str) -> bool:
        """Return whether a sighting with this id exists (in any version)."""
        with self.engine.connect() as connection:
            return bool(self._present_sighting_ids(connection, [sighting_id]))

    def current_sighting(self, sighting_id: str) -> tuple[ItemVersion, SightingFields] | None:
        """Return a sighting's latest version and fields, or ``None`` if unknown."""
        rows = version_rows(self, SIGHTING_VERSIONS, "sighting_id", sighting_id)
        if not rows:
            return None
        return self._sighting_version(sighting_id, rows[-1]), _sighting_fields(rows[-1]._mapping)

    def append_sighting_version(
        self,
        sighting_id: str,
        fields: SightingFields,
        *,
        action: Action,
        status: Status,
        author: str,
        recorded_ts: datetime,
        reason: str,
    ) -> int:
        """Record a new version of an existing sighting; return its version number.

        Raises
        ------
        StoreError
            No such sighting, or another writer added a version at the same moment.
        """
        return append_version(
            self,
            SIGHTING_VERSIONS,
            "sighting_id",
            sighting_id,
            asdict(fields),
            action=action,
            status=status,
            author=author,
            recorded_ts=recorded_ts,
            reason=reason,
            existing="sighting",
        )

    def sighting_history(self, sighting_id: str) -> list[ItemVersion]:
        """Return every version of a sighting, oldest first (empty if unknown)."""
        rows = version_rows(self, SIGHTING_VERSIONS, "sighting_id", sighting_id)
        return [self._sighting_version(sighting_id, row) for row in rows]

    @staticmethod
    def _sighting_version(sighting_id: str, row: sa.Row[Any]) -> ItemVersion:
        fields = asdict(_sighting_fields(row._mapping))
        text = {name: _iso(v) if isinstance(v, datetime) else v for name, v in fields.items()}
        return item_version(sighting_id, "sighting", row, text)

    def current_sightings(self, *, mmsi: int | None = None, imo: int | None = None) -> pl.DataFrame:
        """Return each sighting's latest version (``CURRENT_SIGHTINGS``).

        ``mmsi``/``imo`` keep only sightings of that vessel (either matching). Rows are
        ordered by ``start_ts`` then ``sighting_id``.
        """
        table = sa.table(
            "current_sightings", *(sa.column(name) for name in SIGHTING_VERSIONS.c.keys())
        )
        query = sa.select(
            *(
                sa.type_coerce(table.c[name], SIGHTING_VERSIONS.c[name].type).label(name)
                for name in CURRENT_SIGHTINGS
            )
        ).order_by(table.c.start_ts, table.c.sighting_id)
        if mmsi is not None or imo is not None:
            query = query.where(sa.or_(table.c.mmsi == mmsi, table.c.imo == imo))
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return pl.DataFrame(
            [tuple(row) for row in rows], schema=dict(CURRENT_SIGHTINGS), orient="row"
        )

    # -- annotations of items stored elsewhere --------------------------------------------
    def annotation_history(self, item_id: str) -> list[ItemVersion]:
        """Return every annotation version of an item, oldest first (empty if none)."""
        rows = version_rows(self, ANNOTATION_VERSIONS, "item_id", item_id)
        return [item_version(item_id, row.item_kind, row, json.loads(row.fields)) for row in rows]

    def append_annotation(
        self,
        item_id: str,
        *,
        item_kind: str,
        fields: Mapping[str, Any],
        action: Action,
        status: Status,
        author: str,
        recorded_ts: datetime,
        reason: str,
    ) -> int:
        """Record a new annotation version of an item; return its version number.

        ``fields`` holds every field corrected so far (JSON-able values), so the latest
        version alone gives the item's current state.
        """
        row = {
            "item_kind": item_kind,
            "fields": json.dumps(fields, sort_keys=True, separators=(",", ":")),
        }
        return append_version(
            self,
            ANNOTATION_VERSIONS,
            "item_id",
            item_id,
            row,
            action=action,
            status=status,
            author=author,
            recorded_ts=recorded_ts,
            reason=reason,
            existing=None,
        )

    def current_annotations(self, item_kind: str | None = None) -> pl.DataFrame:
        """Return each annotated item's latest version (columns of ``ANNOTATIONS``)."""
        table = sa.table("current_annotations", *(sa.column(name) for name in ANNOTATIONS))
        query = sa.select(
            *(
                sa.type_coerce(table.c[name], ANNOTATION_VERSIONS.c[name].type).label(name)
                for name in ANNOTATIONS
            )
        ).order_by(table.c.item_id)
        if item_kind is not None:
            query = query.where(table.c.item_kind == item_kind)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return pl.DataFrame([tuple(row) for row in rows], schema=dict(ANNOTATIONS), orient="row")

    # -- helpers --------------------------------------------------------------------------
    @staticmethod
    def _meta(
        version: int,
        action: Action,
        status: Status,
        author: str,
        recorded_ts: datetime,
        reason: str,
    ) -> dict[str, object]:
        if action not in ACTIONS or status not in STATUSES:
            raise ValueError(f"action {action!r} / status {status!r} unknown")
        if not author.strip() or not reason.strip():
            raise StoreError("every version needs an author and a reason; give both")
        return {
            "version": version,
            "action": action,
            "status": status,
            "author": author.strip(),
            "recorded_ts": recorded_ts,
            "reason": reason.strip(),
        }
