"""Events as users read them, and the evidence behind one event (engine layer).

Imports ``store``, ``schema`` and ``errors``; never ``cli``.

- ``query_events``: the stored events filtered by type, MMSI (either side of an
  encounter), time and bounding box, in a deterministic order (start, mmsi, event_id).
- ``event_records``: events as DESIGN.md's contract objects (``start``/``end`` ISO 8601
  UTC ending in ``Z``, ``details`` a JSON object, optional keys only when set).
- ``explain_event``: one event, the parameters and fingerprint of the detector that
  made it (from ``<store>/_detect/state.json``: every stored event of a type reflects
  the one parameter set recorded there, since changed parameters rerun that detector),
  the positions behind it with their ``file_id`` and ``line_no``, and the raw lines when
  the input file is still readable at the path the manifest recorded.
"""

from __future__ import annotations

import bz2
import gzip
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, Final, cast

import polars as pl

from darkfleet import schema
from darkfleet.errors import ConfigError
from darkfleet.store import Store

__all__ = [
    "EVIDENCE_MARGIN",
    "Explanation",
    "event_records",
    "explain_event",
    "query_events",
    "read_lines",
]

#: Positions shown around an event: this long before its start and after its end.
EVIDENCE_MARGIN: Final = timedelta(hours=12)
#: At most this many positions listed per event (the nearest to the event come first).
MAX_EVIDENCE_POSITIONS: Final = 500


def query_events(
    store: Store,
    *,
    types: Iterable[str] | None = None,
    mmsi: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    limit: int | None = None,
) -> pl.DataFrame:
    """Return stored events matching every filter, ordered by (start, mmsi, event_id).

    ``mmsi`` matches ``mmsi`` or ``other_mmsi``. ``since``/``until`` keep events that
    overlap ``[since, until)``. ``bbox`` is (west, south, east, north) in degrees; west >
    east crosses the antimeridian.

    Raises
    ------
    ConfigError
        An unknown event type (with the known ones), or a bad bounding box.
    """
    frame = store.scan("events")
    if types is not None:
        wanted = list(types)
        unknown = [t for t in wanted if t not in schema.EVENT_TYPES]
        if unknown:
            raise ConfigError(
                f"--type {unknown[0]!r} is not an event type; use one of "
                f"{', '.join(schema.EVENT_TYPES)}"
            )
        frame = frame.filter(pl.col("type").is_in(wanted))
    if mmsi is not None:
        frame = frame.filter((pl.col("mmsi") == mmsi) | (pl.col("other_mmsi") == mmsi))
    if since is not None:
        frame = frame.filter(pl.col("end_ts") >= since)
    if until is not None:
        frame = frame.filter(pl.col("start_ts") < until)
    if bbox is not None:
        west, south, east, north = bbox
        if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
            raise ConfigError(
                f"--bbox {bbox}: write W,S,E,N in degrees (-180..180, -90..90, S <= N)"
            )
        in_lon = (
            pl.col("lon").is_between(west, east)
            if west <= east
            else (pl.col("lon") >= west) | (pl.col("lon") <= east)
        )
        frame = frame.filter(in_lon & pl.col("lat").is_between(south, north))
    frame = frame.sort("start_ts", "mmsi", "event_id")
    if limit:
        frame = frame.head(limit)
    return frame.collect()


def event_records(events: pl.DataFrame) -> list[dict[str, Any]]:
    """Return events as contract objects (DESIGN.md, ``darkfleet events --format jsonl``).

    Keys ``event_id``, ``type``, ``mmsi``, ``start``, ``end`` (ISO 8601 UTC ending in
    ``Z``), ``lat``, ``lon`` always; ``other_mmsi``, ``port``, ``country``, ``score`` and
    ``details`` (a JSON object) only when set.
    """
    text = events.with_columns(
        pl.col("start_ts").dt.convert_time_zone("UTC").dt.to_string(schema.ISO_UTC).alias("start"),
        pl.col("end_ts").dt.convert_time_zone("UTC").dt.to_string(schema.ISO_UTC).alias("end"),
    )
    columns = ("event_id", "type", "mmsi", "start", "end", "lat", "lon")
    optional = ("other_mmsi", "port", "country", "score")
    records: list[dict[str, Any]] = []
    for row in text.select(*columns, *optional, "details").iter_rows(named=True):
        record = {key: row[key] for key in columns}
        record.update({key: row[key] for key in optional if row[key] is not None})
        if row["details"] is not None:
            record["details"] = json.loads(row["details"])
        records.append(record)
    return records


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why an event exists: itself, its detector's parameters, positions and raw lines.

    Attributes
    ----------
    event : the contract object (``event_records``).
    detector : parameters (``params``), their ``fingerprint`` and class, or ``None`` when
        the store has no detection state for the type (events written by other tools).
    positions : ``schema.POSITIONS`` rows behind it (with ``file_id``, ``line_no``) plus
        ``file`` (the input's recorded path) and ``raw`` (the line, or null when the file
        is no longer readable there).
    window : the time range the positions were taken from.
    """

    event: Mapping[str, Any]
    detector: Mapping[str, Any] | None
    positions: pl.DataFrame
    window: tuple[datetime, datetime]


def explain_event(store: Store, event_id: str) -> Explanation:
    """Gather the evidence behind one stored event.

    Positions: those of the event's vessel (and ``other_mmsi``'s) from ``start - 12 h`` to
    ``end + 12 h``, at most ``MAX_EVIDENCE_POSITIONS`` (nearest the event first, then
    sorted by time).

    Raises
    ------
    ConfigError
        No event has this id (the message says how to list ids).
    """
    found = store.scan("events").filter(pl.col("event_id") == event_id).collect()
    if found.height == 0:
        raise ConfigError(
            f"no event with id {event_id!r} in the store; list ids with "
            "`darkfleet events --format jsonl`"
        )
    event = found.row(0, named=True)
    state = store.read_detect_state() or {}
    detectors = cast(Mapping[str, Any], state.get("detectors", {}))
    detector = detectors.get(event["type"])
    start = cast(datetime, event["start_ts"])
    end = cast(datetime, event["end_ts"])
    lo, hi = start - EVIDENCE_MARGIN, end + EVIDENCE_MARGIN
    vessels = [event["mmsi"]] + ([event["other_mmsi"]] if event["other_mmsi"] else [])
    positions = (
        store.scan("positions")
        .filter(pl.col("mmsi").is_in(vessels) & pl.col("ts").is_between(lo, hi))
        .with_columns(
            pl.min_horizontal((pl.col("ts") - start).abs(), (pl.col("ts") - end).abs()).alias(
                "_distance"
            )
        )
        .sort("_distance", "mmsi", "ts", "line_no")
        .head(MAX_EVIDENCE_POSITIONS)
        .drop("_distance")
        .sort("ts", "mmsi", "line_no")
        .collect()
    )
    files = store.ingested_files().select("file_id", "file")
    positions = positions.join(files, on="file_id", how="left")
    raw = _raw_lines(positions)
    return Explanation(
        event=event_records(found)[0],
        detector=dict(detector) if isinstance(detector, Mapping) else None,
        positions=positions.with_columns(pl.Series("raw", raw, dtype=pl.String)),
        window=(lo, hi),
    )


def _raw_lines(positions: pl.DataFrame) -> list[str | None]:
    """The raw line of every row, read once per file by line number; None if unreadable."""
    out: list[str | None] = [None] * positions.height
    indexed = positions.select("file", "line_no").with_row_index("_i")
    for (file,), rows in indexed.group_by("file", maintain_order=True):
        if file is None:
            continue
        wanted = dict(zip(rows["line_no"].to_list(), rows["_i"].to_list(), strict=True))
        lines = read_lines(Path(str(file)), set(wanted))
        for line_no, i in wanted.items():
            out[i] = lines.get(line_no)
    return out


def _open_binary(path: Path) -> IO[bytes]:
    with path.open("rb") as probe:
        magic = probe.read(3)
    if magic[:2] == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))
    if magic == b"BZh":
        return cast(IO[bytes], bz2.open(path, "rb"))
    return path.open("rb")


def _numbered(handle: IO[bytes]) -> Iterator[tuple[int, str]]:
    # lines end at b"\n" only, as ingest counts them (a bare \r is not a line break)
    for number, line in enumerate(handle, start=1):
        yield number, line.rstrip(b"\r\n").decode("utf-8", errors="replace")


def read_lines(path: Path, line_numbers: set[int]) -> dict[int, str]:
    """Return the given lines (numbered from 1) of a plain, gzip or bzip2 text file.

    A file that cannot be read (moved, deleted, a zip member, stdin) gives ``{}``: the
    evidence then lists file and line number without the raw text.
    """
    if not line_numbers or not path.is_file():
        return {}
    last = max(line_numbers)
    found: dict[int, str] = {}
    try:
        with _open_binary(path) as handle:
            for number, line in _numbered(handle):
                if number in line_numbers:
                    found[number] = line
                if number >= last:
                    break
    except (OSError, EOFError):
        return found
    return found
