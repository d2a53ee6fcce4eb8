"""Store layer: canonical frames to and from disk (Parquet datasets and the workspace DB).

Imports only ``darkfleet.schema``, ``darkfleet.errors`` and ``darkfleet.units``.

``Store`` is the protocol the layers above use; ``ParquetStore`` implements it on disk
(see ``darkfleet.store.parquet`` for the layout and the atomicity guarantees) and
``MemoryStore`` in RAM for tests.
"""

from typing import TYPE_CHECKING

from darkfleet.store._fs import StoreLockedError
from darkfleet.store.manifest import MANIFEST_SCHEMA
from darkfleet.store.memory import MemoryIngestTransaction, MemoryStore
from darkfleet.store.parquet import ROW_GROUP_ROWS, ParquetIngestTransaction, ParquetStore
from darkfleet.store.protocol import (
    DATASETS,
    INGEST_KINDS,
    DatasetKind,
    IngestKind,
    IngestTransaction,
    Store,
    StoreInfo,
)

__all__ = [
    "DATASETS",
    "INGEST_KINDS",
    "MANIFEST_SCHEMA",
    "ROW_GROUP_ROWS",
    "DatasetKind",
    "IngestKind",
    "IngestTransaction",
    "MemoryIngestTransaction",
    "MemoryStore",
    "ParquetIngestTransaction",
    "ParquetStore",
    "Store",
    "StoreInfo",
    "StoreLockedError",
]

if TYPE_CHECKING:  # mypy proves both stores (and transactions) follow the protocols

    def _conforms(
        parquet: ParquetStore,
        memory: MemoryStore,
        parquet_tx: ParquetIngestTransaction,
        memory_tx: MemoryIngestTransaction,
    ) -> tuple[Store, Store, IngestTransaction, IngestTransaction]:
        return parquet, memory, parquet_tx, memory_tx
