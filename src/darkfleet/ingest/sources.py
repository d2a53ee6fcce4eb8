"""Open raw inputs and cut them into batches of lines (ingest layer).

Imports only ``darkfleet.errors`` (and NumPy/pyarrow); nothing from store, detect or cli.

``expand_inputs`` turns what a user typed (files, directories, globs, ``-`` for stdin)
into a sorted, de-duplicated list of :class:`InputFile`, each with a content
fingerprint (``file_id``) computed *before* any line is read, so a caller can skip a
file it has already ingested. ``iter_line_batches`` then streams one input as
:class:`LineBatch` objects: Arrow string arrays built straight from the byte buffer
(line terminators ``\\n``, ``\\r\\n`` and ``\\r`` removed), with bounded memory.

Compression is recognised by magic bytes, never by name alone: gzip (``1f 8b``),
bzip2 (``BZh``) and zip (``PK\\x03\\x04``; every member, sorted, directories skipped).
A gzip or bzip2 stream inside a zip member is decompressed too.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import shutil
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from glob import glob, has_magic
from pathlib import Path
from typing import IO, Final, cast

import numpy as np
import pyarrow as pa

from darkfleet.errors import DecodeError, InputError

__all__ = ["InputFile", "LineBatch", "expand_inputs", "iter_line_batches", "open_input"]

#: Bytes read from a (decompressed) stream at a time. Lines are cut per chunk, so
#: memory stays near ``2 * READ_CHUNK_BYTES`` plus one batch of lines.
READ_CHUNK_BYTES: Final = 8 * 1024 * 1024

_GZIP_MAGIC: Final = b"\x1f\x8b"
_BZ2_MAGIC: Final = b"BZh"
_ZIP_MAGICS: Final = (b"PK\x03\x04", b"PK\x05\x06")
_HASH_CHUNK_BYTES: Final = 4 * 1024 * 1024
_LF: Final = 10
_CR: Final = 13


@dataclass(frozen=True, slots=True)
class InputFile:
    """One input to read: a file on disk, one member of a zip archive, or spooled stdin.

    Attributes
    ----------
    name
        Display name: the path as given/found, ``"archive.zip:member.txt"`` for a zip
        member, ``"-"`` for stdin.
    file_id
        First 16 hex digits of the SHA-256 of the file's bytes on disk (for a zip member:
        of the zip's bytes, a NUL byte and the member name).
    path
        Where the bytes are: the file, the zip archive, or the spooled copy of stdin.
    member
        The zip member's name, or ``None``.
    """

    name: str
    file_id: str
    path: Path
    member: str | None = None


@dataclass(frozen=True, slots=True)
class LineBatch:
    """A run of consecutive lines of one input.

    Attributes
    ----------
    file
        ``InputFile.name`` of the input.
    file_id
        ``InputFile.file_id`` of the input.
    first_line_no
        1-based line number of ``lines[0]`` within the (decompressed) file.
    lines
        One string per line, terminator removed. Bytes that were not valid UTF-8 are
        replaced by U+FFFD so that nothing crashes; the NMEA framer rejects such lines
        as "malformed".
    """

    file: str
    file_id: str
    first_line_no: int
    lines: pa.LargeStringArray | pa.StringArray


def _sha256_prefix(path: Path, suffix: bytes = b"") -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_HASH_CHUNK_BYTES):
                digest.update(chunk)
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror}); check its permissions") from err
    digest.update(suffix)
    return digest.hexdigest()[:16]


def _magic(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(4)
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror}); check its permissions") from err


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _walk(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and not _is_hidden(p, directory))


def _expand_file(path: Path, name: str) -> list[InputFile]:
    if _magic(path) not in _ZIP_MAGICS:
        return [InputFile(name=name, file_id=_sha256_prefix(path), path=path)]
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted(info.filename for info in archive.infolist() if not info.is_dir())
    except (zipfile.BadZipFile, OSError) as err:
        raise DecodeError(
            f"{name}: not a readable zip archive ({err}); re-download or re-create it"
        ) from err
    return [
        InputFile(
            name=f"{name}:{member}",
            file_id=_sha256_prefix(path, b"\0" + member.encode("utf-8")),
            path=path,
            member=member,
        )
        for member in members
    ]


def _spool_stdin(spool_dir: Path) -> Path:
    spool_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        dir=spool_dir, prefix="stdin-", suffix=".spool", delete=False
    ) as spool:
        shutil.copyfileobj(sys.stdin.buffer, spool, _HASH_CHUNK_BYTES)
        return Path(spool.name)


def expand_inputs(paths: Sequence[str], *, spool_dir: Path) -> list[InputFile]:
    """Resolve files, directories, globs and ``-`` (stdin) into inputs to read.

    Parameters
    ----------
    paths
        What the user gave, in order. Directories are walked recursively in sorted order,
        skipping hidden files and folders (names starting with ``.``); globs (``*``, ``?``,
        ``[...]``, ``**``) are expanded in sorted order; ``-`` reads stdin once, spooling
        it to a file in ``spool_dir`` so it can be hashed and re-read. A path given twice
        is read once.
    spool_dir
        Folder for the spooled copy of stdin (created if needed). The caller deletes it.

    Returns
    -------
    list[InputFile]
        One entry per file, and one per member of each zip archive (sorted by member
        name, directories skipped).

    Raises
    ------
    InputError
        A path does not exist, a glob matches nothing, ``-`` is given twice, or a file
        cannot be read.
    DecodeError
        A zip archive is corrupt.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "b.txt").write_text("x\\n")
    >>> _ = (folder / "a.txt").write_text("y\\n")
    >>> [f.name.rsplit("/", 1)[-1] for f in expand_inputs([str(folder)], spool_dir=folder)]
    ['a.txt', 'b.txt']
    """
    inputs: list[InputFile] = []
    seen: set[tuple[Path, str | None]] = set()
    stdin_used = False

    def add(found: list[InputFile]) -> None:
        for item in found:
            key = (item.path.resolve(), item.member)
            if key not in seen:
                seen.add(key)
                inputs.append(item)

    for given in paths:
        if given == "-":
            if stdin_used:
                raise InputError("'-' (stdin) was given twice; stdin can be read only once")
            stdin_used = True
            spooled = _spool_stdin(spool_dir)
            add([InputFile(name="-", file_id=_sha256_prefix(spooled), path=spooled)])
            continue
        path = Path(given)
        if path.is_dir():
            for found in _walk(path):
                add(_expand_file(found, str(found)))
        elif path.is_file():
            add(_expand_file(path, given))
        elif has_magic(given):
            matches = sorted(glob(given, recursive=True))
            if not matches:
                raise InputError(
                    f"{given}: the pattern matches no file; check the pattern and the folder"
                )
            for match in matches:
                match_path = Path(match)
                if match_path.is_dir():
                    for found in _walk(match_path):
                        add(_expand_file(found, str(found)))
                elif match_path.is_file():
                    add(_expand_file(match_path, match))
        else:
            raise InputError(
                f"{given}: no such file or folder; check the path (use '-' to read stdin)"
            )
    return inputs


def _decompressing(raw: IO[bytes]) -> IO[bytes]:
    """Wrap ``raw`` in a gzip/bzip2 decompressor if its first bytes say so."""
    peekable: io.BufferedReader = (
        raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type,type-var]
    )
    head = peekable.peek(4)[:4]
    if head.startswith(_GZIP_MAGIC):
        return cast(IO[bytes], gzip.GzipFile(fileobj=peekable, mode="rb"))
    if head.startswith(_BZ2_MAGIC):
        return cast(IO[bytes], bz2.BZ2File(peekable, mode="rb"))
    return cast(IO[bytes], peekable)


def _open_bytes(source: InputFile, stack: ExitStack) -> IO[bytes]:
    """Return the decompressed byte stream of ``source``; ``stack`` closes what was opened."""
    try:
        if source.member is None:
            handle: IO[bytes] = stack.enter_context(source.path.open("rb"))
        else:
            archive = stack.enter_context(zipfile.ZipFile(source.path))
            handle = stack.enter_context(archive.open(source.member))
    except (zipfile.BadZipFile, KeyError) as err:
        raise DecodeError(f"{source.name}: cannot open ({err}); the archive is corrupt") from err
    except OSError as err:
        raise InputError(
            f"{source.name}: cannot read ({err.strerror}); check that it exists and is readable"
        ) from err
    return stack.enter_context(_decompressing(handle))


@contextmanager
def open_input(source: InputFile) -> Iterator[IO[bytes]]:
    """Open ``source`` as a decompressed binary stream (for readers that parse bytes themselves).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = path.write_bytes(b"x,y\\n")
    >>> with open_input(InputFile(name="a.csv", file_id="0" * 16, path=path)) as stream:
    ...     stream.read()
    b'x,y\\n'
    """
    with ExitStack() as stack:
        yield _open_bytes(source, stack)


def _build_lines(chunk: bytes) -> tuple[pa.LargeStringArray, int]:
    """Cut ``chunk`` (which ends with a complete line) into an Arrow string array.

    Every ``\\r`` and ``\\n`` byte is a terminator or part of one (``\\r\\n``), so the
    line bytes are the chunk with those bytes removed (``bytes.translate`` deletes them
    in one C pass) and the offsets are the running sum of the line lengths. Work is
    O(lines) in NumPy plus two byte-level passes. Returns the array and the number of
    lines.
    """
    data = np.frombuffer(chunk, dtype=np.uint8)
    if chunk.find(b"\r") < 0:
        # Only LF terminators (nearly every file): a line ends at each LF.
        ends = np.flatnonzero(data == _LF)
        line_end = ends
    else:
        is_lf = data == _LF
        is_cr = data == _CR
        # A terminator ends a line: every LF, and every CR not followed by LF.
        next_is_lf = np.zeros_like(is_lf)
        next_is_lf[:-1] = is_lf[1:]
        ends = np.flatnonzero(is_lf | (is_cr & ~next_is_lf))
        # Line i ends at ends[i] minus 1 if it was "\r\n" (the CR is part of the terminator).
        starts_cr = np.empty_like(ends)
        starts_cr[:1] = 0
        starts_cr[1:] = ends[:-1] + 1
        line_end = ends - (is_cr[np.maximum(ends - 1, 0)] & is_lf[ends] & (ends > starts_cr))
    starts = np.empty_like(ends)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    offsets = np.zeros(len(ends) + 1, dtype=np.int64)
    np.cumsum(line_end - starts, out=offsets[1:])
    compact = chunk.translate(None, b"\r\n")
    array = pa.LargeStringArray.from_buffers(
        len(ends), pa.py_buffer(offsets), pa.py_buffer(compact)
    )
    return array, len(ends)


def _repair_utf8(chunk: bytes) -> bytes:
    """Return ``chunk`` with invalid UTF-8 sequences replaced by U+FFFD (rarely needed)."""
    if chunk.isascii():
        return chunk
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return chunk.decode("utf-8", errors="replace").encode("utf-8")
    return chunk


def iter_line_batches(source: InputFile, *, batch_lines: int = 1_000_000) -> Iterator[LineBatch]:
    """Stream the lines of ``source`` in batches of at most ``batch_lines`` lines.

    Parameters
    ----------
    source
        An input from :func:`expand_inputs`.
    batch_lines
        Most lines per batch; 1,000,000 lines of AIS (~50 MB) keeps memory near 200 MB
        while amortising per-batch costs.

    Yields
    ------
    LineBatch
        Consecutive batches covering every line of the file exactly once. A last line
        without terminator is a line; an empty file yields nothing.

    Raises
    ------
    DecodeError
        The compressed stream is corrupt or truncated.
    InputError
        The file cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_bytes(b"one\\r\\ntwo\\rthree")
    >>> [inp] = expand_inputs([str(folder / "a.txt")], spool_dir=folder)
    >>> [b.lines.to_pylist() for b in iter_line_batches(inp)]
    [['one', 'two', 'three']]
    """
    if batch_lines < 1:
        raise ValueError(f"batch_lines must be >= 1, got {batch_lines}")
    with ExitStack() as stack:
        yield from _iter_batches(source, _open_bytes(source, stack), batch_lines)


def _iter_batches(source: InputFile, stream: IO[bytes], batch_lines: int) -> Iterator[LineBatch]:
    """Cut the decompressed ``stream`` into batches (see :func:`iter_line_batches`)."""
    next_line_no = 1
    pending: list[pa.LargeStringArray] = []
    pending_lines = 0
    carry = b""
    while True:
        try:
            block = stream.read(READ_CHUNK_BYTES)
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as err:
            raise DecodeError(
                f"{source.name}: the compressed data is corrupt or truncated ({err}); "
                "re-download or re-create the file"
            ) from err
        at_eof = not block
        buffer = carry + block
        if at_eof:
            if not buffer:
                break
            complete, carry = buffer, b""
            if not complete.endswith((b"\n", b"\r")):
                complete += b"\n"
        else:
            # Keep everything after the last terminator, and a trailing CR whose LF
            # may come with the next block.
            cut = max(buffer.rfind(b"\n"), buffer.rfind(b"\r", 0, len(buffer) - 1))
            if cut < 0:
                carry = buffer
                continue
            complete, carry = buffer[: cut + 1], buffer[cut + 1 :]
        array, count = _build_lines(_repair_utf8(complete))
        pending.append(array)
        pending_lines += count
        while pending_lines >= batch_lines:
            merged = pa.concat_arrays(pending)
            yield LineBatch(source.name, source.file_id, next_line_no, merged.slice(0, batch_lines))
            next_line_no += batch_lines
            rest = merged.slice(batch_lines)
            pending, pending_lines = ([rest] if len(rest) else []), len(rest)
        if at_eof:
            break
    if pending_lines:
        yield LineBatch(source.name, source.file_id, next_line_no, pa.concat_arrays(pending))
