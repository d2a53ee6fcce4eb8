"""Raw bytes of a CSV file in batches of whole lines, and its header (ingest layer).

Imports only ``darkfleet.errors``. Compressed files (gzip, bzip2, xz) are recognised by
their magic bytes, not their names, and decompressed as a stream. A batch is cut after
exactly ``batch_rows`` newlines (found with NumPy, no per-line Python), so memory is
bounded by the batch size whatever the file size.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Final

import numpy as np
import polars as pl

from darkfleet.errors import DecodeError

#: bytes read from the file at a time.
BLOCK_BYTES: Final[int] = 8 << 20

_MAGIC: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"PK\x03\x04", "zip"),
)


@contextlib.contextmanager
def open_csv_bytes(source: Path | BinaryIO) -> Iterator[BinaryIO]:
    """Open ``source`` as a stream of plain CSV bytes (decompressing gzip/bzip2/xz files).

    A binary file object is used as it is (the caller has decompressed it).

    Raises
    ------
    DecodeError
        When the file cannot be opened, or is a zip or zstd archive (unpack it first).
    """
    if not isinstance(source, Path):
        yield source
        return
    try:
        with source.open("rb") as probe:
            magic = probe.read(6)
    except OSError as err:
        raise DecodeError(f"{source}: cannot read the file ({err.strerror})") from err
    kind = next((name for prefix, name in _MAGIC if magic.startswith(prefix)), "plain")
    if kind in ("zip", "zstd"):
        raise DecodeError(
            f"{source}: is a {kind} archive, not a CSV file; unpack it first "
            f"(darkfleet ingest unpacks archives given on the command line)"
        )
    opener = {"gzip": gzip.open, "bzip2": bz2.open, "xz": lzma.open}.get(kind)
    with opener(source, "rb") if opener else source.open("rb") as stream:  # type: ignore[operator]
        yield stream  # type: ignore[misc]


def iter_byte_batches(stream: BinaryIO, batch_rows: int) -> Iterator[bytes]:
    """Yield the stream's bytes in pieces of ``batch_rows`` whole lines (the last may be shorter).

    Raises
    ------
    DecodeError
        When decompression fails mid-stream (a truncated or corrupt archive).
    """
    pending: list[bytes] = []
    pending_lines = 0
    while True:
        try:
            block = stream.read(BLOCK_BYTES)
        except (OSError, EOFError, lzma.LZMAError) as err:
            raise DecodeError(f"cannot decompress the CSV stream: {err}") from err
        if not block:
            break
        pending.append(block)
        pending_lines += block.count(b"\n")
        while pending_lines >= batch_rows:
            buffer = b"".join(pending)
            newlines = np.flatnonzero(np.frombuffer(buffer, dtype=np.uint8) == 10)
            cut = int(newlines[batch_rows - 1]) + 1
            yield buffer[:cut]
            rest = buffer[cut:]
            pending = [rest] if rest else []
            pending_lines -= batch_rows
    if pending:
        yield b"".join(pending)


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (BOM removed); fall back to Latin-1, which every byte string is."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.removeprefix("\ufeff")


def as_utf8(data: bytes) -> bytes:
    """Return ``data`` as UTF-8 bytes: unchanged if valid, else re-encoded from Latin-1.

    Latin-1 (and its Windows variant) is the usual encoding of non-UTF-8 exports; every
    byte string decodes as Latin-1, so no line is lost to an encoding error.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1").encode("utf-8")
    return data


def split_lines(data: bytes, first_line_no: int) -> pl.DataFrame:
    """Split UTF-8 bytes into a frame of ``line_no`` (1-based, physical) and ``raw``.

    ``raw`` has no line ending (``\n`` or ``\r\n``); blank lines are kept (null or
    whitespace) so that line numbers stay physical. Polars' CSV reader, with a separator
    and quote that never occur, splits the lines natively; NUL bytes (which would be read
    as separators) fall back to ``str.split``.
    """
    expected = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    lines: pl.DataFrame | None = None
    if b"\x00" not in data and data:
        lines = pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            separator="\x00",
            quote_char=None,
            infer_schema=False,
            new_columns=["raw"],
        )
        if lines.height != expected:
            lines = None
    if lines is None:
        text = data.decode("utf-8")
        lines = pl.DataFrame({"raw": [text]}).select(pl.col("raw").str.split("\n").explode())
        if text.endswith("\n") or not text:
            lines = lines.head(lines.height - 1)
    return lines.with_columns(
        pl.col("raw").str.strip_suffix("\r"),
        line_no=pl.int_range(first_line_no, first_line_no + lines.height, dtype=pl.Int64),
    ).select("line_no", "raw")


def detect_separator(header: str) -> str:
    """Return the most frequent of ``,`` ``;`` tab ``|`` outside quotes in the header line."""
    unquoted = _drop_quoted(header)
    counts = {sep: unquoted.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def parse_header(header: str, separator: str) -> list[str]:
    """Split a header line into column names (quotes removed, a leading ``#`` dropped)."""
    line = header.strip().lstrip("#").strip()
    try:
        frame = pl.read_csv(
            io.BytesIO(line.encode()),
            has_header=False,
            separator=separator,
            infer_schema=False,
            truncate_ragged_lines=True,
        )
        values: tuple[str | None, ...] = frame.row(0) if frame.height else ()
    except pl.exceptions.ComputeError:
        # Not valid CSV quoting (e.g. a JSON line): split plainly so that format sniffing
        # can say "unknown format" instead of failing.
        values = tuple(part.strip().strip('"') for part in line.split(separator))
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        name = (value or "").strip() or f"column_{index + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        names.append(name)
    return names


def _drop_quoted(text: str) -> str:
    out: list[str] = []
    quoted = False
    for char in text:  # the header line only, never per data row
        if char == '"':
            quoted = not quoted
        elif not quoted:
            out.append(char)
    return "".join(out)


def read_header_line(source: Path | BinaryIO, max_bytes: int = 1 << 20) -> str | None:
    """Return the first non-blank line of ``source`` (BOM removed), or None if there is none."""
    with open_csv_bytes(source) as stream:
        head = stream.read(max_bytes)
    for line in decode_text(head).splitlines():
        if line.strip():
            return line
    return None
