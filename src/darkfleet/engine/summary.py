"""Ingest summaries: what one run read, kept, dropped and rejected, per file and in total."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class FileSummary:
    """What ingest did with one input file."""

    file: str
    file_id: str
    input_format: str
    skipped: str | None = None  # why nothing was read: "already ingested", "unknown format"
    lines: int = 0
    blank_lines: int = 0
    comment_lines: int = 0
    messages: int = 0
    messages_by_type: Counter[int] = field(default_factory=Counter)
    positions: int = 0
    statics: int = 0
    others: int = 0
    duplicates: int = 0
    rejects_by_reason: Counter[str] = field(default_factory=Counter)
    ts_origins: Counter[str] = field(default_factory=Counter)
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    vessels: set[int] = field(default_factory=set)
    bytes_read: int = 0

    @property
    def rejects(self) -> int:
        """Rejected lines or messages, all reasons."""
        return sum(self.rejects_by_reason.values())

    def add_span(self, first_ts: datetime | None, last_ts: datetime | None) -> None:
        """Widen the time span to cover ``first_ts`` .. ``last_ts``."""
        if first_ts is not None:
            self.first_ts = first_ts if self.first_ts is None else min(self.first_ts, first_ts)
        if last_ts is not None:
            self.last_ts = last_ts if self.last_ts is None else max(self.last_ts, last_ts)

    def to_json(self) -> dict[str, Any]:
        """Canonical JSON form (sorted keys in the caller's dump)."""
        return {
            "file": self.file,
            "file_id": self.file_id,
            "format": self.input_format,
            "skipped": self.skipped,
            "lines": self.lines,
            "blank_lines": self.blank_lines,
            "comment_lines": self.comment_lines,
            "messages": self.messages,
            "messages_by_type": {str(k): v for k, v in sorted(self.messages_by_type.items())},
            "positions": self.positions,
            "statics": self.statics,
            "others": self.others,
            "duplicates": self.duplicates,
            "rejects": self.rejects,
            "rejects_by_reason": dict(sorted(self.rejects_by_reason.items())),
            "timestamps_from": dict(sorted(self.ts_origins.items())),
            "first_ts": _iso(self.first_ts),
            "last_ts": _iso(self.last_ts),
            "vessels": len(self.vessels),
        }


@dataclass(slots=True)
class IngestSummary:
    """Totals of one ingest run over every file."""

    files: list[FileSummary] = field(default_factory=list)
    seconds: float = 0.0

    def total(self) -> FileSummary:
        """Sum of every file's summary (``vessels`` is the distinct count over all files)."""
        total = FileSummary(file="(all)", file_id="", input_format="")
        for item in self.files:
            if item.skipped:
                continue
            for name in (
                "lines",
                "blank_lines",
                "comment_lines",
                "messages",
                "positions",
                "statics",
                "others",
                "duplicates",
                "bytes_read",
            ):
                setattr(total, name, getattr(total, name) + getattr(item, name))
            total.messages_by_type.update(item.messages_by_type)
            total.rejects_by_reason.update(item.rejects_by_reason)
            total.ts_origins.update(item.ts_origins)
            total.vessels |= item.vessels
            total.add_span(item.first_ts, item.last_ts)
        return total

    def to_json(self) -> dict[str, Any]:
        """Canonical JSON form: totals, per-file summaries, seconds and throughput."""
        total = self.total()
        return {
            "total": total.to_json(),
            "files": [item.to_json() for item in self.files],
            "files_skipped": sum(item.skipped is not None for item in self.files),
            "seconds": round(self.seconds, 3),
            "lines_per_s": round(total.lines / self.seconds) if self.seconds > 0 else None,
            "messages_per_s": round(total.messages / self.seconds) if self.seconds > 0 else None,
        }


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")
