"""The vectorised encoder against pyais, the reference decoder."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyais.stream import IterMessages

from darkfleet.simulate import nmea

AIS_TEXT = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -.", max_size=20).map(str.strip)


def _decode(lines: bytes) -> list[dict[str, object]]:
    return [m.decode().asdict() for m in IterMessages(lines.splitlines())]


def _single(bits: np.ndarray, epoch: int = 1_690_848_000) -> bytes:
    n = len(bits)
    encoded = nmea.sentences(
        bits, epoch_s=np.full(n, epoch), stations=["terr"] * n, channels=["A"] * n
    )
    return nmea.assemble_lines([encoded], [np.arange(n, dtype=np.float64)])


@given(
    msg_type=st.sampled_from([1, 3]),
    mmsi=st.integers(200_000_000, 775_999_999),
    nav_status=st.integers(0, 15),
    sog_tenths=st.integers(0, 1022),
    lat=st.floats(-90, 90),
    lon=st.floats(-180, 180),
    cog_tenths=st.integers(0, 3599),
    heading=st.integers(0, 359),
    second=st.integers(0, 59),
)
def test_class_a_position_reports_decode_to_encoded_fields(
    msg_type: int,
    mmsi: int,
    nav_status: int,
    sog_tenths: int,
    lat: float,
    lon: float,
    cog_tenths: int,
    heading: int,
    second: int,
) -> None:
    fields = nmea.position_report_fields(
        msg_type=np.array([msg_type]),
        mmsi=np.array([mmsi]),
        nav_status=np.array([nav_status]),
        sog_knots=np.array([sog_tenths / 10]),
        lat=np.array([lat]),
        lon=np.array([lon]),
        cog_deg=np.array([cog_tenths / 10]),
        heading_deg=np.array([heading]),
        second=np.array([second]),
    )
    (decoded,) = _decode(_single(nmea.encode_bits(fields)))
    assert decoded["msg_type"] == msg_type
    assert decoded["mmsi"] == mmsi
    assert decoded["status"] == nav_status
    assert decoded["speed"] == pytest.approx(sog_tenths / 10)
    assert decoded["lat"] == pytest.approx(lat, abs=2e-6)
    assert decoded["lon"] == pytest.approx(lon, abs=2e-6)
    assert decoded["course"] == pytest.approx(cog_tenths / 10)
    assert decoded["heading"] == heading
    assert decoded["second"] == second


@given(
    mmsi=st.integers(200_000_000, 775_999_999),
    sog_tenths=st.integers(0, 1022),
    lat=st.floats(-90, 90),
    lon=st.floats(-180, 180),
    cog_tenths=st.integers(0, 3599),
    heading=st.integers(0, 359),
)
def test_class_b_position_reports_decode_to_encoded_fields(
    mmsi: int, sog_tenths: int, lat: float, lon: float, cog_tenths: int, heading: int
) -> None:
    fields = nmea.class_b_position_fields(
        mmsi=np.array([mmsi]),
        sog_knots=np.array([sog_tenths / 10]),
        lat=np.array([lat]),
        lon=np.array([lon]),
        cog_deg=np.array([cog_tenths / 10]),
        heading_deg=np.array([heading]),
        second=np.array([7]),
    )
    (decoded,) = _decode(_single(nmea.encode_bits(fields)))
    assert decoded["msg_type"] == 18
    assert decoded["mmsi"] == mmsi
    assert decoded["speed"] == pytest.approx(sog_tenths / 10)
    assert decoded["lat"] == pytest.approx(lat, abs=2e-6)
    assert decoded["lon"] == pytest.approx(lon, abs=2e-6)
    assert decoded["course"] == pytest.approx(cog_tenths / 10)
    assert decoded["heading"] == heading
    assert decoded["cs"] is True


@given(
    mmsi=st.integers(200_000_000, 775_999_999),
    imo=st.integers(1_000_000, 9_999_999),
    callsign=AIS_TEXT.map(lambda s: s[:7].strip()),
    name=AIS_TEXT,
    destination=AIS_TEXT,
    ship_type=st.sampled_from([30, 52, 60, 69, 70, 71, 79, 80, 84, 89]),
    draught_tenths=st.integers(0, 255),
    group_id=st.integers(1, 9999),
)
def test_type5_decodes_to_encoded_fields_across_two_sentences(
    mmsi: int,
    imo: int,
    callsign: str,
    name: str,
    destination: str,
    ship_type: int,
    draught_tenths: int,
    group_id: int,
) -> None:
    fields = nmea.static_voyage_fields(
        mmsi=np.array([mmsi]),
        imo=np.array([imo]),
        callsign=[callsign],
        name=[name],
        ship_type=np.array([ship_type]),
        to_bow_m=np.array([100]),
        to_stern_m=np.array([20]),
        to_port_m=np.array([9]),
        to_starboard_m=np.array([10]),
        eta_month=np.array([8]),
        eta_day=np.array([31]),
        eta_hour=np.array([23]),
        eta_minute=np.array([59]),
        draught_m=np.array([draught_tenths / 10]),
        destination=[destination],
    )
    encoded = nmea.sentences(
        nmea.encode_bits(fields),
        epoch_s=np.array([1_690_848_000]),
        stations=["terr"],
        channels=["B"],
        group_ids=np.array([group_id]),
    )
    text = nmea.assemble_lines([encoded], [np.zeros(1)])
    lines = text.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"\\g:1-2-{group_id},s:terr,c:1690848000*".encode())
    assert lines[1].startswith(f"\\g:2-2-{group_id}*".encode())
    (decoded,) = _decode(text)
    assert decoded["msg_type"] == 5
    assert decoded["mmsi"] == mmsi
    assert decoded["imo"] == imo
    assert decoded["callsign"] == callsign
    assert decoded["shipname"] == name
    assert decoded["destination"] == destination
    assert decoded["ship_type"] == ship_type
    assert decoded["draught"] == pytest.approx(draught_tenths / 10)
    assert (
        decoded["to_bow"],
        decoded["to_stern"],
        decoded["to_port"],
        decoded["to_starboard"],
    ) == (100, 20, 9, 10)
    assert (decoded["month"], decoded["day"], decoded["hour"], decoded["minute"]) == (8, 31, 23, 59)


@given(
    mmsi=st.integers(200_000_000, 775_999_999),
    name=AIS_TEXT,
    callsign=AIS_TEXT.map(lambda s: s[:7].strip()),
    ship_type=st.sampled_from([30, 52, 60, 69, 70, 71, 79, 80, 84, 89]),
)
def test_type24_parts_decode_to_encoded_fields(
    mmsi: int, name: str, callsign: str, ship_type: int
) -> None:
    part_a = nmea.encode_bits(nmea.static_24a_fields(mmsi=np.array([mmsi]), name=[name]))
    part_b = nmea.encode_bits(
        nmea.static_24b_fields(
            mmsi=np.array([mmsi]),
            ship_type=np.array([ship_type]),
            callsign=[callsign],
            to_bow_m=np.array([10]),
            to_stern_m=np.array([5]),
            to_port_m=np.array([2]),
            to_starboard_m=np.array([3]),
        )
    )
    decoded_a, decoded_b = _decode(_single(part_a) + _single(part_b))
    assert (decoded_a["msg_type"], decoded_a["partno"], decoded_a["mmsi"]) == (24, 0, mmsi)
    assert decoded_a["shipname"] == name
    assert (decoded_b["msg_type"], decoded_b["partno"], decoded_b["mmsi"]) == (24, 1, mmsi)
    assert decoded_b["callsign"] == callsign
    assert decoded_b["ship_type"] == ship_type
    assert (decoded_b["to_bow"], decoded_b["to_stern"]) == (10, 5)


def test_tag_block_carries_station_and_receive_time() -> None:
    fields = nmea.position_report_fields(
        msg_type=np.array([1]),
        mmsi=np.array([273_000_001]),
        nav_status=np.array([0]),
        sog_knots=np.array([12.0]),
        lat=np.array([42.2]),
        lon=np.array([130.3]),
        cog_deg=np.array([90.0]),
        heading_deg=np.array([90]),
        second=np.array([0]),
    )
    (message,) = list(
        IterMessages(_single(nmea.encode_bits(fields), epoch=1_700_000_123).splitlines())
    )
    message.tag_block.init()
    assert message.tag_block.source_station == "terr"
    assert message.tag_block.receiver_timestamp == "1700000123"


def test_checksums_are_xor_of_the_sentence_body() -> None:
    line = b"!AIVDM,1,1,,B,177KQJ5000G?tO`K>RA1wUbN0TKH,0*5C"
    body = np.frombuffer(line[1 : line.index(b"*")], dtype=np.uint8)[None, :]
    assert nmea.nmea_checksum(body).tobytes() == b"5C"


def test_text_outside_the_ais_alphabet_becomes_question_mark() -> None:
    ((code, width), *_rest) = nmea.encode_text(["a~"], 2)
    assert width == 6
    assert int(code[0]) == 1  # 'a' upper-cased to 'A'
    assert int(_rest[0][0][0]) == 63  # '~' is not in the 6-bit set


def test_assemble_lines_orders_rows_of_batches_by_key() -> None:
    def batch(mmsi: int) -> nmea.Sentences:
        fields = nmea.static_24a_fields(mmsi=np.array([mmsi]), name=["X"])
        return nmea.sentences(
            nmea.encode_bits(fields), epoch_s=np.array([1]), stations=["s"], channels=["A"]
        )

    text = nmea.assemble_lines(
        [batch(111_111_111), batch(222_222_222)], [np.array([2.0]), np.array([1.0])]
    )
    first, second = _decode(text)
    assert (first["mmsi"], second["mmsi"]) == (222_222_222, 111_111_111)


def test_long_message_without_group_ids_is_refused() -> None:
    fields = nmea.static_voyage_fields(
        mmsi=np.array([1]),
        imo=np.array([1]),
        callsign=["A"],
        name=["B"],
        ship_type=np.array([70]),
        to_bow_m=np.array([1]),
        to_stern_m=np.array([1]),
        to_port_m=np.array([1]),
        to_starboard_m=np.array([1]),
        eta_month=np.array([1]),
        eta_day=np.array([1]),
        eta_hour=np.array([1]),
        eta_minute=np.array([1]),
        draught_m=np.array([1.0]),
        destination=["C"],
    )
    with pytest.raises(ValueError, match="group_ids"):
        nmea.sentences(
            nmea.encode_bits(fields), epoch_s=np.array([1]), stations=["s"], channels=["A"]
        )
