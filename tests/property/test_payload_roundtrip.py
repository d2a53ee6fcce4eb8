"""Property tests: pyais's encoder -> darkfleet's decoder gives the fields back.

Field values are drawn as the raw integers of ITU-R M.1371-5 (including "not
available" and undefined values), encoded with pyais 3.3.1, decoded by darkfleet, and
compared with what the raw values mean (computed here, not by either decoder).
Also: random six-bit strings and fill bits never raise and lose no message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyais.constants import ShipType

from darkfleet import schema
from darkfleet.ingest.nmea.payload import decode_messages
from tests._payload_support import encode, messages_frame

# pyais 3.3.1's encoder writes 0 for a type 5/19 ship type missing from its ShipType
# enum (e.g. 1 or 104); darkfleet decodes any code (tests/unit/ingest covers those).
SHIP_TYPES = st.sampled_from(sorted({0} | {int(t) for t in ShipType}))
TEXT_CHARS = " !\"#$%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_"
ARMOUR = "0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVW`abcdefghijklmnopqrstuvw"

mmsis = st.integers(0, 2**30 - 1).filter(lambda m: not 980_000_000 <= m <= 989_999_999)
lat_raw = st.one_of(st.integers(-54_000_000, 54_000_000), st.just(54_600_000))
lon_raw = st.one_of(st.integers(-108_000_000, 108_000_000), st.just(108_600_000))
headings = st.one_of(st.integers(0, 359), st.integers(360, 511))


def text(n_chars: int) -> st.SearchStrategy[str]:
    return st.text(TEXT_CHARS, max_size=n_chars)


def expected_text(value: str) -> str | None:
    return value.strip(" ") or None


def nonzero(value: int) -> int | None:
    return value or None


def position_fields(draw: Any, msg_type: int) -> tuple[dict[str, Any], dict[str, Any]]:
    lat, lon = draw(lat_raw), draw(lon_raw)
    sog, cog, heading = draw(st.integers(0, 1023)), draw(st.integers(0, 4095)), draw(headings)
    fields = {"msg_type": msg_type, "mmsi": draw(mmsis), "lat": lat / 600_000, "lon": lon / 600_000,
              "speed": sog if msg_type == 9 else sog / 10, "course": cog / 10}  # fmt: skip
    expected = {
        "mmsi": fields["mmsi"],
        "lat": None if lat == 54_600_000 else lat / 600_000,
        "lon": None if lon == 108_600_000 else lon / 600_000,
        "sog_knots": None if sog == 1023 else (sog if msg_type == 9 else sog / 10),
        "cog_deg": cog / 10 if cog < 3600 else None,
        "msg_type": msg_type,
    }
    if msg_type != 9:
        fields["heading"] = heading
        expected["heading_deg"] = heading if heading < 360 else None
    if msg_type in (1, 2, 3):
        fields["status"] = draw(st.integers(0, 15))
        expected["nav_status"] = fields["status"]
    return fields, expected


def dimension_fields(draw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    bow, stern = draw(st.integers(0, 511)), draw(st.integers(0, 511))
    port, starboard = draw(st.integers(0, 63)), draw(st.integers(0, 63))
    fields = {"to_bow": bow, "to_stern": stern, "to_port": port, "to_starboard": starboard}
    expected = {"to_bow_m": nonzero(bow), "to_stern_m": nonzero(stern), "to_port_m": nonzero(port),
                "to_starboard_m": nonzero(starboard),
                "length_m": bow + stern if bow and stern else None,
                "beam_m": port + starboard if port and starboard else None}  # fmt: skip
    return fields, expected


@st.composite
def messages(draw: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(pyais fields, {output frame: expected columns})."""
    msg_type = draw(st.sampled_from([1, 2, 3, 5, 9, 18, 19, 24, 27, 4, 21]))
    if msg_type in (1, 2, 3, 9, 18):
        fields, expected = position_fields(draw, msg_type)
        return fields, {"positions": expected}
    if msg_type == 19:
        fields, position = position_fields(draw, 19)
        dims, static = dimension_fields(draw)
        name, ship_type = draw(text(20)), draw(SHIP_TYPES)
        static |= {"mmsi": fields["mmsi"], "name": expected_text(name), "ship_type": nonzero(ship_type),
                   "part": None}  # fmt: skip
        return fields | dims | {"shipname": name, "ship_type": ship_type}, {
            "positions": position, "statics": static
        }  # fmt: skip
    if msg_type == 5:
        dims, static = dimension_fields(draw)
        values = {"imo": draw(st.integers(0, 2**30 - 1)), "callsign": draw(text(7)),
                  "shipname": draw(text(20)), "ship_type": draw(SHIP_TYPES),
                  "draught": draw(st.integers(0, 255)) / 10, "destination": draw(text(20))}  # fmt: skip
        fields = {"msg_type": 5, "mmsi": draw(mmsis)} | values | dims
        static |= {"mmsi": fields["mmsi"], "imo": nonzero(values["imo"]),
                   "callsign": expected_text(values["callsign"]),
                   "name": expected_text(values["shipname"]),
                   "ship_type": nonzero(values["ship_type"]),
                   "draught_m": values["draught"] or None,
                   "destination": expected_text(values["destination"]), "part": None}  # fmt: skip
        return fields, {"statics": static}
    if msg_type == 24:
        mmsi = draw(mmsis)
        if draw(st.booleans()):
            name = draw(text(20))
            fields = {"msg_type": 24, "mmsi": mmsi, "partno": 0, "shipname": name}
            return fields, {"statics": {"mmsi": mmsi, "part": 0, "name": expected_text(name),
                                        "callsign": None, "ship_type": None}}  # fmt: skip
        dims, static = dimension_fields(draw)
        callsign, ship_type = draw(text(7)), draw(st.integers(0, 255))
        fields = {"msg_type": 24, "mmsi": mmsi, "partno": 1, "callsign": callsign,
                  "ship_type": ship_type, "vendorid": draw(text(3))} | dims  # fmt: skip
        static |= {"mmsi": mmsi, "part": 1, "name": None, "callsign": expected_text(callsign),
                   "ship_type": nonzero(ship_type)}  # fmt: skip
        return fields, {"statics": static}
    if msg_type == 27:
        lat, lon = (
            draw(st.integers(-54_000, 54_000) | st.just(54_600)),
            draw(st.integers(-108_000, 108_000) | st.just(108_600)),
        )
        sog, cog, status = (
            draw(st.integers(0, 63)),
            draw(st.integers(0, 511)),
            draw(st.integers(0, 15)),
        )
        fields = {"msg_type": 27, "mmsi": draw(mmsis), "lat": lat / 600, "lon": lon / 600,
                  "speed": sog, "course": cog, "status": status}  # fmt: skip
        return fields, {"positions": {
            "mmsi": fields["mmsi"], "lat": None if lat == 54_600 else lat / 600,
            "lon": None if lon == 108_600 else lon / 600, "sog_knots": None if sog == 63 else sog,
            "cog_deg": cog if cog < 360 else None, "nav_status": status, "heading_deg": None,
        }}  # fmt: skip
    lat, lon = draw(lat_raw), draw(lon_raw)
    fields = {"msg_type": msg_type, "mmsi": draw(mmsis), "lat": lat / 600_000, "lon": lon / 600_000}
    other = {"mmsi": fields["mmsi"], "msg_type": msg_type,
             "lat": None if lat == 54_600_000 else lat / 600_000,
             "lon": None if lon == 108_600_000 else lon / 600_000}  # fmt: skip
    if msg_type == 4:
        parts = [draw(st.integers(0, hi)) for hi in (16383, 15, 31, 31, 63, 63)]
        fields |= dict(
            zip(("year", "month", "day", "hour", "minute", "second"), parts, strict=True)
        )
        try:
            moment: datetime | None = datetime(*parts, tzinfo=UTC) if parts[0] >= 1 else None
        except ValueError:
            moment = None  # month 0/13, day 31 of a short month, hour 24, ...
        return fields, {"others": other | {"station_ts": moment, "name": None}}
    name, extension = draw(text(20)), draw(text(14))
    fields |= {"name": name, "name_ext": extension}
    full_name = name + extension if len(name) == 20 else name
    return fields, {"others": other | {"name": expected_text(full_name), "station_ts": None}}


def same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, float) and actual is not None:
        return abs(expected - actual) <= 1e-6 * max(1.0, abs(expected))
    return bool(expected == actual)


@given(st.lists(messages(), min_size=1, max_size=12))
def test_encoded_fields_decode_to_the_same_values(cases: list[Any]) -> None:
    encoded = [encode(fields) for fields, _ in cases]
    decoded = decode_messages(messages_frame([p for p, _ in encoded], [f for _, f in encoded]))
    assert decoded.rejects.height == 0, decoded.rejects
    rows = {
        name: {r["line_no"]: r for r in getattr(decoded, name).iter_rows(named=True)}
        for name in ("positions", "statics", "others")
    }
    for line_no, (fields, expected) in enumerate(cases, start=1):
        for output, columns in expected.items():
            row = rows[output][line_no]
            wrong = {c: (v, row[c]) for c, v in columns.items() if not same(v, row[c])}
            assert not wrong, (fields, output, wrong)
    n_rows = sum(len(r) for r in rows.values())
    assert n_rows == len(cases) + sum(1 for f, _ in cases if f["msg_type"] == 19)


@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.text(ARMOUR, max_size=90), st.text(min_size=1, max_size=12)),
            st.one_of(st.none(), st.integers(-128, 127)),
        ),
        max_size=40,
    )
)
def test_random_payloads_never_raise_and_every_message_is_accounted_for(
    rows: list[tuple[str | None, int | None]],
) -> None:
    decoded = decode_messages(messages_frame([p for p, _ in rows], [f for _, f in rows]))
    line_nos = {
        name: getattr(decoded, name).get_column("line_no").to_list()
        for name in ("positions", "statics", "others", "rejects")
    }
    type_19 = decoded.counts_by_type.get(19, 0)
    assert sum(decoded.counts_by_type.values()) + len(line_nos["rejects"]) == len(rows)
    assert sum(len(v) for v in line_nos.values()) - type_19 == len(rows)
    seen = set(line_nos["positions"]) | set(line_nos["statics"]) | set(line_nos["others"])
    assert seen.isdisjoint(line_nos["rejects"])
    assert seen | set(line_nos["rejects"]) == set(range(1, len(rows) + 1))
    assert set(decoded.rejects.get_column("reason").to_list()) <= set(schema.REJECT_REASONS)
    for name, target in (("positions", schema.POSITIONS), ("statics", schema.STATICS),
                         ("others", schema.OTHERS), ("rejects", schema.REJECTS)):  # fmt: skip
        assert getattr(decoded, name).schema == pl.Schema(target)
    lat = pl.concat([decoded.positions.get_column("lat"), decoded.others.get_column("lat")])
    assert lat.drop_nulls().abs().max() is None or lat.drop_nulls().abs().max() <= 90  # type: ignore[operator]


@pytest.mark.parametrize("fill", [0, 1, 2, 3, 4, 5])
def test_fill_bits_shorten_the_message_by_that_many_bits(fill: int) -> None:
    payload = "15RTgt0PAso;90TKcjM8h6g208CQ"[:23]  # 138 bits: heading ends at 137
    decoded = decode_messages(messages_frame([payload], [fill]))
    if fill <= 1:
        assert decoded.positions.height == 1
    else:
        assert decoded.rejects.get_column("reason").to_list() == ["too short"]
