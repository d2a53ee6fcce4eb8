"""Tests for darkfleet.ingest.nmea framing: lines -> complete AIS messages + rejects."""

from __future__ import annotations

import functools
import gzip
import operator
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

from darkfleet import schema
from darkfleet.errors import ConfigError
from darkfleet.ingest.nmea import MESSAGES, FramingState, finish_nmea, frame_nmea
from darkfleet.ingest.nmea.tagblock import civil_to_us
from darkfleet.ingest.sources import LineBatch

PAYLOAD = "13HOI:0P0000VOHLCnHQKwvL05Ip"
PART1 = "55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53"
PART2 = "1@0000000000000"


def cs(body: str) -> str:
    """``body`` with its NMEA checksum appended as "*hh"."""
    return f"{body}*{functools.reduce(operator.xor, body.encode(), 0):02X}"


def vdm(
    payload: str = PAYLOAD,
    count: int = 1,
    number: int = 1,
    seq: str = "",
    channel: str = "A",
    fill: int = 0,
    talker: str = "AI",
    kind: str = "VDM",
) -> str:
    return "!" + cs(f"{talker}{kind},{count},{number},{seq},{channel},{payload},{fill}")[0:]


def tag(fields: str) -> str:
    return "\\" + cs(fields) + "\\"


def frame(lines: list[str], **kwargs: object) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    """Frame ``lines`` as one file; rejects include those of finish_nmea."""
    framed = frame_nmea(
        LineBatch("t.nmea", "f" * 16, 1, pa.array(lines, pa.large_string())), **kwargs
    )  # type: ignore[arg-type]
    rejects = pl.concat([framed.rejects, finish_nmea(framed.state)])
    return framed.messages, rejects, framed.counts


def test_single_sentence_message_has_all_columns() -> None:
    messages, rejects, counts = frame([vdm()])
    assert dict(messages.schema) == dict(MESSAGES)
    assert messages.row(0, named=True) == {
        "payload": PAYLOAD,
        "fill_bits": 0,
        "ts": None,
        "ts_origin": None,
        "source": None,
        "channel": "A",
        "talker": "AI",
        "is_own_ship": False,
        "line_no": 1,
        "raw": vdm(),
        "file": "t.nmea",
        "file_id": "f" * 16,
    }
    assert rejects.is_empty()
    assert counts["lines"] == counts["ais_sentences"] == counts["messages"] == 1


def test_vdo_is_own_ship_and_any_talker_accepted() -> None:
    messages, _, _ = frame([vdm(kind="VDO", talker="BS", channel="")])
    assert messages.select("is_own_ship", "talker", "channel").row(0) == (True, "BS", "")


def test_bad_checksum_rejected_with_expected_and_found() -> None:
    line = vdm()[:-2] + "00"
    _, rejects, _ = frame([line])
    computed = vdm()[-2:]
    assert rejects.select("line_no", "raw", "reason").row(0) == (1, line, "checksum")
    assert (
        rejects["detail"][0] == f"sentence checksum mismatch: computed {computed}, the line says 00"
    )
    assert dict(rejects.schema) == dict(schema.REJECTS)


@pytest.mark.parametrize(
    ("line", "detail_part"),
    [
        ("!" + cs("AIVDM,0,1,,A,13HOI,0"), "fragment count"),
        ("!" + cs("AIVDM,12,1,,A,13HOI,0"), "fragment count"),
        ("!" + cs("AIVDM,1,2,,A,13HOI,0"), "fragment number"),
        ("!" + cs("AIVDM,2,0,,A,13HOI,0"), "fragment number"),
        ("!" + cs("AIVDM,1,1,x,A,13HOI,0"), "sequence id"),
        ("!" + cs("AIVDM,1,1,,AB,13HOI,0"), "channel"),
        ("!" + cs("AIVDM,1,1,,A,,0"), "payload) is empty"),
        ("!" + cs("AIVDM,1,1,,A,13H OI,0"), "6-bit alphabet"),
        ("!" + cs("AIVDM,1,1,,A,13H[OI,0"), "6-bit alphabet"),
        ("!" + cs("AIVDM,1,1,,A,13HOI,6"), "fill bits"),
        ("!" + cs("AIVDM,1,1,,A,13HOI,x"), "fill bits"),
        ("!" + cs("AIVDM,1,1,,A,13HOI,0,1,2"), "field count"),
        ("!" + cs("AIVDM,1,1,,A,13HOI"), "field count"),
        ("!AIVDM,1,1,,A,13HOI,0", "checksum"),
        ("!AIVDM,1,1,,A,13HOI,0*G1", "checksum"),
        (vdm() + "junk", "after the '*hh' checksum"),
        ("hello world", "not an NMEA sentence"),
        ("\\s:x*00", "tag block not closed"),
        ("caf\u00e9 " + vdm(), "non-ASCII"),
        (vdm()[:20] + "\ufffd" + vdm()[21:], "non-ASCII"),
    ],
)
def test_malformed_lines_rejected_with_the_field_named(line: str, detail_part: str) -> None:
    messages, rejects, _ = frame([line])
    assert messages.is_empty()
    assert rejects["reason"].to_list() == ["malformed"]
    assert detail_part in rejects["detail"][0]
    assert rejects["raw"][0] == line


def test_gofree_extra_digit_field_is_accepted() -> None:
    line = "!" + cs(f"AIVDM,1,1,3,,{PAYLOAD},0,0")
    messages, rejects, _ = frame([line])
    assert messages["payload"].to_list() == [PAYLOAD]
    assert rejects.is_empty()


def test_other_nmea_is_not_ais_blank_and_comment_are_counted() -> None:
    lines = ["$" + cs("GPGGA,1,2"), "", "   ", "# a comment", vdm()]
    messages, rejects, counts = frame(lines)
    assert len(messages) == 1
    assert rejects.select("line_no", "reason").rows() == [(1, "not ais")]
    assert "$GPGGA" in rejects["detail"][0]
    assert (counts["blank"], counts["comment"]) == (2, 1)


def test_tag_block_time_in_seconds_and_milliseconds_and_source() -> None:
    lines = [tag("s:rST1,c:1635731889") + vdm(), tag("c:1635731889500,s:x") + vdm()]
    messages, rejects, _ = frame(lines)
    assert rejects.is_empty()
    assert messages["ts"].to_list() == [
        datetime(2021, 11, 1, 1, 58, 9, tzinfo=UTC),
        datetime(2021, 11, 1, 1, 58, 9, 500_000, tzinfo=UTC),
    ]
    assert messages["ts_origin"].to_list() == ["tag", "tag"]
    assert messages["source"].to_list() == ["rST1", "x"]


def test_bad_tag_block_checksum_and_time_are_rejected() -> None:
    good = tag("c:1635731889")
    broken = good[:-3] + "00\\"
    lines = [broken + vdm(), tag("c:abc") + vdm(), tag("c:9999999999") + vdm()]
    _, rejects, _ = frame(lines)
    assert rejects["reason"].to_list() == ["checksum", "malformed", "out of range"]
    assert "tag block checksum mismatch" in rejects["detail"][0]


def test_several_tag_blocks_before_one_sentence() -> None:
    messages, rejects, _ = frame([tag("s:A") + tag("c:1000000000") + vdm()])
    assert rejects.is_empty()
    assert messages.select("source", "ts_origin").row(0) == ("A", "tag")


def test_uscg_trailer_gives_station_and_first_epoch() -> None:
    lines = [
        vdm() + ",r003669946,1152921693",
        vdm() + ",d-109,S2105,t050056.00,T56.137,r003669946,1325394060,1325394001",
        vdm() + ",1412524603",
        vdm() + ",s29534",
    ]
    messages, rejects, _ = frame(lines)
    assert rejects.is_empty()
    assert messages["source"].to_list() == ["r003669946", "r003669946", None, None]
    assert messages["ts"].dt.epoch("s").to_list() == [1152921693, 1325394060, 1412524603, None]
    assert messages["ts_origin"].to_list() == ["uscg", "uscg", "uscg", None]


def test_dma_tag_line_and_pghp_apply_to_the_next_sentence_and_its_fragments() -> None:
    lines = [
        tag("si:AISD"),
        "$" + cs("PGHP,1,2013,11,12,12,0,0,11,219,,2190067,1,62"),
        vdm(PART1, 2, 1, "1", "B"),
        vdm(PART2, 2, 2, "1", "B", fill=2),
        vdm(),
    ]
    messages, rejects, counts = frame(lines)
    assert rejects.is_empty()
    assert counts["context_lines"] == 2
    first = messages.row(0, named=True)
    assert first["payload"] == PART1 + PART2
    assert first["fill_bits"] == 2
    assert first["ts"] == datetime(2013, 11, 12, 12, 0, 0, 11_000, tzinfo=UTC)
    assert (first["ts_origin"], first["source"], first["line_no"]) == ("pghp", "AISD", 3)
    assert first["raw"] == "\n".join(lines[:4])
    # The last sentence has no context of its own: no time, no source.
    assert messages.row(1, named=True)["ts"] is None


def test_pghp_without_sentence_is_incomplete_and_before_non_ais_shares_its_reject() -> None:
    lines = [
        tag("si:AISD"),
        "$" + cs("PGHP,1,2013,11,12,12,0,0,11,219,,2190067,1,6D"),
        "$" + cs("PSTT,30A,20131112,120000"),
        "$" + cs("PGHP,1,2013,11,12,12,0,0,11,219,,2190067,1,6D"),
    ]
    _, rejects, _ = frame(lines)
    assert rejects.select("line_no", "reason").rows() == [
        (1, "not ais"),
        (2, "not ais"),
        (3, "not ais"),
        (4, "incomplete"),
    ]
    assert rejects["detail"][0].startswith("belongs to the sentence on line 3")


def test_bad_pghp_lines() -> None:
    lines = [
        "$" + cs("PGHP,1,2013,13,12,12,0,0,11,219,,1,1,62"),
        "$" + cs("PGHP,1,2013,x,12,12,0,0,11"),
        "$" + cs("PGHP,2,2013,1,12,12,0,0,11,219,,1,1,62"),
        vdm(),
    ]
    messages, rejects, _ = frame(lines)
    assert rejects["reason"].to_list() == ["out of range", "malformed", "unsupported"]
    assert messages["ts"].to_list() == [None]


def test_time_priority_tag_over_uscg_over_pghp_over_assumed() -> None:
    assumed = datetime(2020, 1, 1, tzinfo=UTC)
    pghp = "$" + cs("PGHP,1,2013,11,12,12,0,0,11,219,,2190067,1,62")
    lines = [
        pghp,
        tag("c:1000000000") + vdm() + ",r1,1100000000",
        pghp,
        vdm() + ",r1,1100000000",
        pghp,
        vdm(),
        vdm(),
    ]
    messages, _, _ = frame(lines, assume_time=assumed)
    assert messages["ts_origin"].to_list() == ["tag", "uscg", "pghp", "assumed"]
    assert messages["ts"].to_list()[-1] == assumed


def test_naive_assume_time_is_refused() -> None:
    with pytest.raises(ConfigError, match="timezone-aware"):
        frame([vdm()], assume_time=datetime(2020, 1, 1))


def test_interleaved_multipart_messages_are_joined_by_key() -> None:
    lines = [
        vdm(PART1, 2, 1, "1", "A"),
        vdm(PART1[::-1], 2, 1, "2", "A"),
        vdm(),
        vdm(PART2, 2, 2, "1", "A"),
        vdm("2" + PART2, 2, 2, "2", "A"),
    ]
    messages, rejects, _ = frame(lines)
    assert rejects.is_empty()
    assert messages.select("payload", "line_no").rows() == [
        (PART1 + PART2, 1),
        (PART1[::-1] + "2" + PART2, 2),
        (PAYLOAD, 3),
    ]
    assert messages["raw"][0] == lines[0] + "\n" + lines[3]


def test_out_of_order_fragments_are_joined() -> None:
    lines = [vdm(PART2, 2, 2, "3", "B"), vdm(PART1, 2, 1, "3", "B")]
    messages, rejects, _ = frame(lines)
    assert rejects.is_empty()
    assert messages.select("payload", "line_no").rows() == [(PART1 + PART2, 1)]
    assert messages["raw"][0] == "\n".join(lines)


def test_repeated_fragment_number_starts_over_and_the_stale_one_is_incomplete() -> None:
    lines = [vdm("AAAA", 2, 1, "3", "B"), vdm(PART1, 2, 1, "3", "B"), vdm(PART2, 2, 2, "3", "B")]
    messages, rejects, _ = frame(lines)
    assert messages["payload"].to_list() == [PART1 + PART2]
    assert rejects.select("line_no", "reason").rows() == [(1, "incomplete")]
    assert "fragment 1 of 2, sequence id 3, channel B" in rejects["detail"][0]


def test_tag_block_group_joins_fragments_whatever_their_sequence_ids() -> None:
    lines = [
        tag("g:1-2-77,s:SAT,c:1418169601") + vdm(PART1, 2, 1, "6", "A"),
        tag("g:2-2-77") + vdm(PART2, 2, 2, "7", "A"),
    ]
    messages, rejects, _ = frame(lines)
    assert rejects.is_empty()
    assert messages.select("payload", "source", "ts_origin").row(0) == (PART1 + PART2, "SAT", "tag")


def test_fragments_too_far_apart_are_incomplete() -> None:
    lines = [vdm(PART1, 2, 1, "1", "A"), *[vdm()] * 5, vdm(PART2, 2, 2, "1", "A")]
    state = FramingState(file="t.nmea", file_id="f" * 16, window_lines=3)
    framed = frame_nmea(LineBatch("t.nmea", "f" * 16, 1, pa.array(lines)), state)
    rejects = pl.concat([framed.rejects, finish_nmea(framed.state)])
    assert len(framed.messages) == 5
    assert sorted(rejects["line_no"].to_list()) == [1, 7]
    assert set(rejects["reason"]) == {"incomplete"}


def test_fragments_spanning_batches_are_carried_and_joined() -> None:
    first = LineBatch(
        "t.nmea", "f" * 16, 1, pa.array([vdm(), tag("si:X"), vdm(PART1, 2, 1, "1", "A")])
    )
    second = LineBatch("t.nmea", "f" * 16, 4, pa.array([vdm(PART2, 2, 2, "1", "A"), vdm()]))
    framed1 = frame_nmea(first)
    assert framed1.counts["carried_lines"] == 2
    assert len(framed1.messages) == 1
    framed2 = frame_nmea(second, framed1.state)
    assert framed2.messages.select("payload", "line_no", "source").rows() == [
        (PART1 + PART2, 3, "X"),
        (PAYLOAD, 5, None),
    ]
    assert framed2.counts["lines"] == 2
    assert finish_nmea(framed2.state).is_empty()


def test_unfinished_fragment_rejected_by_finish_with_its_context() -> None:
    framed = frame_nmea(
        LineBatch("t.nmea", "f" * 16, 1, pa.array([tag("si:X"), vdm(PART1, 2, 1, "1", "A")]))
    )
    assert framed.rejects.is_empty()
    assert framed.messages.is_empty()
    rejects = finish_nmea(framed.state)
    assert rejects.select("line_no", "reason").rows() == [(1, "incomplete"), (2, "incomplete")]
    assert "before the end of the file" in rejects["detail"][1]
    assert dict(rejects.schema) == dict(schema.REJECTS)


def test_state_of_another_file_is_refused() -> None:
    framed = frame_nmea(LineBatch("a", "1" * 16, 1, pa.array([vdm()])))
    with pytest.raises(ConfigError, match="start a new state"):
        frame_nmea(LineBatch("b", "2" * 16, 1, pa.array([vdm()])), framed.state)


def test_window_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="window_lines"):
        FramingState(file="a", file_id="1", window_lines=0)


def test_empty_and_null_lines() -> None:
    messages, rejects, counts = frame([])
    assert messages.is_empty()
    assert rejects.is_empty()
    assert counts["lines"] == 0
    framed = frame_nmea(LineBatch("t", "f" * 16, 1, pa.array([None, vdm()], pa.string())))
    assert framed.counts["blank"] == 1
    assert len(framed.messages) == 1


def test_civil_to_us_matches_datetime() -> None:
    import numpy as np

    moments = [
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(2000, 2, 29, 23, 59, 59, 999_000, tzinfo=UTC),
        datetime(2024, 12, 31, 1, 2, 3, tzinfo=UTC),
        datetime(2099, 3, 1, tzinfo=UTC),
    ]
    fields = [
        np.array([getattr(m, a) for m in moments])
        for a in ("year", "month", "day", "hour", "minute", "second")
    ]
    fields.append(np.array([m.microsecond // 1000 for m in moments]))
    us, valid = civil_to_us(*fields)
    assert valid.all()
    assert us.tolist() == [int(m.timestamp() * 1_000_000) for m in moments]
    _, invalid = civil_to_us(*[np.array([v]) for v in (2023, 2, 29, 0, 0, 0, 0)])
    assert not invalid.any()


def test_every_line_accounted_for_in_a_mixed_batch() -> None:
    lines = [
        vdm(),
        "",
        "#c",
        "$" + cs("GPRMC,1"),
        "junk",
        vdm(PART1, 2, 1, "1", "A"),
        vdm(PART2, 2, 2, "1", "A"),
        vdm()[:-1] + "0",
        tag("si:X"),
    ]
    messages, rejects, counts = frame(lines)
    in_messages = sum(raw.count("\n") + 1 for raw in messages["raw"])
    assert in_messages + len(rejects) + counts["blank"] + counts["comment"] == len(lines)
    assert Counter(rejects["reason"]) == Counter(
        {"not ais": 1, "malformed": 1, "checksum": 1, "incomplete": 1}
    )


# --- Real logs in shared/data/real ---------------------------------------------------------

#: file -> (complete messages, reject reasons). Every rejected line was looked at; the
#: comment says what it is.
REAL_LOGS: dict[str, tuple[int, dict[str, int]]] = {
    # 8 type-6 sentences with fill bits 6 (valid checksums, broken transmitter); 2 pairs of
    # fragments whose sequence ids differ (2,1,4 + 2,2,1 and 2,1,2 + 2,2,1): incomplete.
    "aishub-nmea-sample/nmea-sample.txt": (82750, {"malformed": 8, "incomplete": 4}),
    # $PSTT base-station status sentences, with the \si tag line and $PGHP before them.
    "dma-aisabnormal/ais-sample_2013-11-12.txt.gz": (26077, {"not ais": 2706}),
    "dma-aisabnormal/events/212123000_drift_1.ais": (3130, {"not ais": 95}),
    "dma-aisabnormal/events/219165000_ssc_1.ais": (80, {"not ais": 3}),
    "dma-aisabnormal/events/538004030_drift_1.ais": (5252, {"not ais": 227}),
    # "!AIVDM,1,1,,B,,0*25" (empty payload); "!AIVDM,o=cf0Knevo00`4W,0*20" and
    # "!AIVDM,1,1$PSHI,..." (damaged, checksums fail); the last line is fragment 1 of 2.
    "bcl-aisparser/SAR.log": (12754, {"malformed": 1, "checksum": 2, "incomplete": 1}),
    "bcl-aisparser/seattle.log": (614, {}),
    "bcl-aisparser/tidemsg8.log": (178, {}),
    # The header line "Virtual AIS Receiver Stream Broadcast v1.1.0 <DEMO>".
    "bcl-aisparser/unknown.log": (6727, {"malformed": 1}),
    # "!AIVDM,2,2,9,A,,0*1F" (empty payload) leaves its fragment 1 incomplete; line 8212
    # holds two sentences run together (text after the checksum).
    "vietnam-captures-2024/haiphong_2024-10-04_tcp.txt": (9293, {"incomplete": 1, "malformed": 2}),
    # "!AIVDM,  ,1,,B,..." (damaged fragment count, checksum fails).
    "vietnam-captures-2024/hochiminh_2024-10-21.txt": (7595, {"checksum": 1}),
    # 8 lines holding two sentences joined by a literal "\r\n" text.
    "dma-aislib/ais250_socal_2017.txt": (235, {"malformed": 8}),
    "dma-aislib/decode_encode_messages_2011.txt": (601, {}),
    "dma-aislib/replay_dump_2013-03-18.txt": (50, {}),
    "dma-aislib/stream_example_2010-06-11.txt": (4051, {}),
    "gpsd-ais/ais-nmea-type6-fid55.log": (1326, {}),
    # Two fragments ending in a literal "\x0d\x0a" text; "AIVDM,2,2,1,B,..." without '!';
    # the two fragments 1 these leave behind; line 265's fragment 1 (no station) and line
    # 266's fragment 2 (station b003660465) differ in source, so they are not joined.
    "gpsd-ais/sample.aivdm": (100, {"incomplete": 2, "malformed": 3}),
    # GPS, heading, wind, $AITXT, $AISSD, $AIVSD sentences of a boat's bus.
    "signalk-nl-samples/gofree-merrimac.log": (1459, {"not ais": 4817}),
    "signalk-nl-samples/nais300-merrimac.log": (536, {"not ais": 30}),
    "signalk-nl-samples/nais400-merrimac.log": (668, {"not ais": 62}),
    # $PAIS station status sentences.
    "noaadata-uscg/test.ais": (853, {"not ais": 15}),
    "aisdb-testdata/test_data_20211101.nm4": (979, {}),
    "libais-testdata/tagblock.nmea": (4, {}),
    "libais-testdata/typeexamples.nmea": (26, {}),
    "libais-testdata/test.aivdm": (261, {}),
}

#: Complete messages pyais assembles that darkfleet rejects, and why pyais is wrong.
PYAIS_ONLY: dict[str, list[str]] = {
    # "!AIVDM,1,1,,B,,0*25": pyais yields a message with no payload at all.
    "bcl-aisparser/SAR.log": [""],
    # pyais joins fragment 1 with an empty fragment 2 ("!AIVDM,2,2,9,A,,0*1F"), and reads
    # the first half of a line holding two sentences run together.
    "vietnam-captures-2024/haiphong_2024-10-04_tcp.txt": [
        "8>mWA6@0Gk3h?hV85`Pb1?t0nR06EuOwgrGWwnSwe7wvlOwwsAwwnSGmwvh0",
        "18SoBj0P00Wb95p;vO5;rgvL20S<",
    ],
    # pyais ignores the literal "\x0d\x0a" text after the checksums, and joins fragments
    # of different sources (darkfleet keys fragments on the source, which keeps receivers
    # of a multi-station feed apart).
    "gpsd-ais/sample.aivdm": [
        "8>qc9wiKf>d=Cq5r0mdew:?DLq>1LmhHrsqmBCKnJ503OLc=UCRp",
        "E03l90w4Q1h3h1:WdPOwwwwwwwwlQdn`:e55020@@@gP000000000000000000",
    ],
}


def _frame_file(
    path: Path, batch_lines: int = 1_000_000
) -> tuple[pl.DataFrame, pl.DataFrame, Counter[str]]:
    from darkfleet.ingest.sources import expand_inputs, iter_line_batches

    [source] = expand_inputs([str(path)], spool_dir=path.parent)
    state = None
    messages, rejects, counts = [], [], Counter[str]()
    for batch in iter_line_batches(source, batch_lines=batch_lines):
        framed = frame_nmea(batch, state)
        state = framed.state
        messages.append(framed.messages)
        rejects.append(framed.rejects)
        counts.update(framed.counts)
    assert state is not None
    rejects.append(finish_nmea(state))
    return pl.concat(messages), pl.concat(rejects), counts


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(REAL_LOGS))
def test_real_log_every_line_accounted_for_and_rejects_explained(
    shared_real: Path, name: str
) -> None:
    messages, rejects, counts = _frame_file(shared_real / name)
    expected_messages, expected_reasons = REAL_LOGS[name]
    opener = gzip.open if name.endswith(".gz") else open
    with opener(shared_real / name, "rb") as handle:
        total_lines = len(handle.read().splitlines())
    in_messages = int(messages["raw"].str.count_matches("\n").sum()) + len(messages)
    assert counts["lines"] == total_lines
    assert in_messages + len(rejects) + counts["blank"] + counts["comment"] == total_lines
    # No line twice: the line numbers of messages' lines and rejects are distinct.
    assert rejects["line_no"].n_unique() == len(rejects)
    assert len(messages) == expected_messages
    assert dict(Counter(rejects["reason"])) == expected_reasons
    assert set(rejects["reason"]) <= set(schema.REJECT_REASONS)
    if "not ais" in expected_reasons:  # a sentence, or a context line belonging to one
        not_ais = rejects.filter(pl.col("reason") == "not ais")
        assert not_ais["raw"].str.contains(r"^[$!\\]").all()
        assert not not_ais["raw"].str.contains(r"VD[MO],").any()


def _pyais_payloads(path: Path) -> Counter[str]:
    """Payloads pyais's stream assembles whose sentences all have valid checksums."""
    from pyais.stream import BinaryIOStream

    def valid(sentence: bytes) -> bool:
        body, _, rest = sentence[1:].partition(b"*")
        try:
            return functools.reduce(operator.xor, body, 0) == int(rest[:2], 16)
        except ValueError:
            return False

    opener = gzip.open if path.suffix == ".gz" else open
    payloads: Counter[str] = Counter()
    with opener(path, "rb") as handle:
        for message in BinaryIOStream(handle):
            if all(valid(s) for s in message.raw.split(b"\n")):
                payloads[message.payload.decode()] += 1
    return payloads


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(REAL_LOGS))
def test_real_log_messages_equal_what_pyais_assembles(shared_real: Path, name: str) -> None:
    messages, _, _ = _frame_file(shared_real / name)
    ours = Counter(messages["payload"])
    theirs = _pyais_payloads(shared_real / name)
    assert ours - theirs == Counter()
    assert sorted((theirs - ours).elements()) == sorted(PYAIS_ONLY.get(name, []))


@pytest.mark.shared
@pytest.mark.parametrize(
    "name",
    [
        "dma-aisabnormal/events/219165000_ssc_1.ais",
        "aisdb-testdata/test_data_20211101.nm4",
        "bcl-aisparser/tidemsg8.log",
        "gpsd-ais/sample.aivdm",
    ],
)
def test_batch_size_does_not_change_the_result(shared_real: Path, name: str) -> None:
    whole = _frame_file(shared_real / name)
    pieces = _frame_file(shared_real / name, batch_lines=7)
    assert whole[0].equals(pieces[0])
    assert whole[1].sort("line_no").equals(pieces[1].sort("line_no"))
