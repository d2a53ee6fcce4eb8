"""Tests for darkfleet.ingest.sources: expanding inputs and cutting lines."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import pytest

from darkfleet.errors import DecodeError, InputError
from darkfleet.ingest import sources
from darkfleet.ingest.sources import expand_inputs, iter_line_batches


def _lines(path: Path, batch_lines: int = 1_000_000) -> list[str]:
    [source] = expand_inputs([str(path)], spool_dir=path.parent / "spool")
    return [
        line
        for batch in iter_line_batches(source, batch_lines=batch_lines)
        for line in batch.lines.to_pylist()
    ]


def test_directory_walk_is_sorted_recursive_and_skips_hidden(tmp_path: Path) -> None:
    for name in ["b.txt", "a.txt", "sub/c.txt", ".hidden.txt", ".git/d.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n")
    found = expand_inputs([str(tmp_path)], spool_dir=tmp_path / "spool")
    assert [Path(f.name).relative_to(tmp_path).as_posix() for f in found] == [
        "a.txt",
        "b.txt",
        "sub/c.txt",
    ]


def test_glob_expands_sorted_and_a_path_given_twice_is_read_once(tmp_path: Path) -> None:
    for name in ["2.nmea", "1.nmea", "3.txt"]:
        (tmp_path / name).write_text("x\n")
    found = expand_inputs([str(tmp_path / "*.nmea"), str(tmp_path / "1.nmea")], spool_dir=tmp_path)
    assert [Path(f.name).name for f in found] == ["1.nmea", "2.nmea"]


def test_missing_path_raises_input_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope.txt: no such file"):
        expand_inputs([str(tmp_path / "nope.txt")], spool_dir=tmp_path)


def test_glob_matching_nothing_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\*.zzz: the pattern matches no file"):
        expand_inputs([str(tmp_path / "*.zzz")], spool_dir=tmp_path)


def test_file_id_is_sha256_prefix_of_the_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"hello\n")
    [found] = expand_inputs([str(tmp_path / "a.txt")], spool_dir=tmp_path)
    assert found.file_id == hashlib.sha256(b"hello\n").hexdigest()[:16]


def test_line_terminators_lf_crlf_cr_and_missing_final_newline(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"one\r\ntwo\nthree\rfour\r\n\r\nsix")
    assert _lines(tmp_path / "a.txt") == ["one", "two", "three", "four", "", "six"]


def test_empty_file_yields_no_batch(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"")
    assert _lines(tmp_path / "a.txt") == []


def test_batches_number_lines_from_one_and_cover_every_line(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("".join(f"{i}\n" for i in range(1, 11)))
    [source] = expand_inputs([str(tmp_path / "a.txt")], spool_dir=tmp_path)
    batches = list(iter_line_batches(source, batch_lines=4))
    assert [b.first_line_no for b in batches] == [1, 5, 9]
    assert [b.lines.to_pylist() for b in batches] == [
        ["1", "2", "3", "4"],
        ["5", "6", "7", "8"],
        ["9", "10"],
    ]
    assert {b.file for b in batches} == {source.name}


def test_lines_split_across_read_chunks_and_crlf_at_the_chunk_edge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "READ_CHUNK_BYTES", 3)
    (tmp_path / "a.txt").write_bytes(b"ab\r\ncdefg\r\nh\ri\n\nj")
    assert _lines(tmp_path / "a.txt") == ["ab", "cdefg", "h", "i", "", "j"]


def test_invalid_utf8_is_replaced_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"ok\n\xff\xfebad\ncaf\xc3\xa9\n")
    assert _lines(tmp_path / "a.txt") == ["ok", "\ufffd\ufffdbad", "caf\u00e9"]


@pytest.mark.parametrize(
    ("name", "compress"),
    [("a.gz", gzip.compress), ("a.bz2", bz2.compress), ("misnamed.txt", gzip.compress)],
)
def test_compression_is_detected_by_magic_bytes(
    tmp_path: Path, name: str, compress: object
) -> None:
    (tmp_path / name).write_bytes(compress(b"x\ny\n"))  # type: ignore[operator]
    assert _lines(tmp_path / name) == ["x", "y"]


def test_zip_members_sorted_directories_skipped_nested_gzip_read(tmp_path: Path) -> None:
    archive = tmp_path / "logs.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("b.txt", "b1\nb2\n")
        zipped.writestr("folder/", "")
        zipped.writestr("a.txt.gz", gzip.compress(b"a1\n"))
    found = expand_inputs([str(archive)], spool_dir=tmp_path)
    assert [f.name for f in found] == [f"{archive}:a.txt.gz", f"{archive}:b.txt"]
    zip_bytes = archive.read_bytes()
    assert found[1].file_id == hashlib.sha256(zip_bytes + b"\0b.txt").hexdigest()[:16]
    assert [list(iter_line_batches(f))[0].lines.to_pylist() for f in found] == [
        ["a1"],
        ["b1", "b2"],
    ]


def test_corrupt_gzip_raises_decode_error_naming_the_file(tmp_path: Path) -> None:
    packed = gzip.compress("".join(f"{i}\n" for i in range(20_000)).encode())
    (tmp_path / "bad.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(DecodeError, match="bad.gz: the compressed data is corrupt"):
        _lines(tmp_path / "bad.gz")


def test_corrupt_zip_raises_decode_error(tmp_path: Path) -> None:
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(DecodeError, match="bad.zip: not a readable zip archive"):
        expand_inputs([str(tmp_path / "bad.zip")], spool_dir=tmp_path)


def test_stdin_is_spooled_hashed_and_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class FakeStdin:
        buffer = io.BytesIO(b"l1\nl2\n")

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    [found] = expand_inputs(["-"], spool_dir=tmp_path / "spool")
    assert found.name == "-"
    assert found.path.parent == tmp_path / "spool"
    assert found.file_id == hashlib.sha256(b"l1\nl2\n").hexdigest()[:16]
    assert list(iter_line_batches(found))[0].lines.to_pylist() == ["l1", "l2"]
    with pytest.raises(InputError, match="stdin"):
        expand_inputs(["-", "-"], spool_dir=tmp_path / "spool")


def test_batch_lines_must_be_positive(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x\n")
    [source] = expand_inputs([str(tmp_path / "a.txt")], spool_dir=tmp_path)
    with pytest.raises(ValueError, match="batch_lines"):
        next(iter_line_batches(source, batch_lines=0))
