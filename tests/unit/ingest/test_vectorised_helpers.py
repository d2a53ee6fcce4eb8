"""The NumPy byte-level helpers behind fast framing, checked against plain references.

The tag-block parser is compared with the earlier Polars-regex implementation (kept
here as the reference) on generated blocks, including the rare forms that take the
slow path (signs, decimals, junk, empty values, ``si:``, malformed ``g:``).
"""

from __future__ import annotations

import functools
import operator
import re

import numpy as np
import polars as pl
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from darkfleet.ingest.nmea import _scan as sc
from darkfleet.ingest.nmea.framing import _buffers, _join_groups
from darkfleet.ingest.nmea.tagblock import (
    MAX_EPOCH_S,
    MS_THRESHOLD,
    NO_TIME,
    _read_digits,
    parse_wrappers,
)
from darkfleet.ingest.sources import _build_lines

VDM = "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23"


def cs(body: str) -> str:
    return f"{body}*{functools.reduce(operator.xor, body.encode(), 0):02X}"


def test_span_strings_cuts_spans_and_sets_nulls() -> None:
    data = np.frombuffer(b"hello,world" + bytes(sc.PAD), dtype=np.uint8)
    spans = sc.span_strings(
        data, np.array([0, 6, 3, 5]), np.array([5, 11, 3, 2]), np.array([True, True, True, False])
    )
    assert spans.to_pylist() == ["hello", "world", "", None]


def test_span_strings_of_nothing_is_empty() -> None:
    data = np.zeros(sc.PAD, dtype=np.uint8)
    assert sc.span_strings(data, np.zeros(0, np.int64), np.zeros(0, np.int64)).to_pylist() == []


def test_line_slices_use_offsets_relative_to_each_line() -> None:
    texts = pl.Series(["abcdef", "uvwxyz"])
    base = np.array([0, 6])
    out = sc.line_slices(
        texts,
        base,
        np.array([1, 0, 1]),
        np.array([7, 2, 6]),
        np.array([9, 4, 6]),
        np.array([True, True, False]),
    )
    assert out.to_list() == ["vw", "cd", None]


def test_first_per_group_marks_run_starts() -> None:
    assert sc.first_per_group(np.array([1, 1, 2, 5, 5, 5])).tolist() == [
        True,
        False,
        True,
        True,
        False,
        False,
    ]


@given(
    st.lists(
        st.lists(st.text(alphabet="abcXYZ019,*", max_size=6), min_size=1, max_size=4),
        max_size=8,
    ),
    st.sampled_from(["", "\n"]),
)
def test_join_groups_equals_python_join(groups: list[list[str]], separator: str) -> None:
    strings = pl.Series("s", [p for g in groups for p in g], dtype=pl.String)
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    joined = _join_groups(strings, np.cumsum(sizes) - sizes, separator)
    assert joined.to_list() == [separator.join(g) for g in groups]


@given(st.lists(st.text(alphabet="0123456789x-. ", min_size=0, max_size=17), max_size=20))
def test_read_digits_reads_all_digit_spans_only(values: list[str]) -> None:
    blob = ",".join(values).encode()
    data = np.frombuffer(blob + bytes(sc.PAD), dtype=np.uint8)
    lengths = np.array([len(v) for v in values], dtype=np.int64)
    first = np.cumsum(lengths + 1) - lengths - 1
    value, ok = _read_digits(data, first, lengths)
    for text, got, good in zip(values, value.tolist(), ok.tolist(), strict=True):
        fast = text.isdigit() and 1 <= len(text) <= 15
        assert good == fast
        if fast:
            assert got == int(text)


@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(["a", "b\r", "", "c\r\r", "dd"]), min_size=1, max_size=5),
            st.sampled_from(["\n", "\r\n", "\r"]),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_build_lines_matches_a_python_split(parts: list[tuple[list[str], str]]) -> None:
    text = "".join("".join(words) + end for words, end in parts)
    array, count = _build_lines(text.encode())
    expected = re.split(r"\r\n|\r|\n", text)[:-1]
    assert count == len(expected)
    assert array.to_pylist() == expected


# -- tag blocks: the new parser against the earlier Polars implementation --------------


def reference_tag_values(contents: list[list[str]]) -> list[tuple[int, str | None, int, int]]:
    """(ts_us or NO_TIME, source, group id, reject flag) per line: the earlier regex code."""
    rows, blocks = [], []
    for row, line_blocks in enumerate(contents):
        for block in line_blocks:
            rows.append(row)
            blocks.append(block)
    fields = (
        pl.DataFrame(
            {"row": rows, "content": blocks}, schema={"row": pl.Int64, "content": pl.String}
        )
        .with_columns(
            c=pl.col("content").str.extract(r"(?:^|,)c:([^,]*)", 1),
            s=pl.col("content").str.extract(r"(?:^|,)si?:([^,]*)", 1),
            g=pl.col("content").str.extract(r"(?:^|,)g:\d+-\d+-(\d+)(?:,|$)", 1),
        )
        .group_by("row", maintain_order=True)
        .agg(
            pl.col("c").drop_nulls().first(),
            pl.col("s").drop_nulls().first(),
            pl.col("g").drop_nulls().first(),
        )
        .with_columns(seconds=pl.col("c").cast(pl.Float64, strict=False))
        .with_columns(
            seconds=pl.when(pl.col("seconds") > MS_THRESHOLD)
            .then(pl.col("seconds") / 1000)
            .otherwise(pl.col("seconds"))
        )
    )
    out = []
    for row in range(len(contents)):
        hit = fields.filter(pl.col("row") == row)
        c, s, g, seconds = hit.select("c", "s", "g", "seconds").row(0)
        group = -1
        if g is not None:
            group = int(g) if len(g) < 19 or int(g) < 2**63 else -1
        flag = 0
        ts = NO_TIME
        if c is not None and seconds is None:
            flag = 1
        elif seconds is not None:
            if seconds < 0 or seconds >= MAX_EPOCH_S or not np.isfinite(seconds):
                flag = 2
            else:
                ts = int(np.round(seconds * 1_000_000))
        out.append((ts, s, group, flag))
    return out


FIELD = st.one_of(
    st.builds(lambda v: f"c:{v}", st.integers(0, 5_000_000_000)),
    st.builds(lambda v: f"c:{v}", st.integers(10**11, 10**13)),
    st.builds(lambda v: f"c:{v}", st.sampled_from(["", "-5", "1.5e9", "12x", "0017", "nan", " 9"])),
    st.builds(lambda v: f"s:{v}", st.text(alphabet="rAB0123_:-", max_size=8)),
    st.builds(lambda v: f"si:{v}", st.text(alphabet="AISD0", max_size=5)),
    st.builds(
        lambda a, b, c: f"g:{a}-{b}-{c}",
        st.integers(1, 3),
        st.integers(1, 3),
        st.integers(0, 99_999_999_999_999_999_999),
    ),
    st.sampled_from(["g:1-2", "g:x-2-3", "g:1-2-3-4", "T:2024", "n:12", "x", ""]),
)


@given(
    st.lists(
        st.lists(st.lists(FIELD, min_size=1, max_size=4), min_size=1, max_size=3),
        min_size=1,
        max_size=6,
    )
)
def test_tag_blocks_parse_like_the_regex_reference(lines: list[list[list[str]]]) -> None:
    contents = [[",".join(fields) for fields in blocks] for blocks in lines]
    texts = ["".join("\\" + cs(block) + "\\" for block in blocks) + VDM for blocks in contents]
    array = pa.array(texts, pa.large_string())
    data, offsets = _buffers(array)
    scan = sc.scan_lines(data, offsets)
    assert (scan.code == sc.C_OK).all()
    wrappers = parse_wrappers(scan, pl.Series(array))
    expected = reference_tag_values(contents)
    for row, (ts, source, group, flag) in enumerate(expected):
        got_source = None
        if wrappers.tag_src_first[row] >= 0:
            got_source = (
                texts[row]
                .encode()[
                    wrappers.tag_src_first[row] - offsets[row] : wrappers.tag_src_stop[row]
                    - offsets[row]
                ]
                .decode()
            )
        assert got_source == source
        assert wrappers.group_id[row] == group
        codes = {0: sc.C_OK, 1: sc.C_TAG_TIME, 2: sc.C_TIME_RANGE}
        assert scan.code[row] == codes[flag]
        assert wrappers.tag_ts_us[row] == (ts if flag == 0 else NO_TIME)
