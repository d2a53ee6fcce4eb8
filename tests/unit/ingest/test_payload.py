"""Unit tests of ``darkfleet.ingest.nmea.payload.decode_messages``."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.errors import SchemaError
from darkfleet.ingest.nmea import payload as payload_module
from darkfleet.ingest.nmea.payload import MESSAGE_INPUT, DecodedMessages, decode_messages
from tests._payload_support import encode, messages_frame

# gpsd's sample.aivdm, first type 1 message (reference decode in its comments).
GPSD_TYPE_1 = "15RTgt0PAso;90TKcjM8h6g208CQ"


def decode(
    payloads: list[str | None], fill_bits: list[int | None] | None = None
) -> DecodedMessages:
    return decode_messages(messages_frame(payloads, fill_bits))


def decode_one(fields: dict[str, object]) -> DecodedMessages:
    payload, fill = encode(fields)
    return decode([payload], [fill])


def only_row(frame: pl.DataFrame) -> dict[str, object]:
    assert frame.height == 1, frame
    return frame.row(0, named=True)


def test_class_a_report_decodes_gpsd_reference_values() -> None:
    row = only_row(decode([GPSD_TYPE_1]).positions)
    assert row["mmsi"] == 371798000
    assert row["lat"] == pytest.approx(48.38163333333, abs=1e-9)
    assert row["lon"] == pytest.approx(-123.395383333, abs=1e-9)
    assert row["sog_knots"] == pytest.approx(12.3, abs=1e-6)
    assert row["cog_deg"] == pytest.approx(224.0)
    assert row["heading_deg"] == 215
    assert row["nav_status"] == 0
    assert row["msg_type"] == 1


@pytest.mark.parametrize("msg_type", [1, 2, 3])
def test_class_a_not_available_values_become_nulls(msg_type: int) -> None:
    fields = {"msg_type": msg_type, "mmsi": 211000001, "status": 15, "lat": 91, "lon": 181,
              "speed": 102.3, "course": 360, "heading": 511}  # fmt: skip
    row = only_row(decode_one(fields).positions)
    assert row["lat"] is None
    assert row["lon"] is None
    assert row["sog_knots"] is None
    assert row["cog_deg"] is None
    assert row["heading_deg"] is None
    assert row["nav_status"] == 15  # "not defined" is a status code, kept as sent
    assert row["msg_type"] == msg_type


def test_class_a_undefined_heading_and_course_become_nulls_but_position_is_kept() -> None:
    fields = {"msg_type": 1, "mmsi": 211000001, "lat": 54.5, "lon": 10.25, "speed": 102.2,
              "course": 409.5, "heading": 480}  # fmt: skip
    row = only_row(decode_one(fields).positions)
    assert (row["lat"], row["lon"]) == (pytest.approx(54.5), pytest.approx(10.25))
    assert row["sog_knots"] == pytest.approx(102.2, abs=1e-5)  # 1022 = "102.2 kn or more"
    assert row["cog_deg"] is None
    assert row["heading_deg"] is None


def test_signed_coordinates_decode_as_twos_complement() -> None:
    fields = {"msg_type": 1, "mmsi": 725000001, "lat": -53.123456, "lon": -70.654321}
    row = only_row(decode_one(fields).positions)
    assert row["lat"] == pytest.approx(-53.123456, abs=1e-6)
    assert row["lon"] == pytest.approx(-70.654321, abs=1e-6)


@pytest.mark.parametrize(
    ("lat", "lon", "detail"),
    [
        (95.0, 10.0, "lat 95.0 outside -90..90"),
        (-91.5, 10.0, "lat -91.5 outside -90..90"),
        (45.0, 190.0, "lon 190.0 outside -180..180"),
        (100.0, -200.0, "lat 100.0 outside -90..90; lon -200.0 outside -180..180"),
    ],
)
def test_position_outside_legal_range_is_rejected_naming_field_and_value(
    lat: float, lon: float, detail: str
) -> None:
    decoded = decode_one({"msg_type": 1, "mmsi": 211000001, "lat": lat, "lon": lon})
    assert decoded.positions.height == 0
    assert decoded.counts_by_type == {}
    reject = only_row(decoded.rejects)
    assert reject["reason"] == "out of range"
    assert reject["detail"] == detail
    assert reject["line_no"] == 1


def test_exact_limits_are_legal_positions() -> None:
    decoded = decode_one({"msg_type": 1, "mmsi": 211000001, "lat": -90.0, "lon": 180.0})
    row = only_row(decoded.positions)
    assert (row["lat"], row["lon"]) == (-90.0, 180.0)


def test_class_b_report_and_its_sentinels() -> None:
    decoded = decode_one({"msg_type": 18, "mmsi": 338000001, "speed": 5.4, "lat": 47.5,
                          "lon": -122.25, "course": 359.9, "heading": 511})  # fmt: skip
    row = only_row(decoded.positions)
    assert row["msg_type"] == 18
    assert row["sog_knots"] == pytest.approx(5.4, abs=1e-6)
    assert row["cog_deg"] == pytest.approx(359.9, abs=1e-4)
    assert row["heading_deg"] is None
    assert row["nav_status"] is None  # class B carries no navigational status


def test_sar_aircraft_speed_is_whole_knots_and_type_9_marks_it() -> None:
    decoded = decode_one({"msg_type": 9, "mmsi": 111232511, "alt": 303, "speed": 412,
                          "lat": 58.144, "lon": -6.278843, "course": 154.5})  # fmt: skip
    row = only_row(decoded.positions)
    assert row["msg_type"] == 9
    assert row["sog_knots"] == 412.0
    assert row["cog_deg"] == pytest.approx(154.5)
    assert row["heading_deg"] is None
    assert (
        only_row(decode_one({"msg_type": 9, "mmsi": 111232511, "speed": 1023}).positions)[
            "sog_knots"
        ]
        is None
    )


def test_long_range_report_uses_tenth_minutes_and_its_own_sentinels() -> None:
    row = only_row(decode_one({"msg_type": 27, "mmsi": 206914217, "status": 2, "lat": 4.8,
                               "lon": 137.0, "speed": 57, "course": 167}).positions)  # fmt: skip
    assert (row["lat"], row["lon"]) == (pytest.approx(4.8), pytest.approx(137.0))
    assert (row["sog_knots"], row["cog_deg"], row["nav_status"]) == (57.0, 167.0, 2)
    row = only_row(decode_one({"msg_type": 27, "mmsi": 206914217, "lat": 91, "lon": 181,
                               "speed": 63, "course": 511}).positions)  # fmt: skip
    assert (row["lat"], row["lon"], row["sog_knots"], row["cog_deg"]) == (None, None, None, None)


TYPE_5 = {"msg_type": 5, "mmsi": 351759000, "imo": 9134270, "callsign": "3FOF8",
          "shipname": "EVER DIADEM", "ship_type": 70, "to_bow": 225, "to_stern": 70,
          "to_port": 1, "to_starboard": 31, "draught": 12.2, "destination": "NEW YORK"}  # fmt: skip


def test_static_voyage_report_fields() -> None:
    decoded = decode_one(TYPE_5)
    assert decoded.positions.height == decoded.others.height == 0
    row = only_row(decoded.statics)
    assert row == row | {
        "mmsi": 351759000, "imo": 9134270, "name": "EVER DIADEM", "callsign": "3FOF8",
        "ship_type": 70, "destination": "NEW YORK", "to_bow_m": 225, "to_stern_m": 70,
        "to_port_m": 1, "to_starboard_m": 31, "length_m": 295, "beam_m": 32, "msg_type": 5,
        "part": None,
    }  # fmt: skip
    assert row["draught_m"] == pytest.approx(12.2, abs=1e-5)


def test_static_zeros_and_empty_text_become_nulls() -> None:
    fields = TYPE_5 | {"imo": 0, "callsign": "", "shipname": "   ", "ship_type": 0, "to_bow": 0,
                       "to_stern": 12, "to_port": 0, "to_starboard": 0, "draught": 0,
                       "destination": ""}  # fmt: skip
    row = only_row(decode_one(fields).statics)
    for column in ("imo", "name", "callsign", "ship_type", "draught_m", "destination",
                   "to_bow_m", "to_port_m", "to_starboard_m", "length_m", "beam_m"):  # fmt: skip
        assert row[column] is None, column
    assert row["to_stern_m"] == 12


def test_text_keeps_inner_spaces_and_strips_padding_and_leading_spaces() -> None:
    fields = TYPE_5 | {"shipname": "  MARIA  K ", "destination": "VOSTOCHNY @@"}
    row = only_row(decode_one(fields).statics)
    assert row["name"] == "MARIA  K"
    assert row["destination"] == "VOSTOCHNY"


def test_static_voyage_cut_in_destination_keeps_whole_characters() -> None:
    payload, _ = encode(TYPE_5)
    # 57 characters = 342 bits: destination (from bit 302) holds 6 whole characters.
    row = only_row(decode([payload[:57]], [0]).statics)
    assert row["destination"] == "NEW YO"
    assert row["name"] == "EVER DIADEM"


def test_static_voyage_without_its_draught_is_too_short() -> None:
    payload, _ = encode(TYPE_5)
    decoded = decode([payload[:50]], [0])  # 300 bits: the draught ends at bit 302
    reject = only_row(decoded.rejects)
    assert reject["reason"] == "too short"
    assert reject["detail"] == "type 5 needs at least 302 bits (through draught), payload holds 300"


def test_type_24_parts_a_and_b() -> None:
    a, fill_a = encode({"msg_type": 24, "mmsi": 271041815, "partno": 0, "shipname": "PROGUY"})
    b, fill_b = encode({"msg_type": 24, "mmsi": 271041815, "partno": 1, "ship_type": 60,
                        "vendorid": "1D00014", "callsign": "TC6163", "to_bow": 0, "to_stern": 15,
                        "to_port": 0, "to_starboard": 5})  # fmt: skip
    statics = decode([a, b], [fill_a, fill_b]).statics
    assert statics.select("part", "name", "callsign", "ship_type", "to_stern_m", "to_starboard_m",
                          "length_m").rows() == [
        (0, "PROGUY", None, None, None, None, None),
        (1, None, "TC6163", 60, 15, 5, None),
    ]  # fmt: skip


def test_type_24_part_b_of_auxiliary_craft_has_no_dimensions() -> None:
    b, fill = encode({"msg_type": 24, "mmsi": 982710001, "partno": 1, "ship_type": 37,
                      "callsign": "AUX1", "mothership_mmsi": 271041815})  # fmt: skip
    row = only_row(decode([b], [fill]).statics)
    assert (row["callsign"], row["ship_type"]) == ("AUX1", 37)
    assert [row[c] for c in ("to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m")] == [None] * 4


def test_type_24_part_b_without_dimensions_keeps_its_call_sign() -> None:
    b, _ = encode({"msg_type": 24, "mmsi": 271041815, "partno": 1, "ship_type": 60,
                   "callsign": "TC6163", "to_bow": 3, "to_stern": 15})  # fmt: skip
    row = only_row(decode([b[:24]], [0]).statics)  # 144 bits: the bow length only
    assert (row["callsign"], row["to_bow_m"], row["to_stern_m"]) == ("TC6163", 3, None)


def test_type_24_undefined_part_number_is_malformed() -> None:
    a, fill = encode({"msg_type": 24, "mmsi": 271041815, "partno": 0, "shipname": "X"})
    # Part number bits 38-39 live in character 6 (bits 36-41): set them to 2.
    sixbit = "0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVW`abcdefghijklmnopqrstuvw"
    value = (sixbit.index(a[6]) & 0b110011) | (2 << 2)
    decoded = decode([a[:6] + sixbit[value] + a[7:]], [fill])
    reject = only_row(decoded.rejects)
    assert (reject["reason"], reject["detail"]) == (
        "malformed", "type 24 part number 2 is undefined (0 = part A, 1 = part B)"
    )  # fmt: skip
    assert decoded.statics.height == 0


def test_type_24_part_a_cut_before_end_of_name_is_too_short() -> None:
    a, _ = encode({"msg_type": 24, "mmsi": 271041815, "partno": 0, "shipname": "PROGUY"})
    reject = only_row(decode([a[:25]], [0]).rejects)
    assert reject["reason"] == "too short"
    assert "part A needs at least 160 bits" in reject["detail"]


def test_type_19_lands_in_positions_and_statics_and_counts_once() -> None:
    decoded = decode_one({"msg_type": 19, "mmsi": 367059850, "speed": 8.7, "lat": 29.543695,
                          "lon": -88.810392, "course": 335.9, "heading": 511,
                          "shipname": "CAPT.J.RIMES", "ship_type": 70, "to_bow": 5,
                          "to_stern": 21, "to_port": 4, "to_starboard": 4})  # fmt: skip
    position = only_row(decoded.positions)
    static = only_row(decoded.statics)
    assert position["lat"] == pytest.approx(29.543695, abs=1e-6)
    assert (static["name"], static["ship_type"], static["length_m"], static["beam_m"]) == (
        "CAPT.J.RIMES", 70, 26, 8
    )  # fmt: skip
    assert position["line_no"] == static["line_no"] == 1
    assert decoded.counts_by_type == {19: 1}


def test_base_station_reports_utc_time_and_position() -> None:
    fields = {"msg_type": 4, "mmsi": 3669702, "year": 2007, "month": 5, "day": 14, "hour": 19,
              "minute": 57, "second": 39, "lat": 36.883767, "lon": -76.352362}  # fmt: skip
    row = only_row(decode_one(fields).others)
    assert row["station_ts"] == datetime(2007, 5, 14, 19, 57, 39, tzinfo=UTC)
    assert row["lat"] == pytest.approx(36.883767, abs=1e-6)
    assert row["msg_type"] == 4


@pytest.mark.parametrize(
    "date",
    [
        {"year": 0},  # not available
        {"month": 0},
        {"month": 13},
        {"day": 0},
        {"month": 2, "day": 30},
        {"year": 2023, "month": 2, "day": 29},
        {"hour": 24},  # not available
        {"minute": 60},
        {"second": 60},
    ],
)
def test_base_station_invalid_date_gives_null_time_not_a_reject(date: dict[str, int]) -> None:
    fields = {"msg_type": 11, "mmsi": 3669702, "year": 2024, "month": 2, "day": 29, "hour": 12,
              "minute": 0, "second": 0, "lat": 10.0, "lon": 20.0} | date  # fmt: skip
    decoded = decode_one(fields)
    assert decoded.rejects.height == 0
    row = only_row(decoded.others)
    assert row["station_ts"] is None
    assert row["lat"] == pytest.approx(10.0)


def test_base_station_not_available_position_is_null() -> None:
    fields = {"msg_type": 4, "mmsi": 2470052, "lat": 91, "lon": 181}
    row = only_row(decode_one(fields).others)
    assert (row["lat"], row["lon"]) == (None, None)


def test_aid_to_navigation_name_continues_into_its_extension() -> None:
    fields = {"msg_type": 21, "mmsi": 123456789, "aid_type": 20,
              "name": "CHINA ROSE MURPHY EX", "name_ext": "PRESS ALERT",
              "lat": 47.920618, "lon": -122.698592}  # fmt: skip
    row = only_row(decode_one(fields).others)
    assert row["name"] == "CHINA ROSE MURPHY EXPRESS ALERT"
    assert row["lon"] == pytest.approx(-122.698592, abs=1e-6)
    short = only_row(decode_one(fields | {"name": "IBC G BUOY", "name_ext": ""}).others)
    assert short["name"] == "IBC G BUOY"


def test_dgnss_reference_station_position() -> None:
    row = only_row(decode_one({"msg_type": 17, "mmsi": 2734450, "lat": -44.7 * 10,
                               "lon": 134.4 * 10}).others)  # fmt: skip
    # pyais encodes type 17 positions in raw 1/10 minutes: 1344 -> 134.4 min -> 2.24 deg
    assert row["lon"] == pytest.approx(134.4 * 10 * 10 / 600)
    assert row["lat"] == pytest.approx(-44.7 * 10 * 10 / 600)


def test_binary_and_other_messages_keep_payload_and_fill_bits() -> None:
    payload = "803Ovrh0EP:024`@02PN04da=3V<>N0000"  # type 8, libais typeexamples
    decoded = decode([payload], [4])
    row = only_row(decoded.others)
    assert (row["msg_type"], row["mmsi"], row["payload"], row["fill_bits"]) == (
        8,
        3669739,
        payload,
        4,
    )
    assert (row["lat"], row["lon"], row["name"], row["station_ts"]) == (None, None, None, None)


@pytest.mark.parametrize(("first_char", "msg_type"), [("0", 0), ("L", 28), ("w", 63)])
def test_unknown_message_types_are_unsupported(first_char: str, msg_type: int) -> None:
    reject = only_row(decode([first_char + GPSD_TYPE_1[1:]]).rejects)
    assert reject["reason"] == "unsupported"
    assert (
        reject["detail"] == f"message type {msg_type} is not decoded (darkfleet decodes types 1-27)"
    )


@pytest.mark.parametrize(
    ("payload", "fill", "reason", "detail"),
    [
        (None, 0, "malformed", "payload is null"),
        (GPSD_TYPE_1, None, "malformed", "fill_bits is null; a payload needs 0-5 fill bits"),
        (GPSD_TYPE_1, 6, "malformed", "fill_bits 6 outside 0-5"),
        (GPSD_TYPE_1, -1, "malformed", "fill_bits -1 outside 0-5"),
        (GPSD_TYPE_1[:5] + "x" + GPSD_TYPE_1[6:], 0, "malformed",
         "byte 'x' (0x78) at payload position 5 is outside the AIS six-bit alphabet ('0'-'W', '`'-'w')"),
        (GPSD_TYPE_1[:9] + "Z", 0, "malformed",
         "byte 'Z' (0x5a) at payload position 9 is outside the AIS six-bit alphabet ('0'-'W', '`'-'w')"),
        ("", 0, "too short", "payload is empty"),
        ("1", 2, "too short", "payload holds 4 bits, fewer than the 6 of a message type"),
        (GPSD_TYPE_1[:22], 0, "too short",
         "type 1 needs at least 137 bits (through heading), payload holds 132"),
        ("8000", 0, "too short", "type 8 needs at least 38 bits (through the MMSI), payload holds 24"),
    ],
)  # fmt: skip
def test_reject_reasons_and_details(
    payload: str | None, fill: int | None, reason: str, detail: str
) -> None:
    decoded = decode([payload], [fill])
    reject = only_row(decoded.rejects)
    assert (reject["reason"], reject["detail"]) == (reason, detail)
    assert reject["raw"] == f"!AIVDM,1,1,,A,{payload},0*00"
    assert (reject["file"], reject["file_id"], reject["line_no"]) == (
        "test.nmea",
        "0123456789abcdef",
        1,
    )
    assert decoded.positions.height + decoded.statics.height + decoded.others.height == 0


def test_bad_byte_wins_over_too_short() -> None:
    reject = only_row(decode(["1x"]).rejects)
    assert reject["reason"] == "malformed"


def test_first_bad_byte_of_each_row_is_reported() -> None:
    decoded = decode(["1Z" + GPSD_TYPE_1[2:], GPSD_TYPE_1, "15RTgt0PAso;90TKcjM8h6g208CQ!!"])
    assert decoded.rejects.select("line_no", "detail").rows() == [
        (1, "byte 'Z' (0x5a) at payload position 1 is outside the AIS six-bit alphabet ('0'-'W', '`'-'w')"),
        (3, "byte '!' (0x21) at payload position 28 is outside the AIS six-bit alphabet ('0'-'W', '`'-'w')"),
    ]  # fmt: skip
    assert decoded.positions.get_column("line_no").to_list() == [2]


def test_every_message_lands_in_exactly_one_output() -> None:
    type_5, _ = encode(TYPE_5)
    type_19, _ = encode({"msg_type": 19, "mmsi": 1, "shipname": "A"})
    type_24, _ = encode({"msg_type": 24, "mmsi": 1, "partno": 0, "shipname": "A"})
    payloads = [GPSD_TYPE_1, type_5, type_19, type_24, "803Ovrh0EP:024`@02PN04da=3V<>N0000", "",
                None, "0" + GPSD_TYPE_1[1:], GPSD_TYPE_1]  # fmt: skip
    decoded = decode(payloads, [0, 2, 0, 0, 4, 0, 0, 0, 0])
    rows = {
        "positions": decoded.positions.get_column("line_no").to_list(),
        "statics": decoded.statics.get_column("line_no").to_list(),
        "others": decoded.others.get_column("line_no").to_list(),
        "rejects": decoded.rejects.get_column("line_no").to_list(),
    }
    assert rows == {
        "positions": [1, 3, 9],
        "statics": [2, 3, 4],
        "others": [5],
        "rejects": [6, 7, 8],
    }
    assert decoded.counts_by_type == {1: 2, 5: 1, 8: 1, 19: 1, 24: 1}
    assert sum(decoded.counts_by_type.values()) + decoded.rejects.height == len(payloads)


def test_outputs_have_exactly_the_canonical_schemas_even_when_empty() -> None:
    for decoded in (decode([]), decode([GPSD_TYPE_1, "", "803Ovrh0EP:024`@02PN04da=3V<>N0000"])):
        assert decoded.positions.schema == pl.Schema(schema.POSITIONS)
        assert decoded.statics.schema == pl.Schema(schema.STATICS)
        assert decoded.others.schema == pl.Schema(schema.OTHERS)
        assert decoded.rejects.schema == pl.Schema(schema.REJECTS)


def test_provenance_columns_are_copied_from_the_input() -> None:
    frame = messages_frame([GPSD_TYPE_1, GPSD_TYPE_1]).with_columns(
        pl.Series(
            "ts", [datetime(2024, 3, 1, 12, tzinfo=UTC), None], dtype=pl.Datetime("us", "UTC")
        ),
        pl.Series("source", ["rRUS01", "rKOR02"]),
        pl.Series("line_no", [17, 40]),
    )
    positions = decode_messages(frame).positions
    assert positions.select("ts", "source", "file_id", "line_no").rows() == [
        (datetime(2024, 3, 1, 12, tzinfo=UTC), "rRUS01", "0123456789abcdef", 17),
        (None, "rKOR02", "0123456789abcdef", 40),
    ]


def test_extra_input_columns_are_ignored() -> None:
    frame = messages_frame([GPSD_TYPE_1]).with_columns(pl.lit("x").alias("channel"))
    assert decode_messages(frame).positions.height == 1


def test_missing_or_mistyped_input_column_raises_schema_error() -> None:
    with pytest.raises(SchemaError, match=r"missing column 'payload' \(String\)"):
        decode_messages(messages_frame([GPSD_TYPE_1]).drop("payload"))
    with pytest.raises(SchemaError, match="column 'fill_bits' has dtype Int64, expected Int8"):
        decode_messages(
            messages_frame([GPSD_TYPE_1]).with_columns(pl.col("fill_bits").cast(pl.Int64))
        )


def test_message_input_names_every_column_the_framing_stage_must_give() -> None:
    assert list(MESSAGE_INPUT) == ["payload", "fill_bits", "ts", "source", "line_no", "raw",
                                   "file", "file_id"]  # fmt: skip


def test_result_does_not_depend_on_chunk_size(monkeypatch: pytest.MonkeyPatch) -> None:
    type_5, _ = encode(TYPE_5)
    payloads = [GPSD_TYPE_1, type_5, "B5MiOp0006g4up6:EV403wr5oP06", "", "H5MiOp1:uJ0MDhJ0<P4hhDpLE80",
                "403Ovl@000Htt<tSF0l4Q@100`Pq"] * 7  # fmt: skip
    fill = [0, 2, 0, 0, 2, 0] * 7
    whole = decode(payloads, fill)
    monkeypatch.setattr(payload_module, "CHUNK_ROWS", 3)
    chunked = decode(payloads, fill)
    for name in ("positions", "statics", "others", "rejects"):
        assert_frame_equal(getattr(whole, name), getattr(chunked, name))
    assert whole.counts_by_type == chunked.counts_by_type
