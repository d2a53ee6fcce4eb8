"""Bit layouts of the AIS messages darkfleet decodes, and per-type rules (ingest layer).

Imports nothing of darkfleet. Offsets follow ITU-R M.1371-5 Annex 8 and the field
tables of gpsd's "AIVDM/AIVDO protocol decoding" (the layouts pyais 3.3.1 uses too).

Minimum lengths ("too short")
-----------------------------
pyais 3.3.1 never rejects a short payload: a field that starts past the end is ``None``
and a field cut by the end holds whatever bits are left (right-aligned, so a garbage
number). Real receivers do send short messages: type 5 with 420 or 422 of its 424 bits,
type 24 part B without its 6 spare bits, type 1 with a clipped radio status. darkfleet
follows pyais's leniency where it is harmless and rejects where it would invent data:

- A message shorter than ``MIN_BITS[type]`` is rejected "too short". That minimum is the
  end of the last field the canonical frames need from the type (listed in
  ``MIN_BITS_WHY``): the position and motion fields of a position report, MMSI for a
  message kept only in ``others``.
- Past the minimum, fields are optional, as in pyais: a field the payload does not
  reach *in full* is null (pyais would give the cut field's leftover bits: darkfleet
  gives null, never a truncated number), and a text field keeps the characters that
  are wholly present (pyais also decodes a trailing partial character).
  This makes type 5 lenient from 302 bits (its destination may be cut), type 19 from
  133 bits (its static part may be missing), type 21 from 219 bits (name extension)
  and type 24 part B from 132 bits (dimensions may be missing).
"""

from __future__ import annotations

from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = [
    "FIRST_OTHER_GROUP",
    "FIRST_POSITION_GROUP",
    "FIRST_STATIC_GROUP",
    "GROUP_NAMES",
    "GROUP_OF_TYPE",
    "LAST_POSITION_GROUP",
    "LAST_STATIC_GROUP",
    "MIN_BITS",
    "MIN_BITS_WHY",
    "Field",
    "Text",
]


class Field(NamedTuple):
    """One numeric bit field: first bit, width in bits, two's complement or not."""

    start: int
    width: int
    is_signed: bool = False

    @property
    def end(self) -> int:
        """First bit after the field."""
        return self.start + self.width


class Text(NamedTuple):
    """One 6-bit ASCII text field: first bit and number of characters."""

    start: int
    n_chars: int

    @property
    def end(self) -> int:
        """First bit after the field."""
        return self.start + 6 * self.n_chars


MMSI: Final = Field(8, 30)

# Types 1, 2, 3: position report class A.
A_STATUS: Final = Field(38, 4)
A_SOG: Final = Field(50, 10)
A_LON: Final = Field(61, 28, True)
A_LAT: Final = Field(89, 27, True)
A_COG: Final = Field(116, 12)
A_HEADING: Final = Field(128, 9)

# Type 9: SAR aircraft (SOG in whole knots).
SAR_SOG: Final = Field(50, 10)
SAR_LON: Final = Field(61, 28, True)
SAR_LAT: Final = Field(89, 27, True)
SAR_COG: Final = Field(116, 12)

# Types 18 and 19: class B position (19 continues with static data).
B_SOG: Final = Field(46, 10)
B_LON: Final = Field(57, 28, True)
B_LAT: Final = Field(85, 27, True)
B_COG: Final = Field(112, 12)
B_HEADING: Final = Field(124, 9)
B19_NAME: Final = Text(143, 20)
B19_SHIP_TYPE: Final = Field(263, 8)
B19_DIMENSIONS: Final = (Field(271, 9), Field(280, 9), Field(289, 6), Field(295, 6))

# Type 27: long-range broadcast (positions in 1/10 minute, SOG knots, COG degrees).
LR_STATUS: Final = Field(40, 4)
LR_LON: Final = Field(44, 18, True)
LR_LAT: Final = Field(62, 17, True)
LR_SOG: Final = Field(79, 6)
LR_COG: Final = Field(85, 9)

# Type 5: static and voyage data.
S5_IMO: Final = Field(40, 30)
S5_CALLSIGN: Final = Text(70, 7)
S5_NAME: Final = Text(112, 20)
S5_SHIP_TYPE: Final = Field(232, 8)
S5_DIMENSIONS: Final = (Field(240, 9), Field(249, 9), Field(258, 6), Field(264, 6))
S5_DRAUGHT: Final = Field(294, 8)
S5_DESTINATION: Final = Text(302, 20)

# Type 24: static data report, part A (name) or B (type, call sign, dimensions).
S24_PART: Final = Field(38, 2)
S24A_NAME: Final = Text(40, 20)
S24B_SHIP_TYPE: Final = Field(40, 8)
S24B_CALLSIGN: Final = Text(90, 7)
S24B_DIMENSIONS: Final = (Field(132, 9), Field(141, 9), Field(150, 6), Field(156, 6))
#: Auxiliary craft (MMSI 98MIDXXXX) carry the mothership MMSI where others carry
#: dimensions (ITU-R M.1371-5 Annex 8, table 85).
AUXILIARY_MMSI_RANGE: Final = (980_000_000, 989_999_999)
#: Minimum bits of part A (through the name); part B's is ``MIN_BITS[24]``.
MIN_BITS_24A: Final[int] = 160

# Types 4 and 11: base station report / UTC response.
BS_YEAR: Final = Field(38, 14)
BS_MONTH: Final = Field(52, 4)
BS_DAY: Final = Field(56, 5)
BS_HOUR: Final = Field(61, 5)
BS_MINUTE: Final = Field(66, 6)
BS_SECOND: Final = Field(72, 6)
BS_LON: Final = Field(79, 28, True)
BS_LAT: Final = Field(107, 27, True)

# Type 21: aid-to-navigation report.
ATON_NAME: Final = Text(43, 20)
ATON_LON: Final = Field(164, 28, True)
ATON_LAT: Final = Field(192, 27, True)
ATON_NAME_EXTENSION: Final = Text(272, 14)

# Type 17: DGNSS broadcast (reference station position in 1/10 minute).
DGNSS_LON: Final = Field(40, 18, True)
DGNSS_LAT: Final = Field(58, 17, True)

#: Decoder groups; ordered so that output membership is a range test on the group id:
#: positions are groups 1-5, statics 5-7 (type 19 is in both), others 8-11.
GROUP_NAMES: Final[tuple[str, ...]] = (
    "none",
    "class_a",  # 1, 2, 3
    "sar",  # 9
    "class_b",  # 18
    "long_range",  # 27
    "class_b_extended",  # 19
    "static_voyage",  # 5
    "static_24",  # 24
    "base_station",  # 4, 11
    "aid_to_navigation",  # 21
    "dgnss",  # 17
    "other",  # every other type 1..27
)
FIRST_POSITION_GROUP: Final[int] = 1
LAST_POSITION_GROUP: Final[int] = 5
FIRST_STATIC_GROUP: Final[int] = 5
LAST_STATIC_GROUP: Final[int] = 7
FIRST_OTHER_GROUP: Final[int] = 8
_GROUP_BY_TYPE: Final[dict[int, int]] = {
    1: 1, 2: 1, 3: 1, 9: 2, 18: 3, 27: 4, 19: 5, 5: 6, 24: 7, 4: 8, 11: 8, 21: 9, 17: 10,
}  # fmt: skip

#: Why each type needs its minimum (for reject details).
MIN_BITS_WHY: Final[dict[int, str]] = {
    1: "through heading",
    2: "through heading",
    3: "through heading",
    4: "through latitude",
    5: "through draught",
    9: "through course",
    11: "through latitude",
    17: "through latitude",
    18: "through heading",
    19: "through heading",
    21: "through latitude",
    24: "through the call sign of part B; part A needs 160, through the name",
    27: "through course",
}
_MIN_BITS: Final[dict[int, int]] = {
    1: A_HEADING.end,
    2: A_HEADING.end,
    3: A_HEADING.end,
    4: BS_LAT.end,
    5: S5_DRAUGHT.end,
    9: SAR_COG.end,
    11: BS_LAT.end,
    17: DGNSS_LAT.end,
    18: B_HEADING.end,
    19: B_HEADING.end,
    21: ATON_LAT.end,
    24: S24B_CALLSIGN.end,
    27: LR_COG.end,
}


def _type_table(values: dict[int, int], dtype: type[np.generic]) -> npt.NDArray[np.generic]:
    table = np.zeros(64, dtype=dtype)
    for msg_type, value in values.items():
        table[msg_type] = value
    return table


#: Decoder group (index into GROUP_NAMES) by message type.
GROUP_OF_TYPE: Final = _type_table({t: _GROUP_BY_TYPE.get(t, 11) for t in range(1, 28)}, np.uint8)
#: Minimum payload bits by message type (types without a specific rule need the MMSI).
MIN_BITS: Final = _type_table({t: _MIN_BITS.get(t, MMSI.end) for t in range(1, 28)}, np.int64)
for _t in range(1, 28):
    MIN_BITS_WHY.setdefault(_t, "through the MMSI")
