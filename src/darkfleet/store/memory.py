"""``MemoryStore``: the ``Store`` protocol in RAM, for tests of the layers above (store layer).

Imports only ``darkfleet.schema`` and ``darkfleet.errors``. It applies the same rules as
``ParquetStore`` (validation, day split, ``(mmsi, ts)`` order inside each part, part
names, manifest, event merges), so a test that passes on it passes on disk too; a
property test checks that both return identical frames.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Final

import polars as pl

from darkfleet import schema
from darkfleet.errors import StoreError
from darkfleet.store._frames import (
    build_info,
    check_dataset,
    check_file_id,
    merge_events,
    validate_sanctions,
)
from darkfleet.store._transaction import BaseIngestTransaction
from darkfleet.store.manifest import ManifestEntry, manifest_frame
from darkfleet.store.protocol import (
    DETECT_EXCLUDED,
    INGEST_KINDS,
    SCHEMAS,
    DatasetKind,
    StoreInfo,
)

__all__ = ["MemoryIngestTransaction", "MemoryStore"]

#: Parts given to the constructor are named as if ingested under this id (not listed by
#: ``ingested_files``).
PRELOADED_ID: Final = "preloaded"


class MemoryStore:
    """A store held in memory; same reading and writing interface as ``ParquetStore``.

    Parameters
    ----------
    positions, statics, others, rejects : optional canonical frames to start with; they
        are split by day and sorted by ``(mmsi, ts)`` inside each day, as ingest would.
    events : optional ``schema.EVENTS`` frame.

    Examples
    --------
    >>> from darkfleet.testing import make_track
    >>> store = MemoryStore(positions=make_track(n=3))
    >>> store.scan("positions").collect().height, store.info().vessels
    (3, 1)
    """

    def __init__(
        self,
        *,
        positions: pl.DataFrame | None = None,
        statics: pl.DataFrame | None = None,
        others: pl.DataFrame | None = None,
        rejects: pl.DataFrame | None = None,
        events: pl.DataFrame | None = None,
    ) -> None:
        self._parts: dict[str, tuple[str, pl.DataFrame]] = {}
        self._manifest: dict[str, ManifestEntry] = {}
        self._events = schema.empty(schema.EVENTS)
        self._open_ingests: set[str] = set()
        self._detect_state: str | None = None
        self._detect_excluded = schema.empty(DETECT_EXCLUDED)
        self._sanctions = schema.empty(schema.SANCTION_ENTRIES)
        self._sanction_loads = schema.empty(schema.SANCTION_LOADS)
        given = {"positions": positions, "statics": statics, "others": others, "rejects": rejects}
        for kind in INGEST_KINDS:
            frame = given[kind]
            if frame is not None:
                transaction = MemoryIngestTransaction(self, file_id=PRELOADED_ID, file="")
                transaction.write(kind, frame)
                for part in transaction.parts:
                    self._parts[part.path] = (kind, transaction.staged[part.path])
        if events is not None:
            self._events = merge_events(self._events, events, mmsis=None, types=None)

    def __repr__(self) -> str:
        return f"MemoryStore(parts={len(self._parts)}, files={len(self._manifest)})"

    @contextmanager
    def lock(self) -> Iterator[None]:
        """A no-op: a ``MemoryStore`` belongs to one process."""
        yield

    def has_ingested(self, file_id: str) -> bool:
        """Return whether ``file_id`` is committed."""
        return check_file_id(file_id) in self._manifest

    def begin_ingest(self, *, file_id: str, file: str) -> MemoryIngestTransaction:
        """Open a transaction for one input file (errors as ``ParquetStore.begin_ingest``)."""
        check_file_id(file_id)
        if file_id in self._open_ingests:
            raise StoreError(f"{file} (file_id {file_id}) is already being ingested")
        if self.has_ingested(file_id):
            raise StoreError(
                f"{file} (file_id {file_id}) is already in the store; nothing to do "
                "(check store.has_ingested() before ingesting)"
            )
        self._open_ingests.add(file_id)
        return MemoryIngestTransaction(self, file_id=file_id, file=file)

    def replace_events(
        self,
        events: pl.DataFrame,
        *,
        mmsis: Collection[int] | None = None,
        types: Collection[str] | None = None,
    ) -> None:
        """Replace all events, or those of some MMSIs and/or types (as ``ParquetStore``)."""
        self._events = merge_events(self._events, events, mmsis=mmsis, types=types)

    def read_detect_state(self) -> dict[str, object] | None:
        """Return the detection state last written, or ``None``."""
        if self._detect_state is None:
            return None
        state: dict[str, object] = json.loads(self._detect_state)
        return state

    def read_detect_excluded(self) -> pl.DataFrame:
        """Return the excluded positions last written (``DETECT_EXCLUDED``)."""
        return self._detect_excluded

    def write_detect_state(self, state: Mapping[str, object], excluded: pl.DataFrame) -> None:
        """Record detection's state (as JSON, like ``ParquetStore``) and excluded positions."""
        schema.require(excluded, DETECT_EXCLUDED, what="excluded positions")
        self._detect_excluded = excluded.select(list(DETECT_EXCLUDED))
        self._detect_state = json.dumps(dict(state), sort_keys=True)

    def replace_sanctions(self, entries: pl.DataFrame, loads: pl.DataFrame) -> None:
        """Replace the sanctions entries and loads together (as ``ParquetStore``)."""
        self._sanctions, self._sanction_loads = validate_sanctions(entries, loads)

    def read_sanctions(self) -> pl.DataFrame:
        """Return every version of every sanctions entry (``schema.SANCTION_ENTRIES``)."""
        return self._sanctions

    def read_sanction_loads(self) -> pl.DataFrame:
        """Return the sanctions loads (``schema.SANCTION_LOADS``), oldest first."""
        return self._sanction_loads

    def scan(self, kind: DatasetKind) -> pl.LazyFrame:
        """Return dataset ``kind`` lazily, in the order a ``ParquetStore`` gives it."""
        checked = check_dataset(kind)
        if checked == "events":
            return self._events.lazy()
        frames = [frame for path, (k, frame) in sorted(self._parts.items()) if k == checked]
        if not frames:
            return pl.LazyFrame(schema=dict(SCHEMAS[checked]))
        return pl.concat(frames, how="vertical").lazy()

    def ingested_files(self) -> pl.DataFrame:
        """Return the manifest (``manifest.MANIFEST_SCHEMA``), sorted by ingest time."""
        return manifest_frame(self._manifest.values())

    def info(self) -> StoreInfo:
        """Return counts, vessels, time span and days; ``bytes_on_disk`` is 0."""
        return build_info(self.scan, root=None, files_ingested=len(self._manifest), bytes_on_disk=0)


class MemoryIngestTransaction(BaseIngestTransaction):
    """An ingest into a ``MemoryStore``: parts kept aside until ``commit``."""

    def __init__(self, store: MemoryStore, *, file_id: str, file: str) -> None:
        super().__init__(file_id=file_id, file=file)
        self._store = store
        self.staged: dict[str, pl.DataFrame] = {}

    def _stage(self, path: str, part: pl.DataFrame) -> None:
        self.staged[path] = part

    def _publish(self, entry: ManifestEntry) -> None:
        for part in entry.parts:
            self._store._parts[part.path] = (part.kind, self.staged[part.path])
        self._store._manifest[entry.file_id] = entry

    def _discard(self) -> None:
        self.staged.clear()

    def _close(self) -> None:
        self._store._open_ingests.discard(self._file_id)
