"""Golden decodes written by others: gpsd's and libais's expected JSON output.

For every message in the golden files that darkfleet decodes, the fields both sides
have (mmsi, lat, lon, speed, course, heading, status, imo, shipname, callsign,
shiptype, destination, draught, dimensions, base-station timestamp, aid name) must
be equal, after mapping the golden "not available" values to null the way darkfleet
does (lat 91, lon 181, speed 102.3 / 1023 / 63, course 360 / 511, heading 511, and
0 for IMO, ship type, draught and dimensions; invalid timestamps; empty text).

Known differences, each checked rather than skipped:

- gpsd prints type 17 and 27 positions rounded to 0.1 degree: compared within 0.05.
- speed, course and draught are Float32 columns: compared with the nearest float32
  of the golden value.
- libais computes and stores floats as float32: compared within one float32 step.
- libais's six-bit text table has ``-`` for value 31 and `` ` `` for 39 where
  ITU-R M.1371-5 table 47 (and gpsd, pyais, darkfleet) have ``_`` and ``'``: libais
  text is compared after mapping those two characters.
- libais divides type 9 SOG by 10 (knots are whole in ITU-R M.1371-5 and gpsd);
  libais's only type 9 example lies outside +-90 latitude, so darkfleet rejects it.
- A message darkfleet rejects must show why in the golden decode itself: a latitude
  beyond +-90 or a longitude beyond +-180 that is not 91/181.
- gpsd merges type 24 parts A and B into one object: its shipname is checked against
  the part A message, the rest against part B.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from darkfleet.ingest.nmea.payload import decode_messages
from tests._payload_support import assemble

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"

NOT_AVAILABLE = {"lat": (91.0,), "lon": (181.0,), "heading": (511,), "imo": (0,),
                 "shiptype": (0,), "draught": (0.0,), "to_bow": (0,), "to_stern": (0,),
                 "to_port": (0,), "to_starboard": (0,)}  # fmt: skip
SPEED_NA = {9: 1023, 27: 63}  # otherwise 102.3
COURSE_NA = {27: 511}  # otherwise 360
POSITION_TYPES = (1, 2, 3, 9, 18, 19, 27)
STATIC_TYPES = (5, 19, 24)
OTHER_FIELD_TYPES = (4, 11, 17, 21)  # others that carry a position, time or name
# golden key -> (darkfleet frame, column); "pos" falls back to "other" for lat/lon
COLUMNS = {
    "mmsi": ("any", "mmsi"), "lat": ("pos", "lat"), "lon": ("pos", "lon"),
    "speed": ("pos", "sog_knots"), "course": ("pos", "cog_deg"), "heading": ("pos", "heading_deg"),
    "status": ("pos", "nav_status"), "imo": ("static", "imo"), "shipname": ("static", "name"),
    "callsign": ("static", "callsign"), "shiptype": ("static", "ship_type"),
    "destination": ("static", "destination"), "draught": ("static", "draught_m"),
    "to_bow": ("static", "to_bow_m"), "to_stern": ("static", "to_stern_m"),
    "to_port": ("static", "to_port_m"), "to_starboard": ("static", "to_starboard_m"),
    "timestamp": ("other", "station_ts"), "name": ("other", "name"),
}  # fmt: skip


@dataclass
class Decoded:
    """darkfleet's decode of one message: the rows it produced, or its reject."""

    msg_type: int
    mmsi: int | None
    position: dict[str, Any] | None
    static: dict[str, Any] | None
    other: dict[str, Any] | None
    reject: dict[str, Any] | None
    used: bool = False


def _decode_file(path: Path) -> list[Decoded]:
    assembled = assemble(path)
    decoded = decode_messages(assembled.frame)

    def by_line(frame: Any) -> dict[int, dict[str, Any]]:
        return {row["line_no"]: row for row in frame.iter_rows(named=True)}

    frames = [
        by_line(f) for f in (decoded.positions, decoded.statics, decoded.others, decoded.rejects)
    ]
    found = []
    for line_no, msg in enumerate(assembled.messages, start=1):
        rows = [f.get(line_no) for f in frames]
        mmsi = next((r["mmsi"] for r in rows[:3] if r is not None), None)
        found.append(Decoded(msg.ais_id, mmsi or msg.bv.get(8, 30), *rows))
    return found


def _golden_value(key: str, value: Any, record: dict[str, Any]) -> Any:
    msg_type = record["type"]
    if key == "speed" and value == SPEED_NA.get(msg_type, 102.3):
        return None
    if key == "course" and value == COURSE_NA.get(msg_type, 360):
        return None
    if key == "heading" and isinstance(value, int) and 360 <= value < 511:
        return None  # undefined headings: darkfleet nulls them
    if value in NOT_AVAILABLE.get(key, ()):
        return None
    if key == "imo":
        return int(value)
    if key in ("shipname", "callsign", "destination", "name"):
        return value.rstrip("@ ").lstrip(" ") or None
    if key == "timestamp":
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None  # "0000-00-00T24:60:60Z" and the like: not available
    return value


def _tolerance(key: str, msg_type: int) -> float:
    if key in ("lat", "lon"):
        return {17: 0.05, 27: 0.05}.get(msg_type, 1e-6)
    return 1e-6


FLOAT32_KEYS = {"speed", "course", "draught"}


def _equal(key: str, expected: Any, actual: Any, tolerance: float, *, is_libais: bool) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if key in FLOAT32_KEYS and np.float32(expected) == np.float32(actual):
        return True
    if isinstance(expected, float) or isinstance(actual, float):
        if is_libais:  # one float32 step
            tolerance = max(tolerance, float(np.spacing(np.float32(abs(expected)))))
        return math.isclose(expected, actual, abs_tol=tolerance)
    if isinstance(expected, str) and is_libais:
        actual = actual.translate(LIBAIS_TEXT)
    return bool(expected == actual)


LIBAIS_TEXT = str.maketrans({"_": "-", "'": "`"})


def _row_for(key: str, where: str, msg_type: int, rows: dict[str, Any]) -> tuple[bool, Any]:
    """(does darkfleet's output carry this field for this type, the row holding it)."""
    if where == "any":
        return True, next(r for r in rows.values() if r)
    if where == "pos" and msg_type in POSITION_TYPES:
        return True, rows["pos"]
    if where == "pos" and msg_type in OTHER_FIELD_TYPES:
        return True, rows["other"]
    if where == "static":
        return msg_type in STATIC_TYPES, rows["static"]
    if where == "other":
        return msg_type in OTHER_FIELD_TYPES, rows["other"]
    return False, None


def _is_out_of_range(record: dict[str, Any]) -> bool:
    lat, lon = record.get("lat", 0.0), record.get("lon", 0.0)
    return (abs(lat) > 90 and lat != 91) or (abs(lon) > 180 and lon != 181)


def _match(decoded: list[Decoded], msg_type: int, mmsi: int, part: int | None) -> Decoded:
    for d in decoded:
        if d.used or d.msg_type != msg_type or d.mmsi != mmsi:
            continue
        if part is not None and d.static is not None and d.static["part"] != part:
            continue
        d.used = True
        return d
    raise AssertionError(f"no decoded type {msg_type} message for MMSI {mmsi} (part {part})")


def _check(nmea: Path, golden: Path, *, is_libais: bool) -> int:
    decoded = _decode_file(nmea)
    problems: list[str] = []
    n_checked = 0
    for line in golden.read_text().splitlines():
        record = json.loads(line)
        msg_type, mmsi = record["type"], record["mmsi"]
        if msg_type == 24 and "part_num" not in record and "callsign" in record:
            part_a = _match(decoded, 24, mmsi, 0)  # gpsd: A and B merged
            target = _match(decoded, 24, mmsi, 1)
        else:
            target = _match(decoded, msg_type, mmsi, record.get("part_num"))
            part_a = target
        if target.reject is not None:
            if not (target.reject["reason"] == "out of range" and _is_out_of_range(record)):
                problems.append(f"type {msg_type} {mmsi}: rejected {target.reject}")
            continue
        n_checked += 1
        rows = {"pos": target.position, "static": target.static, "other": target.other}
        for key, (where, column) in COLUMNS.items():
            if key not in record or (key == "status" and not isinstance(record[key], int)):
                continue  # gpsd writes type 27 status as text
            is_carried, row = _row_for(key, where, msg_type, rows)
            if not is_carried:
                continue
            if key == "shipname" and msg_type == 24:
                row = part_a.static
            if row is None or (
                key in ("status", "heading") and msg_type not in (1, 2, 3, 18, 19, 27)
            ):
                if row is None:
                    problems.append(f"type {msg_type} {mmsi}: no {where} row for {key}")
                continue
            expected = _golden_value(key, record[key], record)
            tolerance = _tolerance(key, msg_type)
            if not _equal(key, expected, row[column], tolerance, is_libais=is_libais):
                problems.append(
                    f"type {msg_type} {mmsi} {key}: golden {expected!r} darkfleet {row[column]!r}"
                )
    assert not problems, "\n".join(problems)
    return n_checked


def test_gpsd_golden_sample_copy() -> None:
    n_checked = _check(
        GOLDEN / "gpsd-sample.aivdm", GOLDEN / "gpsd-sample.aivdm.js.chk", is_libais=False
    )
    assert n_checked >= 90


def test_libais_golden_type_examples_copy() -> None:
    n_checked = _check(
        GOLDEN / "libais-typeexamples.nmea", GOLDEN / "libais-typeexamples.json", is_libais=True
    )
    assert n_checked >= 20


@pytest.mark.shared
@pytest.mark.parametrize(
    ("nmea", "golden"),
    [
        ("gpsd-ais/sample.aivdm", "gpsd-ais/sample.aivdm.js.chk"),
        ("libais-testdata/typeexamples.nmea", "libais-testdata/typeexamples.json"),
    ],
)
def test_golden_originals_in_shared_data(shared_real: Path, nmea: str, golden: str) -> None:
    assert _check(shared_real / nmea, shared_real / golden, is_libais="libais" in nmea) > 0
