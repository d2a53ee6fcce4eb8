"""The ``Store`` protocol and the types every store shares (store layer).

Imports only ``darkfleet.schema`` and ``darkfleet.errors``; never ingest, detect, engine,
fuse or cli. Two implementations follow this protocol: ``ParquetStore`` (the on-disk store
users and external engines read) and ``MemoryStore`` (the same behaviour in RAM, for tests
of the layers above).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Final, Literal, Protocol, Self, get_args

import polars as pl

from darkfleet import schema

__all__ = [
    "DATASETS",
    "DETECT_EXCLUDED",
    "INGEST_KINDS",
    "DatasetKind",
    "IngestKind",
    "IngestTransaction",
    "Store",
    "StoreInfo",
]

#: Datasets an ingest writes, one transaction per input file.
IngestKind = Literal["positions", "statics", "others", "rejects"]
#: Every dataset of a store; ``events`` is written by detection through ``replace_events``.
DatasetKind = Literal["positions", "statics", "others", "rejects", "events"]

INGEST_KINDS: Final[tuple[IngestKind, ...]] = get_args(IngestKind)
DATASETS: Final[tuple[DatasetKind, ...]] = get_args(DatasetKind)

#: Positions the detection engine kept out of the detectors' input (the second track of
#: an MMSI that spoofing split), recorded so later incremental runs exclude them too.
DETECT_EXCLUDED: Final[schema.Schema] = {
    "mmsi": pl.Int64(),
    "ts": pl.Datetime("us", "UTC"),
    "file_id": pl.String(),
    "line_no": pl.Int64(),
}

#: The canonical schema of each dataset.
SCHEMAS: Final[Mapping[DatasetKind, schema.Schema]] = {
    "positions": schema.POSITIONS,
    "statics": schema.STATICS,
    "others": schema.OTHERS,
    "rejects": schema.REJECTS,
    "events": schema.EVENTS,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreInfo:
    """What a store holds, as ``darkfleet info`` shows it.

    Attributes
    ----------
    root : the store directory, ``None`` for a ``MemoryStore``.
    rows : row count of every dataset, keyed by dataset name (all five present).
    vessels : distinct MMSIs in positions and static reports together.
    first_ts, last_ts : earliest and latest ``ts`` over positions, statics and others
        (UTC); ``None`` when they are all empty.
    days : the distinct UTC days holding positions, statics or others, ascending (the
        ``day=`` partitions of a ``ParquetStore``).
    files_ingested : input files committed (rows of ``ingested_files()``).
    bytes_on_disk : size of every file under ``root`` (0 for a ``MemoryStore``).
    rejects_by_reason : rejected lines per ``reason``, only reasons that occur.
    """

    root: Path | None
    rows: Mapping[str, int]
    vessels: int
    first_ts: datetime | None
    last_ts: datetime | None
    days: tuple[date, ...]
    files_ingested: int
    bytes_on_disk: int
    rejects_by_reason: Mapping[str, int]


class IngestTransaction(Protocol):
    """One input file's rows on their way into a store: all of them or none become visible.

    ``write`` is called once per decoded batch (bounded memory: each call writes its rows
    out at once), ``commit`` publishes them atomically, ``abort`` discards them. As a
    context manager, an exception inside the block aborts; leaving it normally without
    ``commit`` also aborts.
    """

    @property
    def file_id(self) -> str:
        """The input file's id (``schema``: first 16 hex digits of its SHA-256)."""
        ...

    def write(self, kind: IngestKind, frame: pl.DataFrame) -> None:
        """Stage one batch of ``kind`` rows (exactly that dataset's canonical columns)."""
        ...

    def commit(self, *, summary: Mapping[str, object], ingested_at: datetime) -> None:
        """Publish every staged batch and record the file as ingested."""
        ...

    def abort(self) -> None:
        """Discard every staged batch; the store is as if the ingest never began."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class Store(Protocol):
    """Canonical frames in and out: what ingest, detection and presentation rely on."""

    def has_ingested(self, file_id: str) -> bool:
        """Return whether the file with ``file_id`` is committed."""
        ...

    def begin_ingest(self, *, file_id: str, file: str) -> IngestTransaction:
        """Open a transaction for one input file (``StoreError`` if already ingested)."""
        ...

    def scan(self, kind: DatasetKind) -> pl.LazyFrame:
        """Return a dataset lazily with exactly its canonical columns, even when empty."""
        ...

    def ingested_files(self) -> pl.DataFrame:
        """Return the manifest: one row per committed input file."""
        ...

    def info(self) -> StoreInfo:
        """Return counts, vessels, time span, days and size of the store."""
        ...

    def replace_events(
        self,
        events: pl.DataFrame,
        *,
        mmsis: Collection[int] | None = None,
        types: Collection[str] | None = None,
    ) -> None:
        """Replace all stored events, or those of some MMSIs and/or types, atomically."""
        ...

    def lock(self) -> AbstractContextManager[None]:
        """Hold the exclusive writer lock for the block."""
        ...

    def read_detect_state(self) -> dict[str, object] | None:
        """Return what the stored events reflect (``write_detect_state``), or ``None``."""
        ...

    def read_detect_excluded(self) -> pl.DataFrame:
        """Return the positions detection excluded (``DETECT_EXCLUDED`` columns)."""
        ...

    def write_detect_state(self, state: Mapping[str, object], excluded: pl.DataFrame) -> None:
        """Record detection's state and excluded positions (excluded first, state last)."""
        ...

    def read_sanctions(self) -> pl.DataFrame:
        """Return every version of every sanctions-list entry (``schema.SANCTION_ENTRIES``)."""
        ...

    def read_sanction_loads(self) -> pl.DataFrame:
        """Return one row per sanctions-list load (``schema.SANCTION_LOADS``), oldest first."""
        ...

    def replace_sanctions(self, entries: pl.DataFrame, loads: pl.DataFrame) -> None:
        """Replace the stored entries and loads together, atomically (both or neither)."""
        ...
