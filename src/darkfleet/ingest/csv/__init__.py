"""CSV AIS exports into canonical positions, statics, others and rejects (ingest layer).

Imports only ``darkfleet.schema`` and ``darkfleet.errors`` (and its own private modules);
never ``darkfleet.reference``: the code tables it needs live in ``_tables.py``.

Formats read (``CsvFormat``; the header decides when no format is given):

========== =============================================================== ==============
format     header (normalised match: case, spaces, ``_`` and ``#`` ignored) times (UTC)
========== =============================================================== ==============
dma        ``# Timestamp,Type of mobile,MMSI,Latitude,Longitude,...``       dd/mm/yyyy
noaa       ``MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,...``     ISO 8601
semicolon  ``timestamp;msgid;targetType;mmsi;lat;long;...``                 epoch ms
marinetraffic ``MMSI;SHIP_ID;STATUS;SPEED_KNOTSx10;LON;LAT;...``            ISO 8601
spire      ``MMSI,Message_ID,...,Time,Millisecond,...`` (143 columns)       yyyymmdd_HHMMSS
mapped     any header, through a :class:`ColumnMapping`                     see mapping
========== =============================================================== ==============

Every non-blank data line ends up in exactly one of ``positions``, ``others``,
``rejects`` or (rows with identity but no position) ``identity_only_rows``; see
``_decode.py`` for the rules. Blank lines carry nothing and are skipped.

DMA ``Type of mobile``: Class A -> positions ``msg_type`` 1, Class B -> 18, SAR airborne
-> 9, Base Station -> others type 4, AtoN -> others type 21 (kept, not rejected, in
``schema.OTHERS`` like the NMEA decoder keeps them); anything else is rejected as
``unsupported``. Static reports from CSV rows get ``msg_type`` 5 (class A) or 24 (class
B), or the row's own 5/24/19; null when the class is unknown.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl

from darkfleet.errors import ConfigError, SchemaError
from darkfleet.ingest.csv._decode import HEX_ID_BASE, decode_rows, parse_lines
from darkfleet.ingest.csv._formats import (
    CSV_FORMATS,
    MAPPABLE_FIELDS,
    SPECS,
    ColumnMapping,
    CsvFormat,
    FormatSpec,
    known_formats_text,
    resolve_columns,
    sniff_header,
)
from darkfleet.ingest.csv._lines import (
    as_utf8,
    detect_separator,
    iter_byte_batches,
    open_csv_bytes,
    parse_header,
    read_header_line,
    split_lines,
)
from darkfleet.ingest.csv._statics import StaticsChanges

__all__ = [
    "CSV_FORMATS",
    "HEX_ID_BASE",
    "MAPPABLE_FIELDS",
    "ColumnMapping",
    "CsvBatch",
    "CsvFormat",
    "read_csv_batches",
    "sniff_csv_format",
    "sniff_csv_header",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CsvBatch:
    """One batch of a CSV file, decoded.

    Attributes
    ----------
    positions
        ``schema.POSITIONS`` rows, in file order.
    statics
        ``schema.STATICS`` rows, only where a vessel's identity changed (see
        ``_statics.py``).
    others
        ``schema.OTHERS`` rows: base stations, aids to navigation, other message types.
    rejects
        ``schema.REJECTS`` rows with the physical line number and the raw line.
    rows_read
        Non-blank data lines in this batch.
    identity_only_rows
        Rows without a position that carried identity fields (e.g. DMA's type-5 rows);
        ``rows_read == len(positions) + len(others) + len(rejects) + identity_only_rows``.
    """

    positions: pl.DataFrame
    statics: pl.DataFrame
    others: pl.DataFrame
    rejects: pl.DataFrame
    rows_read: int
    identity_only_rows: int


def sniff_csv_header(header_line: str) -> CsvFormat | None:
    """Return the built-in format a header line belongs to, or None.

    Examples
    --------
    >>> sniff_csv_header("# Timestamp,Type of mobile,MMSI,Latitude,Longitude,SOG")
    'dma'
    >>> sniff_csv_header('"timestamp";"msgid";"mmsi";"lat";"long"')
    'semicolon'
    >>> sniff_csv_header("ID,timestamp,lon,lat") is None
    True
    """
    line = header_line.removeprefix("\ufeff").rstrip("\r\n")
    return sniff_header(parse_header(line, detect_separator(line)))


def sniff_csv_format(path: Path) -> CsvFormat | None:
    """Return the built-in format of the CSV file at ``path`` from its header, or None.

    Compressed files (gzip, bzip2, xz) are read through. None means the header is not a
    known export (or the file is empty): read it with a :class:`ColumnMapping`.

    Raises
    ------
    DecodeError
        When the file cannot be read.
    """
    header = read_header_line(path)
    return None if header is None else sniff_csv_header(header)


def read_csv_batches(
    source: Path | BinaryIO,
    *,
    file: str,
    file_id: str,
    fmt: CsvFormat | None = None,
    mapping: ColumnMapping | None = None,
    batch_rows: int = 250_000,
) -> Iterator[CsvBatch]:
    """Decode a CSV AIS export in batches of at most ``batch_rows`` lines.

    Parameters
    ----------
    source
        Path of a plain, gzip, bzip2 or xz CSV file, or a binary file object of plain CSV
        bytes.
    file
        Name recorded in ``rejects.file`` and, unless a ``source`` column is mapped, in
        ``source`` of every output row.
    file_id
        Content id of the input (``schema``: first 16 hex digits of its SHA-256).
    fmt
        A built-in format, ``"mapped"`` (needs ``mapping``) or None to detect it from the
        header.
    mapping
        Column mapping for any other CSV; implies ``fmt="mapped"``.
    batch_rows
        Lines per batch. Peak memory grows with it: measured on NOAA rows (~110 bytes a
        line), 250,000-line batches peak at ~0.76 GB RSS and 1,000,000-line batches at
        ~1.9 GB, so the default keeps ingest inside the 2 GB budget of DESIGN.md.

    Yields
    ------
    CsvBatch
        Decoded rows; an empty or header-only file yields nothing.

    Raises
    ------
    SchemaError
        When the header is not a known export and no mapping is given, or when the
        format's (or mapping's) required columns are missing.
    ConfigError
        For a bad ``fmt``/``mapping`` combination or ``batch_rows < 1``.
    DecodeError
        When the file cannot be read or decompressed.

    Examples
    --------
    >>> import io
    >>> text = b"MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading\\n367752440,2023-01-11T00:00:00,43.07917,-70.75733,0.0,360.0,511\\n"
    >>> batch = next(read_csv_batches(io.BytesIO(text), file="x.csv", file_id="0" * 16))
    >>> batch.positions.select("mmsi", "lat", "cog_deg", "heading_deg").row(0)
    (367752440, 43.07917, None, None)
    """
    if batch_rows < 1:
        raise ConfigError(f"batch_rows must be >= 1, got {batch_rows}")
    if fmt is not None and fmt not in CSV_FORMATS:
        raise ConfigError(f"unknown CSV format {fmt!r}; known: {', '.join(CSV_FORMATS)}")
    if mapping is not None and fmt not in (None, "mapped"):
        raise ConfigError(
            f"give either a CSV format ({fmt}) or a column mapping, not both; "
            "a mapping reads any layout"
        )
    if fmt == "mapped" and mapping is None:
        raise ConfigError(
            "format 'mapped' needs a column mapping: --columns mmsi=...,ts=...,lat=...,lon=..."
        )
    with open_csv_bytes(source) as stream:
        yield from _read_stream(
            stream, file=file, file_id=file_id, fmt=fmt, mapping=mapping, batch_rows=batch_rows
        )


def _read_stream(
    stream: BinaryIO,
    *,
    file: str,
    file_id: str,
    fmt: CsvFormat | None,
    mapping: ColumnMapping | None,
    batch_rows: int,
) -> Iterator[CsvBatch]:
    lines_before = 0
    header: tuple[list[str], str, FormatSpec, dict[str, str]] | None = None
    statics = StaticsChanges()
    for chunk in iter_byte_batches(stream, batch_rows):
        data = as_utf8(chunk.removeprefix(b"\xef\xbb\xbf") if lines_before == 0 else chunk)
        lines = split_lines(data, lines_before + 1)
        lines_before += chunk.count(b"\n")
        lines = lines.filter(pl.col("raw").str.strip_chars().str.len_bytes() > 0)
        if header is None:
            if lines.height == 0:
                continue
            header_line = lines["raw"][0]
            lines = lines.slice(1)
            header = _resolve_header(header_line, file=file, fmt=fmt, mapping=mapping)
        names, separator, spec, columns = header
        if lines.height == 0:
            continue
        fields, structure_rejects = parse_lines(lines, names, separator, file=file, file_id=file_id)
        decoded = decode_rows(fields, spec, columns, file=file, file_id=file_id)
        rejects = pl.concat([structure_rejects, decoded.rejects]).sort("line_no")
        yield CsvBatch(
            positions=decoded.positions,
            statics=statics.select_changes(decoded.static_candidates),
            others=decoded.others,
            rejects=rejects,
            rows_read=lines.height,
            identity_only_rows=decoded.identity_only_rows,
        )
    if header is None:
        logger.warning("%s: the file is empty (no header line); nothing to read", file)


def _resolve_header(
    header_line: str, *, file: str, fmt: CsvFormat | None, mapping: ColumnMapping | None
) -> tuple[list[str], str, FormatSpec, dict[str, str]]:
    if mapping is not None:
        spec = mapping.to_spec()
    elif fmt is not None:
        spec = SPECS[fmt]
    else:
        spec = None
    separator = (spec.separator if spec else None) or detect_separator(header_line)
    names = parse_header(header_line, separator)
    if spec is None:
        detected = sniff_header(names)
        if detected is None:
            raise SchemaError(
                f"{file}: header not recognised as a known AIS CSV export; columns found: "
                f"{', '.join(names)} (separator {separator!r}); known formats: "
                f"{known_formats_text()}; map the columns yourself with --format csv "
                "--columns mmsi=...,ts=...,lat=...,lon=... (add ts_format=... unless times "
                "are ISO 8601)"
            )
        spec = SPECS[detected]
    try:
        columns = resolve_columns(spec, names, file=file)
    except SchemaError as err:
        if len(names) == 1:
            raise SchemaError(
                f"{err}; only one column was found with separator {separator!r}: "
                "is the separator right? (sep=semicolon|comma|tab|pipe in --columns)"
            ) from None
        raise
    return names, separator, spec, columns
