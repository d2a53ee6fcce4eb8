"""Run an ingest: input files -> decoders -> store, one store transaction per input file.

This is the orchestration the CLI (and users' scripts) call; the decoders in
``darkfleet.ingest`` stay free of I/O decisions and the store knows nothing of formats.

Per NMEA batch of lines:

1. ``frame_nmea`` joins sentences into messages (tag blocks, USCG trailers, ``$PGHP``).
2. Messages without a receive time take the time of the nearest preceding (else
   following) GNSS ``RMC``/``ZDA`` sentence of the same file (``ts_origin`` "gps": a
   boat's bus), else of the nearest type-4/11 base-station report of the same source
   (``ts_origin`` "type4"); any still without a time are rejected ``no timestamp``.
3. Duplicates, the same payload heard again by any receiver within
   ``duplicate_window`` (default 60 s), are dropped and counted. An AIS position report
   carries its UTC second and communication state, so an identical payload within a
   minute is the same transmission heard twice. Only messages with a receive time of
   their own (tag block, USCG trailer, ``$PGHP``) are compared: times inferred from base
   stations or assumed are too coarse to tell a repeat from a later report.
4. ``decode_messages`` decodes payloads; positions, statics, others and every reject
   go to the store, which publishes the file atomically on commit.

A file already in the store (same content hash) is skipped: re-ingesting adds nothing.
"""

from __future__ import annotations

import logging
import queue
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Final, cast

import numpy as np
import polars as pl

from darkfleet import schema
from darkfleet._types import InputFormat
from darkfleet.engine.summary import FileSummary, IngestSummary
from darkfleet.errors import ConfigError, SchemaError
from darkfleet.ingest.csv import ColumnMapping, CsvFormat, read_csv_batches, sniff_csv_header
from darkfleet.ingest.nmea import FramingState, finish_nmea, frame_nmea
from darkfleet.ingest.nmea.gpstime import parse_gps_times
from darkfleet.ingest.nmea.payload import decode_messages
from darkfleet.ingest.sources import InputFile, expand_inputs, iter_line_batches, open_input
from darkfleet.store import IngestKind, ParquetStore

log = logging.getLogger(__name__)

__all__ = ["IngestOptions", "ingest_paths", "sniff_input_format"]

#: First characters of an armoured payload that are base-station reports (4 and 11).
_STATION_PAYLOAD_PREFIXES: Final = ("4", ";")
_SNIFF_BYTES: Final = 65_536
#: Where a message's receive time came from when it was heard, not inferred.
_RECEIVE_TIME_ORIGINS: Final = ("tag", "uscg", "pghp")
_SNIFF_LINES: Final = 200
#: An NMEA 0183 sentence, optionally behind NMEA 4.0 tag blocks: ``[\\tags\\]!AIVDM,`` or ``$GPRMC,``.
_NMEA_SENTENCE: Final = re.compile(r"^(?:\\[^\\]*\\)*[!$][A-Z]{2}[A-Z0-9]{2,4},|^\\[^\\]*\\$")
#: Frames waiting for the writer thread (one batch: positions, statics, others, rejects).
_WRITE_QUEUE_FRAMES: Final = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class IngestOptions:
    """How to read the inputs.

    input_format : "auto" sniffs each file (NMEA vs the known CSV exports).
    mapping : column mapping for any CSV (``--columns``); implies CSV for "auto" files
        whose header is not a known export.
    assume_time : receive time for NMEA messages that carry none (files without tag
        blocks, USCG trailers or ``$PGHP`` lines).
    batch_lines : lines decoded per batch; bounds memory (about 1 GB per million lines).
    duplicate_window : the same payload again within this time is a duplicate.
    background_writes : write Parquet in a second thread while the next batch is
        decoded (same files either way).
    """

    input_format: InputFormat = "auto"
    mapping: ColumnMapping | None = None
    assume_time: datetime | None = None
    batch_lines: int = 1_000_000
    duplicate_window: timedelta = timedelta(seconds=60)  # see module docstring, step 3
    background_writes: bool = True

    def __post_init__(self) -> None:
        if self.batch_lines < 1_000:
            raise ConfigError(f"batch_lines must be >= 1000, got {self.batch_lines}")
        if self.assume_time is not None and self.assume_time.tzinfo is None:
            raise ConfigError("--assume-time needs a UTC offset, e.g. 2012-03-14T00:00Z")
        if self.duplicate_window < timedelta(0):
            raise ConfigError("duplicate_window must be >= 0s")


@dataclass(slots=True)
class _StationClock:
    """Last base-station time per source and last GNSS time, carried across batches of a file."""

    last_by_source: dict[str, datetime] = field(default_factory=dict)
    last_gps_ts: datetime | None = None


def sniff_input_format(source: InputFile, mapping: ColumnMapping | None) -> str:
    """Return "nmea" or a CSV format name for ``source``, judged from its first lines.

    NMEA means: no NUL bytes (not a binary file), and at least half of the first lines
    that are neither blank nor ``#`` comments are NMEA sentences (optionally behind tag
    blocks). A CSV is recognised by its header line. Anything else raises ``SchemaError``.
    """
    with open_input(source) as stream:
        head_bytes = stream.read(_SNIFF_BYTES)
    head = head_bytes.decode("utf-8", errors="replace")
    lines = [line.strip() for line in head.splitlines() if line.strip()]
    if not lines:
        return "nmea"  # an empty file: nothing to decode either way
    if b"\x00" not in head_bytes:
        csv_format = sniff_csv_header(lines[0].lstrip("\ufeff"))
        if csv_format is not None:
            return csv_format
        content = [line for line in lines[:_SNIFF_LINES] if not line.startswith("#")]
        sentences = sum(_NMEA_SENTENCE.match(line) is not None for line in content)
        if content and sentences * 2 >= len(content):
            return "nmea"
        if mapping is not None:
            return "mapped"
    raise SchemaError(
        f"{source.name}: neither NMEA nor a known CSV export (first line: {lines[0][:120]!r}); "
        "give --format nmea, or for a CSV --format csv --columns "
        "mmsi=COL,ts=COL,lat=COL,lon=COL"
    )


def ingest_paths(
    paths: Sequence[str],
    store: ParquetStore,
    options: IngestOptions,
    *,
    ingested_at: datetime,
    on_progress: Callable[[FileSummary], None] | None = None,
) -> IngestSummary:
    """Ingest every input named by ``paths`` into ``store`` and return the summary.

    Parameters
    ----------
    paths : files, directories, globs, or "-" for stdin.
    store : the store to write to.
    options : how to read the inputs.
    ingested_at : recorded in the store's manifest (the caller's clock; UTC).
    on_progress : called after every batch with the current file's running summary.

    Raises
    ------
    InputError : a path does not exist, or a file cannot be read.
    SchemaError : a CSV lacks required columns, or a file's format is unknown.
    StoreError : the store is locked or corrupt.
    """
    started = time.perf_counter()
    summary = IngestSummary()
    named = {Path(p).resolve() for p in paths if p != "-" and Path(p).is_file()}
    with tempfile.TemporaryDirectory(prefix="darkfleet-spool-") as spool:
        for source in expand_inputs(paths, spool_dir=Path(spool)):
            is_named = source.member is None and source.path.resolve() in named
            summary.files.append(
                _ingest_file(source, store, options, ingested_at, on_progress, is_named=is_named)
            )
    summary.seconds = time.perf_counter() - started
    return summary


def _ingest_file(
    source: InputFile,
    store: ParquetStore,
    options: IngestOptions,
    ingested_at: datetime,
    on_progress: Callable[[FileSummary], None] | None,
    *,
    is_named: bool,
) -> FileSummary:
    input_format: str = options.input_format
    if input_format == "auto":
        try:
            input_format = sniff_input_format(source, options.mapping)
        except SchemaError as err:
            if is_named:
                raise
            # Found by walking a directory or archive (a README, a checksum list): say so
            # in the summary and go on, rather than failing the whole run.
            log.warning("skipped %s", err)
            return FileSummary(
                file=source.name,
                file_id=source.file_id,
                input_format="unknown",
                skipped="unknown format: neither NMEA nor a known CSV export",
            )
    elif input_format == "csv":
        input_format = "mapped" if options.mapping is not None else "auto-csv"
    file_summary = FileSummary(file=source.name, file_id=source.file_id, input_format=input_format)
    if store.has_ingested(source.file_id):
        file_summary.skipped = "already ingested"
        log.info("%s: already ingested (same content, file_id %s)", source.name, source.file_id)
        return file_summary
    with store.begin_ingest(file_id=source.file_id, file=source.name) as transaction:
        if input_format == "nmea":
            batches = _nmea_batches(source, options, file_summary)
        else:
            batches = _csv_batches(source, options, input_format, file_summary)
        writer = _Writer(transaction.write, background=options.background_writes)
        try:
            for kind, frame in batches:
                if frame.height:
                    writer.write(kind, frame)
                    _account(file_summary, kind, frame)
                if kind == "rejects" and on_progress is not None:
                    on_progress(file_summary)
        finally:
            writer.close()
        transaction.commit(summary=file_summary.to_json(), ingested_at=ingested_at)
    return file_summary


class _Writer:
    """Hand frames to the store in order, from a second thread when ``background``.

    Parquet encoding, sorting and zstd release the GIL, so writing batch N overlaps
    reading, framing and decoding batch N+1 on the other core. At most
    ``_WRITE_QUEUE_FRAMES`` frames wait (about one batch), which bounds memory. One
    writer thread keeps the write order, so part names and files are exactly those of
    serial writing. An error in the thread is raised in the caller at the next
    ``write`` or at ``close``.
    """

    def __init__(self, write: Callable[[IngestKind, pl.DataFrame], None], *, background: bool):
        self._write = write
        self._error: BaseException | None = None
        self._failed = False  # after an error nothing more is written
        self._queue: queue.Queue[tuple[IngestKind, pl.DataFrame] | None] | None = None
        self._thread: threading.Thread | None = None
        if background:
            self._queue = queue.Queue(maxsize=_WRITE_QUEUE_FRAMES)
            self._thread = threading.Thread(target=self._run, name="darkfleet-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        assert self._queue is not None
        while (item := self._queue.get()) is not None:
            if not self._failed:
                try:
                    self._write(*item)
                except BaseException as err:  # re-raised in the caller's thread
                    self._error, self._failed = err, True

    def write(self, kind: IngestKind, frame: pl.DataFrame) -> None:
        """Write ``frame`` now, or queue it for the writer thread."""
        if self._queue is None:
            self._write(kind, frame)
            return
        self._raise_error()
        self._queue.put((kind, frame))

    def close(self) -> None:
        """Wait until every queued frame is written; raise the thread's error, if any."""
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._queue = None
        self._raise_error()

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error


Written = Iterator[tuple[IngestKind, pl.DataFrame]]


def _account(file_summary: FileSummary, kind: str, frame: pl.DataFrame) -> None:
    """Add one written frame to the file's summary."""
    if kind == "rejects":
        for reason, count in frame["reason"].value_counts().iter_rows():
            file_summary.rejects_by_reason[reason] += count
        return
    if kind == "positions":
        file_summary.positions += frame.height
    elif kind == "statics":
        file_summary.statics += frame.height
    else:
        file_summary.others += frame.height
    if kind in ("positions", "statics"):
        file_summary.vessels.update(frame["mmsi"].unique().to_list())
        file_summary.add_span(frame["ts"].min(), frame["ts"].max())  # type: ignore[arg-type]


def _csv_batches(
    source: InputFile, options: IngestOptions, input_format: str, file_summary: FileSummary
) -> Written:
    fmt: CsvFormat | None = None if input_format == "auto-csv" else input_format  # type: ignore[assignment]
    with open_input(source) as stream:
        for batch in read_csv_batches(
            cast(BinaryIO, stream),
            file=source.name,
            file_id=source.file_id,
            fmt=fmt,
            mapping=options.mapping,
        ):
            file_summary.lines += batch.rows_read
            file_summary.messages += batch.rows_read - batch.rejects.height
            yield "positions", batch.positions
            yield "statics", batch.statics
            yield "others", batch.others
            yield "rejects", batch.rejects


def _nmea_batches(source: InputFile, options: IngestOptions, file_summary: FileSummary) -> Written:
    state: FramingState | None = None
    clock = _StationClock()
    for batch in iter_line_batches(source, batch_lines=options.batch_lines):
        framed = frame_nmea(batch, state, assume_time=options.assume_time)
        state = framed.state
        file_summary.lines += framed.counts["lines"]
        file_summary.blank_lines += framed.counts["blank"]
        file_summary.comment_lines += framed.counts["comment"]
        messages = framed.messages.with_columns(pl.col("source").fill_null(pl.lit(source.name)))
        messages = _fill_times_from_gps(messages, framed.rejects, clock)
        messages = _fill_times_from_stations(messages, clock)
        untimed = messages.filter(pl.col("ts").is_null())
        has_own_time = pl.col("ts_origin").is_in(_RECEIVE_TIME_ORIGINS)
        unique, duplicates = _drop_duplicates(
            messages.filter(has_own_time), options.duplicate_window
        )
        unique = pl.concat([unique, messages.filter(~has_own_time & pl.col("ts").is_not_null())])
        file_summary.duplicates += duplicates
        for origin, count in unique["ts_origin"].value_counts().iter_rows():
            file_summary.ts_origins[origin] += count
        decoded = decode_messages(unique)
        file_summary.messages += unique.height
        file_summary.messages_by_type.update(decoded.counts_by_type)
        outputs: list[tuple[IngestKind, pl.DataFrame]] = [
            ("positions", decoded.positions),
            ("statics", decoded.statics),
            ("others", decoded.others),
            (
                "rejects",
                pl.concat([framed.rejects, _no_timestamp_rejects(untimed), decoded.rejects]),
            ),
        ]
        # Drop this batch's intermediates now: a generator keeps its locals alive while
        # the next batch is read and framed (and string views pin the batch's buffer).
        del batch, framed, messages, untimed, unique, decoded
        while outputs:
            yield outputs.pop(0)
    if state is not None:
        yield "rejects", finish_nmea(state)


def _fill_times_from_gps(
    messages: pl.DataFrame, rejects: pl.DataFrame, clock: _StationClock
) -> pl.DataFrame:
    """Give messages without a time the UTC of the nearest preceding (else following)
    GNSS ``RMC``/``ZDA`` sentence of the same file (``ts_origin`` "gps").

    A boat's NMEA bus carries AIS next to its own GPS; the GPS sentences are not AIS and
    stay rejected as "not ais", but their time stamps the AIS lines around them.
    """
    if messages.height == 0 or messages["ts"].null_count() == 0:
        return messages
    anchors = parse_gps_times(rejects.filter(pl.col("reason") == "not ais"))
    if clock.last_gps_ts is not None:
        carried = pl.DataFrame(
            {"line_no": [0], "gps_ts": [clock.last_gps_ts]},
            schema={"line_no": pl.Int64(), "gps_ts": schema.UTC_US},
        )
        anchors = pl.concat([carried, anchors])
    if anchors.height == 0:
        return messages
    clock.last_gps_ts = anchors["gps_ts"][-1]
    return _fill_from_anchors(messages, anchors, time_column="gps_ts", origin="gps", by=None)


def _fill_times_from_stations(messages: pl.DataFrame, clock: _StationClock) -> pl.DataFrame:
    """Give messages without a time the time of a nearby base-station report (see module doc)."""
    if messages.height == 0 or messages["ts"].null_count() == 0:
        return messages
    is_station = pl.col("payload").str.starts_with(_STATION_PAYLOAD_PREFIXES[0]) | pl.col(
        "payload"
    ).str.starts_with(_STATION_PAYLOAD_PREFIXES[1])
    station_messages = messages.filter(is_station)
    stations = (
        decode_messages(station_messages)
        .others.filter(pl.col("station_ts").is_not_null())
        .select("source", "line_no", "station_ts")
    )
    carried = pl.DataFrame(
        {
            "source": list(clock.last_by_source),
            "line_no": [0] * len(clock.last_by_source),
            "station_ts": list(clock.last_by_source.values()),
        },
        schema={"source": pl.String(), "line_no": pl.Int64(), "station_ts": schema.UTC_US},
    )
    stations = pl.concat([carried, stations]).sort("line_no")
    if stations.height == 0:
        return messages
    for source_name, station_ts in (
        stations.group_by("source").agg(pl.col("station_ts").last()).iter_rows()
    ):
        clock.last_by_source[source_name] = station_ts
    return _fill_from_anchors(
        messages, stations, time_column="station_ts", origin="type4", by="source"
    )


def _fill_from_anchors(
    messages: pl.DataFrame, anchors: pl.DataFrame, *, time_column: str, origin: str, by: str | None
) -> pl.DataFrame:
    """Fill null ``ts`` from the nearest preceding (else following) anchor by ``line_no``.

    ``anchors`` holds ``line_no`` and ``time_column`` (and ``by`` when given), sorted by
    ``line_no``; filled rows get ``ts_origin = origin``. Row order is kept.
    """
    ordered = messages.with_row_index("_row").sort("line_no")
    backward = ordered.join_asof(
        anchors, on="line_no", by=by, strategy="backward", check_sortedness=False
    )
    keys = ["line_no"] if by is None else ["line_no", by]
    forward = ordered.select(keys).join_asof(
        anchors, on="line_no", by=by, strategy="forward", check_sortedness=False
    )
    filled = backward.with_columns(pl.col(time_column).fill_null(forward[time_column]))
    needs = pl.col("ts").is_null() & pl.col(time_column).is_not_null()
    return (
        filled.with_columns(
            pl.when(needs).then(pl.col(time_column)).otherwise(pl.col("ts")).alias("ts"),
            pl.when(needs).then(pl.lit(origin)).otherwise(pl.col("ts_origin")).alias("ts_origin"),
        )
        .sort("_row")
        .drop("_row", time_column)
    )


def _drop_duplicates(messages: pl.DataFrame, window: timedelta) -> tuple[pl.DataFrame, int]:
    """Drop repeats of a payload heard again within ``window``; return kept rows and count.

    Rows are ordered by a 64-bit hash of (payload, fill bits), then ts; a row is a
    repeat when the row before it has the same hash and the same payload text and is at
    most ``window`` earlier (so a hash collision never drops a message). Only rows whose
    hash occurs more than once can be repeats, so only those are sorted and compared;
    the rest pass untouched. Ties keep the earliest line.
    """
    if messages.height == 0:
        return messages, 0
    key = (pl.col("payload").hash(seed=0) ^ pl.col("fill_bits").cast(pl.UInt64)).alias("_key")
    keys = messages.select(key)
    candidates = (
        pl.concat([keys, messages.select("payload", "ts")], how="horizontal")
        .with_row_index("_row")
        .filter(pl.col("_key").is_duplicated())
    )
    if candidates.height == 0:
        return messages, 0
    ordered = candidates.sort("_key", "ts", "_row", maintain_order=True)
    is_repeat = (
        (pl.col("_key") == pl.col("_key").shift(1))
        & (pl.col("payload") == pl.col("payload").shift(1))
        & ((pl.col("ts") - pl.col("ts").shift(1)) <= window)
    ).fill_null(False)
    repeats = ordered.filter(is_repeat)["_row"].to_numpy()
    if len(repeats) == 0:
        return messages, 0
    keep = np.ones(messages.height, dtype=bool)
    keep[repeats] = False
    return messages.filter(pl.Series(keep)), len(repeats)


def _no_timestamp_rejects(untimed: pl.DataFrame) -> pl.DataFrame:
    return schema.conform(
        untimed.with_columns(
            pl.lit("no timestamp").alias("reason"),
            pl.lit(
                "no receive time: no tag block c:, USCG epoch, $PGHP line or base-station "
                "(type 4) report of this source; pass --assume-time"
            ).alias("detail"),
        ),
        schema.REJECTS,
    )
