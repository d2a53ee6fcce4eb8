"""pyais 3.3.1 as an oracle: every real NMEA log, every position and static field.

pyais assembles the messages (multi-sentence joining is not under test here) and
decodes them; darkfleet decodes the same payloads; every field of ``positions`` and
``statics`` must agree (Float64 within 1e-6; Float32 columns equal to the nearest
float32 of pyais's value), after mapping pyais's "not available" values to null. Where pyais differs on purpose or by design, the rule is here:

1. Ship type: pyais 3.3.1 returns ``None`` for codes missing from its ``ShipType``
   enum (reserved codes such as 1, 10, 104, 232 occur in the AISHub sample) and
   folds reserved codes onto one member (97 -> ``OtherType_Reserved`` = 95);
   darkfleet keeps the code sent. Compared against the raw 8 bits.
2. A field cut by the end of a short payload: pyais returns the leftover bits as a
   (wrong) number or character (``QUOC`` + 1 bit -> ``QUOCA``); darkfleet returns
   null for a cut number and drops a cut character. Compared against pyais's own
   decode of the whole characters / null.
3. Text padding: ``@`` (6-bit 0) is padding, not a character. darkfleet ends text at
   its first ``@`` (as gpsd does), so garbage after the padding goes
   (``KING STAR@@@@@@@@@BH`` -> ``KING STAR``; 19 names, 17 call signs and 10
   destinations in the real logs look like that); pyais only strips trailing ``@``
   and then spaces. pyais's text is compared after the same cut.
4. Headings 360-510 and COG >= 360 are undefined (ITU-R M.1371-5): darkfleet nulls
   them, pyais returns the raw number.
5. Type 24 part B of an auxiliary craft (MMSI 98xxxxxxx) carries the mothership
   MMSI instead of dimensions: pyais has no dimension fields, darkfleet gives nulls.

Every message darkfleet rejects is checked against pyais's decode too: "out of range"
only when pyais's latitude/longitude is outside +-90/+-180 and not 91/181, "too short"
only below the documented minimum, "unsupported" only for types 0 and 28-63.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pyais.messages import MSG_CLASS

from darkfleet.ingest.nmea.payload import decode_messages
from tests._payload_support import assemble, real_nmea_files
from tests.conftest import SHARED_REAL

pytestmark = [pytest.mark.shared, pytest.mark.slow]

FILES = real_nmea_files(SHARED_REAL) if SHARED_REAL.is_dir() else []

# Minimum bits per type, restated from layouts.py's documentation (not imported, so
# that a change there must be made on purpose here too).
MIN_BITS = {1: 137, 2: 137, 3: 137, 4: 134, 5: 302, 9: 128, 11: 134, 17: 75, 18: 133, 19: 133,
            21: 219, 24: 132, 27: 94}  # fmt: skip
POSITION_TYPES = (1, 2, 3, 9, 18, 19, 27)
STATIC_TYPES = (5, 19, 24)
# (first bit, width) of the fields compared, to know which are cut (rule 2).
NUMBER_BITS = {
    5: {"ship_type": (232, 8), "to_bow": (240, 9), "to_stern": (249, 9), "to_port": (258, 6),
        "to_starboard": (264, 6), "draught": (294, 8), "imo": (40, 30)},
    19: {"ship_type": (263, 8), "to_bow": (271, 9), "to_stern": (280, 9), "to_port": (289, 6),
         "to_starboard": (295, 6)},
    24: {"ship_type": (40, 8), "to_bow": (132, 9), "to_stern": (141, 9), "to_port": (150, 6),
         "to_starboard": (156, 6)},
}  # fmt: skip
TEXT_BITS = {
    5: {"callsign": (70, 7), "shipname": (112, 20), "destination": (302, 20)},
    19: {"shipname": (143, 20)},
    24: {"shipname": (40, 20), "callsign": (90, 7)},
}


def test_real_files_are_found(shared_real: Path) -> None:
    assert len(FILES) >= 20, FILES


def _text(bv: Any, start: int, n_chars: int) -> str | None:
    whole = max(0, min(n_chars, (len(bv) - start) // 6))  # rule 2: whole characters only
    text = bv.get_str(start, 6 * whole) if whole else ""
    text = text.split("@")[0].strip(" ")  # rule 3
    return text or None


def _number(bv: Any, value: Any, start: int, width: int) -> Any:
    if start + width > len(bv):
        return None  # rule 2
    return value


def _expected_position(msg_type: int, d: dict[str, Any]) -> dict[str, Any]:
    sog_na = {9: 1023, 27: 63}.get(msg_type, 102.3)
    cog = d["course"]
    heading = d.get("heading")
    status = d.get("status")
    return {
        "mmsi": d["mmsi"],
        "lat": None if d["lat"] == 91 else d["lat"],
        "lon": None if d["lon"] == 181 else d["lon"],
        "sog_knots": None if d["speed"] == sog_na else d["speed"],
        "cog_deg": None if cog >= 360 else cog,  # rule 4
        "heading_deg": None if heading is None or heading >= 360 else heading,  # rule 4
        "nav_status": None if status is None else int(status),
        "msg_type": msg_type,
    }


def _expected_static(msg_type: int, d: dict[str, Any], bv: Any) -> dict[str, Any]:
    expected: dict[str, Any] = {"mmsi": d["mmsi"], "msg_type": msg_type}
    for name, (start, width) in NUMBER_BITS[msg_type].items():
        if msg_type == 24 and (d["partno"] == 0) != (name == "imo"):
            if d["partno"] == 0 or name not in d:  # part A, or auxiliary craft (rule 5)
                expected[name] = None
                continue
        raw_code = bv.get(start, width) if name == "ship_type" else None  # rule 1
        value = _number(bv, raw_code if raw_code is not None else d.get(name), start, width)
        expected[name] = value or None
    for name, (start, n_chars) in TEXT_BITS[msg_type].items():
        is_other_part = msg_type == 24 and (name == "shipname") != (d["partno"] == 0)
        expected[name] = None if is_other_part else _text(bv, start, n_chars)
    expected["part"] = d["partno"] if msg_type == 24 else None
    return expected


RENAMED = {"shipname": "name", "to_bow": "to_bow_m", "to_stern": "to_stern_m",
           "to_port": "to_port_m", "to_starboard": "to_starboard_m", "draught": "draught_m"}  # fmt: skip


FLOAT32_COLUMNS = {"sog_knots", "cog_deg", "draught"}  # Float32 in the schema


def _same(column: str, expected: Any, actual: Any) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if column in FLOAT32_COLUMNS:  # the nearest float32 to pyais's value, exactly
        return bool(np.float32(expected) == np.float32(actual))
    if isinstance(expected, float) or isinstance(actual, float):
        return math.isclose(expected, actual, abs_tol=1e-6)
    return bool(expected == actual)


def _check_reject(msg: Any, reason: str) -> str | None:
    """Return why a reject is not justified by pyais's decode, or None."""
    msg_type, bits = msg.ais_id, len(msg.bv)
    if reason == "unsupported":
        return None if msg_type == 0 or msg_type >= 28 else "supported type"
    if reason == "too short":
        is_part_a = msg_type == 24 and msg.bv.get(38, 2) == 0
        is_short = bits < MIN_BITS.get(msg_type, 38) or (is_part_a and bits < 160)
        return None if is_short else "long enough"
    if reason == "out of range":
        if msg_type == 17:  # pyais reads these as unsigned minutes: decode them here
            lon, lat = (msg.bv.get_signed(s, w) / 600 for s, w in ((40, 18), (58, 17)))
        else:
            d = MSG_CLASS[msg_type].from_vector(msg.bv).asdict()
            lat, lon = d["lat"], d["lon"]
        bad = (abs(lat) > 90 and lat != 91) or (abs(lon) > 180 and lon != 181)
        return None if bad else f"lat {lat} lon {lon} in range"
    if reason == "malformed":
        return None if msg_type == 24 and msg.bv.get(38, 2) > 1 else "well formed"
    return f"unexpected reason {reason}"


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_decode_agrees_with_pyais(shared_real: Path, path: Path) -> None:
    assembled = assemble(path)
    decoded = decode_messages(assembled.frame)
    positions = {r["line_no"]: r for r in decoded.positions.iter_rows(named=True)}
    statics = {r["line_no"]: r for r in decoded.statics.iter_rows(named=True)}
    rejects = {r["line_no"]: r for r in decoded.rejects.iter_rows(named=True)}
    n_compared = 0
    problems: list[str] = []
    for line_no, msg in enumerate(assembled.messages, start=1):
        if line_no in rejects:
            why = _check_reject(msg, rejects[line_no]["reason"])
            if why:
                problems.append(f"{line_no} {msg.payload!r}: rejected {rejects[line_no]}: {why}")
            continue
        msg_type = msg.ais_id
        if msg_type not in POSITION_TYPES + STATIC_TYPES:
            continue
        d = MSG_CLASS[msg_type].from_vector(msg.bv).asdict()
        pairs: list[tuple[str, Any, Any]] = []
        if msg_type in POSITION_TYPES:
            row = positions[line_no]
            pairs += [(k, v, row[k]) for k, v in _expected_position(msg_type, d).items()]
        if msg_type in STATIC_TYPES:
            row = statics[line_no]
            pairs += [
                (k, v, row[RENAMED.get(k, k)])
                for k, v in _expected_static(msg_type, d, msg.bv).items()
            ]
        n_compared += 1
        problems += [f"{line_no} {msg.payload!r} {k}: pyais {e!r} darkfleet {a!r}"
                     for k, e, a in pairs if not _same(k, e, a)]  # fmt: skip
    assert not problems, "\n".join(problems[:20])
    n_messages = len(assembled.messages)
    assert sum(decoded.counts_by_type.values()) + decoded.rejects.height == n_messages
    assert n_compared > 0 or n_messages == 0
