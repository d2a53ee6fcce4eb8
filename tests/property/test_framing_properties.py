"""Property tests for NMEA framing: no input crashes it, and every line is accounted for."""

from __future__ import annotations

import functools
import operator

import polars as pl
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from darkfleet import schema
from darkfleet.ingest.nmea import finish_nmea, frame_nmea
from darkfleet.ingest.sources import LineBatch

ARMOUR = "0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVW`abcdefghijklmnopqrstuvw"


def _cs(body: str) -> str:
    return f"{body}*{functools.reduce(operator.xor, body.encode(), 0):02X}"


@st.composite
def sentences(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 3))
    number = draw(st.integers(1, count))
    payload = draw(st.text(ARMOUR, min_size=1, max_size=40))
    seq = draw(st.sampled_from(["", "1", "2"]))
    channel = draw(st.sampled_from(["A", "B", ""]))
    body = f"AIVDM,{count},{number},{seq},{channel},{payload},{draw(st.integers(0, 5))}"
    line = "!" + _cs(body)
    prefix = draw(
        st.sampled_from(["", "\\" + _cs("s:R1,c:1600000000") + "\\", "\\" + _cs("g:1-2-9") + "\\"])
    )
    suffix = draw(st.sampled_from(["", ",r003669946,1152921693", ",1412524603"]))
    return prefix + line + suffix


def _mutate(line: str, data: st.DataObject) -> str:
    if not line:
        return line
    position = data.draw(st.integers(0, len(line) - 1))
    kind = data.draw(st.sampled_from(["delete", "replace", "insert", "truncate"]))
    char = data.draw(st.characters(codec="utf-8", exclude_categories=["Cs"]))
    if kind == "delete":
        return line[:position] + line[position + 1 :]
    if kind == "replace":
        return line[:position] + char + line[position + 1 :]
    if kind == "insert":
        return line[:position] + char + line[position:]
    return line[:position]


context_lines = st.sampled_from(
    [
        "",
        "# note",
        "\\" + _cs("si:AISD") + "\\",
        "$" + _cs("PGHP,1,2013,11,12,12,0,0,11,219,,2190067,1,62"),
        "$" + _cs("GPGGA,1,2"),
        "garbage \x00\x7f",
        "\\",
    ]
)


@given(data=st.data(), n_lines=st.integers(0, 25), batch_lines=st.integers(1, 10))
def test_random_and_mutated_lines_are_all_accounted_for(
    data: st.DataObject, n_lines: int, batch_lines: int
) -> None:
    lines = []
    for _ in range(n_lines):
        line = data.draw(st.one_of(sentences(), context_lines, st.text(max_size=30)))
        if data.draw(st.booleans()):
            line = _mutate(line, data)
        lines.append(line.replace("\n", " ").replace("\r", " "))
    state = None
    in_messages = rejected = counted = seen = 0
    reasons: set[str] = set()
    for first in range(0, len(lines), batch_lines):
        chunk = pa.array(lines[first : first + batch_lines], pa.large_string())
        framed = frame_nmea(LineBatch("fuzz", "0" * 16, first + 1, chunk), state)
        state = framed.state
        seen += framed.counts["lines"]
        in_messages += sum(raw.count("\n") + 1 for raw in framed.messages["raw"])
        rejected += len(framed.rejects)
        counted += framed.counts["blank"] + framed.counts["comment"]
        reasons |= set(framed.rejects["reason"])
        assert framed.rejects.schema == pl.Schema(schema.REJECTS)
    if state is not None:
        final = finish_nmea(state)
        rejected += len(final)
        reasons |= set(final["reason"])
    assert seen == len(lines)
    assert in_messages + rejected + counted == len(lines)
    assert reasons <= set(schema.REJECT_REASONS) - {"duplicate"}


@given(st.lists(sentences(), max_size=20))
def test_valid_single_sentences_are_never_rejected(lines: list[str]) -> None:
    singles = [line for line in lines if line.split("!", 1)[1].split(",")[1] == "1"]
    framed = frame_nmea(LineBatch("ok", "0" * 16, 1, pa.array(singles, pa.large_string())))
    assert framed.rejects.is_empty()
    assert len(framed.messages) == len(singles)
