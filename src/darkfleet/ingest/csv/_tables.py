"""Text-to-code tables for CSV exports that spell AIS codes out (ingest layer).

Imports nothing of darkfleet. Keys are *normalised* texts: lower case with every
character that is not a letter or digit removed (``"Under way using engine"`` ->
``"underwayusingengine"``, ``"PORT_TENDER"`` -> ``"porttender"``), so spelling variants
of case, spaces, hyphens and underscores all match.

Sources
-------
- Navigational status: ITU-R M.1371-5, Annex 2, Table 46 (message 1, field "navigational
  status"), in the English wording the Danish Maritime Authority's ``aisdk`` CSV uses.
- Ship and cargo type: ITU-R M.1371-5, Table 53 (first digit = kind of ship, second digit
  = hazard category X/Y/Z/OS = 1/2/3/4), cross-checked against the code table of
  holoviz-topics/examples ``ship_traffic/AIS_categories.csv`` (CC-BY-4.0; copy in
  ``shared/data/real/ref-ais-ship-types``). Text names are those in the DMA export
  (``Cargo``, ``Tanker``, ``Undefined``...) and in the provider exports of
  ``baltic-gibraltar-20k-samples`` (``PORT_TENDER``, ``SHIPS_ACCORDING_TO_RR``...).
"""

from __future__ import annotations

from typing import Final

#: Normalised navigational-status text -> AIS code 0-15 (ITU-R M.1371-5 Table 46).
NAV_STATUS_CODES: Final[dict[str, int]] = {
    "underwayusingengine": 0,
    "atanchor": 1,
    "notundercommand": 2,
    "restrictedmaneuverability": 3,
    "restrictedmanoeuvrability": 3,
    "restrictedmanoeuverability": 3,
    "constrainedbyherdraught": 4,
    "moored": 5,
    "aground": 6,
    "engagedinfishing": 7,
    "underwaysailing": 8,
    "reservedforfutureamendmenthsc": 9,
    "reservedforfutureamendmentwig": 10,
    "reservedforhsc": 9,
    "reservedforwig": 10,
    "powerdrivenvesseltowingastern": 11,
    "powerdrivenvesselpushingaheadortowingalongside": 12,
    "reservedforfutureuse": 13,
    "aissart": 14,
    "aissartisactive": 14,
    "unknownvalue": 15,
    "notdefined": 15,
    "undefined": 15,
}

#: Normalised ship-type text -> first AIS code of its block (ITU-R M.1371-5 Table 53).
#: ``None`` marks texts that mean "not available" (AIS code 0), stored as null.
SHIP_TYPE_CODES: Final[dict[str, int | None]] = {
    "undefined": None,
    "unknown": None,
    "notavailable": None,
    "unspecified": None,
    "inlandunknown": None,
    "wig": 20,
    "wingingroundwig": 20,
    "fishing": 30,
    "towing": 31,
    "towinglongwide": 32,
    "dredging": 33,
    "diving": 34,
    "military": 35,
    "sailing": 36,
    "pleasure": 37,
    "pleasurecraft": 37,
    "reserved": 38,
    "hsc": 40,
    "highspeedcraft": 40,
    "pilot": 50,
    "sar": 51,
    "searchandrescue": 51,
    "tug": 52,
    "porttender": 53,
    "antipollution": 54,
    "lawenforcement": 55,
    "spare1": 56,
    "spare2": 57,
    "localvessel": 56,
    "medical": 58,
    "notpartytoconflict": 59,
    "shipsaccordingtorr": 59,
    "passenger": 60,
    "cargo": 70,
    "tanker": 80,
    "other": 90,
    "others": 90,
}

#: Ship-type codes whose second digit carries the hazard category (Table 53).
SHIP_TYPES_WITH_CATEGORY: Final[frozenset[int]] = frozenset({20, 40, 60, 70, 80, 90})

#: Normalised DMA "Cargo type" text -> second digit of the ship-type code.
CARGO_CATEGORY_DIGITS: Final[dict[str, int]] = {
    "categoryx": 1,
    "categoryy": 2,
    "categoryz": 3,
    "categoryos": 4,
    "hazardouscategorya": 1,
    "hazardouscategoryb": 2,
    "hazardouscategoryc": 3,
    "hazardouscategoryd": 4,
    "noadditionalinformation": 0,
}

#: Keyword fallback for free-text ship types such as MarineTraffic's detailed names
#: ("Oil/Chemical Tanker", "Bulk Carrier", "Ro-Ro/Passenger Ship"); first match wins, so
#: the more specific patterns come first. Patterns are regexes on the lower-cased text.
SHIP_TYPE_KEYWORDS: Final[tuple[tuple[str, int], ...]] = (
    (r"passenger|ferry|cruise", 60),
    (r"tanker", 80),
    (r"tug", 52),
    (r"fishing|trawler", 30),
    (r"sailing", 36),
    (r"yacht|pleasure", 37),
    (r"pilot", 50),
    (r"\bsar\b|search and rescue", 51),
    (r"law enforce|police|coast ?guard", 55),
    (r"military|naval|warship", 35),
    (r"port tender", 53),
    (r"pollution", 54),
    (r"dredg|hopper", 33),
    (r"diving", 34),
    (r"high speed", 40),
    (r"towing", 31),
    (r"cargo|carrier|container|reefer|ro-ro|bulk|heavy lift|freighter", 70),
    (r"local vessel", 56),
    (r"medical", 58),
    (r"supply|support|utility|special|tender|fire fighting|other", 90),
)

#: Free-text ship types that are aids to navigation, not ships (MarineTraffic lists buoys,
#: beacons and lights with the vessels); rows with them become AIS type 21 "others".
ATON_TYPE_PATTERN: Final[str] = (
    r"beacon|cardinal mark|hand mark|isolated danger|safe water|special mark|^light\b"
    r"|navigation aid|reference point|manned vts|racon|\bbuoy\b|lighthouse"
)

#: Normalised DMA "Type of mobile" -> AIS message type of the row.
#: Class A positions are types 1-3 (1 used), class B type 18, SAR aircraft type 9,
#: base stations type 4 and aids to navigation type 21 (ITU-R M.1371-5 Table 45).
#: AIS-SART, MOB and EPIRB-AIS devices transmit type 1 position reports (IEC 61097-14).
MOBILE_TYPE_MSG_TYPES: Final[dict[str, int]] = {
    "classa": 1,
    "classb": 18,
    "sarairborne": 9,
    "basestation": 4,
    "aton": 21,
    "searchandrescuetransponder": 1,
    "sart": 1,
    "manoverboard": 1,
    "mob": 1,
    "epirb": 1,
}

#: AIS class letter (NOAA ``TransceiverClass``, provider ``targetType``) -> message type of
#: a position row.
CLASS_MSG_TYPES: Final[dict[str, int]] = {"a": 1, "b": 18}
