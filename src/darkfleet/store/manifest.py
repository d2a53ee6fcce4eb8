"""The manifest: which input files a store holds, and which part files came from each.

Store layer; imports only ``darkfleet.errors``. A ``ParquetStore`` keeps one JSON entry
per committed file in ``<root>/_manifest/<file_id>.json``; darkfleet's readers read only
the parts listed there, so a commit becomes visible to them in one step (the atomic
rename of that entry). The same entry, inside ``<root>/_journal/<file_id>.json``, is
what a crashed commit is rolled forward from.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

import polars as pl

from darkfleet.errors import StoreError

__all__ = ["MANIFEST_SCHEMA", "ManifestEntry", "PartEntry", "manifest_frame"]

#: Columns of ``Store.ingested_files()``.
MANIFEST_SCHEMA: Final[Mapping[str, pl.DataType]] = {
    "file_id": pl.String(),
    "file": pl.String(),
    "ingested_at": pl.Datetime("us", "UTC"),
    "positions_rows": pl.Int64(),
    "statics_rows": pl.Int64(),
    "others_rows": pl.Int64(),
    "rejects_rows": pl.Int64(),
    "parts": pl.Int64(),
    "summary": pl.String(),
}

_FORMAT: Final = 1


@dataclass(frozen=True, slots=True)
class PartEntry:
    """One Parquet part: its dataset, path relative to the store root, and row count."""

    kind: str
    path: str
    rows: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ManifestEntry:
    """One committed input file.

    ``summary_json`` is the caller's summary as canonical JSON text (sorted keys).
    """

    file_id: str
    file: str
    ingested_at: datetime
    parts: tuple[PartEntry, ...]
    summary_json: str

    def rows(self, kind: str) -> int:
        """Rows this file added to dataset ``kind``."""
        return sum(part.rows for part in self.parts if part.kind == kind)

    def to_json(self) -> dict[str, object]:
        """Return the entry as a JSON object (format 1)."""
        return {
            "format": _FORMAT,
            "file_id": self.file_id,
            "file": self.file,
            "ingested_at": format_utc(self.ingested_at),
            "parts": [{"kind": p.kind, "path": p.path, "rows": p.rows} for p in self.parts],
            "summary": json.loads(self.summary_json),
        }

    @classmethod
    def from_json(cls, payload: Mapping[str, object], *, where: Path) -> ManifestEntry:
        """Parse an entry written by ``to_json``; ``StoreError`` naming ``where`` if malformed."""
        try:
            if payload.get("format") != _FORMAT:
                raise ValueError(f"format {payload.get('format')!r}, expected {_FORMAT}")
            raw_parts = payload["parts"]
            if not isinstance(raw_parts, list):
                raise ValueError("'parts' is not a list")
            parts = tuple(
                PartEntry(kind=str(p["kind"]), path=str(p["path"]), rows=int(p["rows"]))
                for p in raw_parts
            )
            return cls(
                file_id=str(payload["file_id"]),
                file=str(payload["file"]),
                ingested_at=datetime.fromisoformat(str(payload["ingested_at"])),
                parts=parts,
                summary_json=canonical_json(payload["summary"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise StoreError(
                f"{where}: malformed manifest entry ({err}); the store is damaged: delete "
                "this file and re-ingest the input file it names"
            ) from err


def format_utc(ts: datetime) -> str:
    """ISO 8601 in UTC ending in ``Z``, microseconds kept."""
    return ts.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def check_ingested_at(ingested_at: datetime) -> datetime:
    """Return ``ingested_at`` in UTC; ``TypeError`` if it is not a timezone-aware datetime."""
    if not isinstance(ingested_at, datetime) or ingested_at.utcoffset() is None:
        raise TypeError(
            f"ingested_at must be a timezone-aware datetime, got {ingested_at!r}; "
            "pass e.g. datetime.now(UTC) from the CLI (the store never reads the clock)"
        )
    return ingested_at.astimezone(UTC)


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return format_utc(value) if value.utcoffset() is not None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(
        f"summary value {value!r} ({type(value).__name__}) is not JSON-serialisable; "
        "use numbers, strings, lists, dicts, datetimes or paths"
    )


def canonical_json(value: object) -> str:
    """Canonical JSON text: sorted keys, no spaces, no NaN (``ValueError``)."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def summary_json(summary: Mapping[str, object]) -> str:
    """Validate a commit's summary and return its canonical JSON text."""
    if not isinstance(summary, Mapping):
        raise TypeError(f"summary must be a mapping, got {type(summary).__name__}")
    bad_keys = [key for key in summary if not isinstance(key, str)]
    if bad_keys:
        raise TypeError(f"summary keys must be strings, got {bad_keys!r}")
    for key, value in summary.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"summary[{key!r}] is {value}; JSON has no NaN or infinity")
    return canonical_json(dict(summary))


def manifest_frame(entries: Iterable[ManifestEntry]) -> pl.DataFrame:
    """Return entries as a ``MANIFEST_SCHEMA`` frame sorted by ``(ingested_at, file_id)``."""
    rows = sorted(entries, key=lambda e: (e.ingested_at, e.file_id))
    return pl.DataFrame(
        {
            "file_id": [e.file_id for e in rows],
            "file": [e.file for e in rows],
            "ingested_at": [e.ingested_at for e in rows],
            "positions_rows": [e.rows("positions") for e in rows],
            "statics_rows": [e.rows("statics") for e in rows],
            "others_rows": [e.rows("others") for e in rows],
            "rejects_rows": [e.rows("rejects") for e in rows],
            "parts": [len(e.parts) for e in rows],
            "summary": [e.summary_json for e in rows],
        },
        schema=dict(MANIFEST_SCHEMA),
    )
