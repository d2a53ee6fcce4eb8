"""The state machine every ingest transaction shares (store layer).

A subclass says where a part goes (``_stage``), how a commit is published (``_publish``)
and how staged parts are discarded (``_discard``); this base validates batches, numbers
them, names parts deterministically and guards the open -> committed/aborted states.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Literal, Self

import polars as pl

from darkfleet.errors import StoreError
from darkfleet.store._frames import check_ingest_kind, part_path, split_by_day, validate_frame
from darkfleet.store.manifest import (
    ManifestEntry,
    PartEntry,
    check_ingested_at,
    summary_json,
)
from darkfleet.store.protocol import INGEST_KINDS, IngestKind

_State = Literal["open", "committed", "aborted", "failed"]


class BaseIngestTransaction:
    """Shared behaviour of ``ParquetIngestTransaction`` and ``MemoryIngestTransaction``."""

    def __init__(self, *, file_id: str, file: str) -> None:
        self._file_id = file_id
        self._file = str(file)
        self._batches: dict[str, int] = dict.fromkeys(INGEST_KINDS, 0)
        self._parts: list[PartEntry] = []
        self._state: _State = "open"

    @property
    def file_id(self) -> str:
        """The input file's id."""
        return self._file_id

    @property
    def file(self) -> str:
        """The input file's path as the caller named it."""
        return self._file

    @property
    def parts(self) -> tuple[PartEntry, ...]:
        """Parts staged so far, in write order."""
        return tuple(self._parts)

    def write(self, kind: IngestKind, frame: pl.DataFrame) -> None:
        """Stage one batch of rows of dataset ``kind``.

        Each call writes its rows out at once, so memory stays bounded by one batch.
        Positions, statics and others are split by the UTC day of ``ts`` and each part is
        sorted by ``(mmsi, ts)``; rejects are kept in input order. An empty batch still
        takes a batch number (part names stay deterministic) but writes nothing.

        Parameters
        ----------
        kind : "positions", "statics", "others" or "rejects".
        frame : exactly that dataset's canonical columns (``schema.POSITIONS`` etc.).

        Raises
        ------
        SchemaError
            a column is missing, mistyped or extra, or a row has a null ``ts``.
        StoreError
            the transaction is already committed or aborted.
        """
        self._require_open("write to")
        checked_kind = check_ingest_kind(kind)
        rows = validate_frame(checked_kind, frame)
        batch_no = self._batches[checked_kind]
        self._batches[checked_kind] = batch_no + 1
        for day, part in split_by_day(checked_kind, rows):
            path = part_path(checked_kind, self._file_id, batch_no, day)
            self._stage(path, part)
            self._parts.append(PartEntry(kind=checked_kind, path=path, rows=part.height))
            self._after_stage(checked_kind, batch_no)

    def commit(self, *, summary: Mapping[str, object], ingested_at: datetime) -> None:
        """Publish every staged part atomically and record the file as ingested.

        Parameters
        ----------
        summary : the ingest's own account (counts, reject ratio, decoder version ...),
            stored as canonical JSON in the manifest; values must be JSON-serialisable
            (datetimes, dates and paths are converted).
        ingested_at : when the ingest ran, timezone-aware (the CLI passes the clock's
            time; the store never reads it).

        Raises
        ------
        TypeError, ValueError
            ``ingested_at`` is naive or ``summary`` cannot be JSON; nothing changed, the
            transaction stays open.
        StoreError
            the transaction is not open, or publishing failed (then the next writer to
            open the store rolls the commit forward).
        """
        self._require_open("commit")
        entry = ManifestEntry(
            file_id=self._file_id,
            file=self._file,
            ingested_at=check_ingested_at(ingested_at),
            parts=tuple(self._parts),
            summary_json=summary_json(summary),
        )
        self._state = "failed"
        try:
            self._publish(entry)
            self._state = "committed"
        finally:
            self._close()

    def abort(self) -> None:
        """Discard every staged part; a no-op once committed or aborted."""
        if self._state != "open":
            return
        self._state = "aborted"
        try:
            self._discard()
        finally:
            self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.abort()

    def _require_open(self, action: str) -> None:
        if self._state != "open":
            raise StoreError(
                f"cannot {action} the ingest of {self._file} (file_id {self._file_id}): the "
                f"transaction is {self._state}; begin a new one with store.begin_ingest()"
            )

    # -- what an implementation provides -------------------------------------------------
    def _stage(self, path: str, part: pl.DataFrame) -> None:
        raise NotImplementedError

    def _after_stage(self, kind: str, batch_no: int) -> None:
        """Hook after each staged part (crash tests stop the process here)."""

    def _publish(self, entry: ManifestEntry) -> None:
        raise NotImplementedError

    def _discard(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        """Release what the transaction holds (the writer lock)."""
