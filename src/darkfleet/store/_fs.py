"""Durable file operations and the writer lock (store layer, imports only ``errors``).

Durability follows the usual POSIX recipe: write a temporary file, ``fsync`` it,
``os.replace`` it over the target, ``fsync`` the directory so the rename itself survives
a power cut.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from collections.abc import Mapping
from pathlib import Path

from darkfleet.errors import StoreError


class StoreLockedError(StoreError):
    """Another process (or another store object) holds the store's writer lock."""


def fsync_file(path: Path) -> None:
    """Flush a file's data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Flush a directory's entries (creations, renames, deletions) to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(path: Path, payload: Mapping[str, object]) -> None:
    """Write ``payload`` as JSON to ``path`` so readers see the old file or the new one."""
    tmp = path.with_name(path.name + ".tmp")
    text = json.dumps(payload, sort_keys=True, indent=1, ensure_ascii=False)
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def read_json(path: Path, *, what: str) -> dict[str, object]:
    """Read a JSON object written by ``write_json_atomic``; ``StoreError`` if unreadable."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise StoreError(
            f"{path}: cannot read this {what} ({err}); the store is damaged: restore the "
            "file from a backup, or delete it and re-ingest the file it names"
        ) from err
    if not isinstance(payload, dict):
        raise StoreError(f"{path}: this {what} is not a JSON object; the store is damaged")
    return payload


class WriterLock:
    """An exclusive, re-entrant (per object) ``fcntl.flock`` on ``<root>/.lock``.

    The kernel drops the lock when its holder exits, even on ``kill -9``, so a lock can
    never be left stale. The holder writes its pid into the file for the error message.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._depth = 0

    @property
    def is_held(self) -> bool:
        """Whether this object holds the lock."""
        return self._depth > 0

    def try_acquire(self) -> bool:
        """Take the lock without waiting; return ``True`` on the outermost acquisition.

        Raises
        ------
        StoreLockedError
            another process (or another ``ParquetStore`` object) holds the lock.
        """
        if self._depth:
            self._depth += 1
            return False
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise StoreLockedError(
                f"store {self.path.parent} is locked by another darkfleet process "
                f"(pid {self._holder_pid()}); wait for it to finish or stop it, then retry"
            ) from err
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        self._depth = 1
        return True

    def release(self) -> None:
        """Undo one ``try_acquire``; the outermost release unlocks."""
        if self._depth == 0:
            return
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def _holder_pid(self) -> str:
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return "unknown"
        return text if text.isdigit() else "unknown"
