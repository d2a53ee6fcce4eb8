"""A small NMEA scenario with planted events, written with pyais (tests only).

File A (2023-10-01 00:00-12:00 UTC):
- ``DARK`` (273000001) lies off Vostochny (RUS) reporting every 10 min until 06:00, then
  goes silent: after A alone its gap is open (the data ends at 12:00).
- ``MEET_A``/``MEET_B`` (273000002/273000003) drift 220 m apart at 0.3 kn in the middle of
  the Sea of Japan from 00:00 to 12:00: an encounter.
- ``DARK`` reports its name ANGARA twice.
File B (2023-10-01 18:00 - 2023-10-02 02:00):
- ``DARK`` reappears off Vostochny at 18:00 (a closed 12 h gap starting near the port) and
  reports the name LADY R twice (an identity change).
- ``OTHER`` (273000004) sails far away, so the data ends later.

``write_dark_call_feed`` writes another, one-vessel feed: ``SHUTTLE`` (273000005, LADY R,
IMO 9161003) sails south out of Dunay at 11 kn for 2 h, goes dark for 60 h (time enough
for a call at Najin, about 100 nm away by sea) and reappears where it went dark, sailing
back north for 2 h.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from functools import reduce
from pathlib import Path

from pyais.encode import encode_dict

DARK, MEET_A, MEET_B, OTHER = 273000001, 273000002, 273000003, 273000004
SHUTTLE = 273000005
#: ``SHUTTLE``'s gap: it goes dark at GAP_START and reappears at GAP_END.
GAP_START = datetime(2023, 10, 10, 2, tzinfo=UTC)
GAP_END = GAP_START + timedelta(hours=60)
T0 = datetime(2023, 10, 1, tzinfo=UTC)
VOSTOCHNY = (42.7634, 133.0041)
SEA = (40.0, 134.0)


def _tag(content: str) -> str:
    checksum = reduce(lambda acc, ch: acc ^ ord(ch), content, 0)
    return f"\\{content}*{checksum:02X}\\"


def _position(mmsi: int, ts: datetime, lat: float, lon: float, sog: float) -> list[str]:
    sentences = encode_dict(
        {
            "type": 1,
            "mmsi": mmsi,
            "lat": lat,
            "lon": lon,
            "speed": sog,
            "course": 90.0,
            "heading": 90,
            "status": 0,
        },
        talker_id="AI",
        sentence_type="VDM",
    )
    return [_tag(f"c:{int(ts.timestamp())}") + sentences[0]]


def _static(
    mmsi: int,
    ts: datetime,
    name: str,
    group: int,
    *,
    imo: int = 9179842,
    callsign: str = "UBCT6",
) -> list[str]:
    sentences = encode_dict(
        {
            "type": 5,
            "mmsi": mmsi,
            "shipname": name,
            "imo": imo,
            "callsign": callsign,
            "ship_type": 70,
        },
        talker_id="AI",
        sentence_type="VDM",
    )
    stamp = int(ts.timestamp())
    return [
        _tag(f"g:{i + 1}-{len(sentences)}-{group},c:{stamp}") + sentence
        for i, sentence in enumerate(sentences)
    ]


def _every(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    out = []
    while start <= end:
        out.append(start)
        start += step
    return out


def lines_a() -> list[str]:
    """File A's lines in time order."""
    step = timedelta(minutes=10)
    rows: list[tuple[datetime, list[str]]] = []
    for ts in _every(T0, T0 + timedelta(hours=6), step):
        rows.append((ts, _position(DARK, ts, *VOSTOCHNY, 0.0)))
    for ts in _every(T0, T0 + timedelta(hours=12), step):
        rows.append((ts, _position(MEET_A, ts, SEA[0], SEA[1], 0.3)))
        rows.append((ts, _position(MEET_B, ts, SEA[0] + 0.002, SEA[1], 0.3)))
    rows.append((T0 + timedelta(hours=1), _static(DARK, T0 + timedelta(hours=1), "ANGARA", 1)))
    rows.append((T0 + timedelta(hours=2), _static(DARK, T0 + timedelta(hours=2), "ANGARA", 2)))
    rows.sort(key=lambda row: row[0])
    return [line for _, lines in rows for line in lines]


def lines_b() -> list[str]:
    """File B's lines in time order."""
    step = timedelta(minutes=10)
    back = T0 + timedelta(hours=18)
    rows: list[tuple[datetime, list[str]]] = []
    for ts in _every(back, back + timedelta(hours=4), step):  # data ends 4 h later
        rows.append((ts, _position(DARK, ts, *VOSTOCHNY, 0.0)))
    for ts in _every(back, back + timedelta(hours=8), timedelta(minutes=30)):
        rows.append((ts, _position(OTHER, ts, 35.0, 140.5, 12.0)))
    rows.append((back, _static(DARK, back, "LADY R", 3)))
    rows.append((back + timedelta(hours=1), _static(DARK, back + timedelta(hours=1), "LADY R", 4)))
    rows.sort(key=lambda row: row[0])
    return [line for _, lines in rows for line in lines]


def write_scenario(folder: Path) -> tuple[Path, Path]:
    """Write file A (plain) and file B (gzip) into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    path_a = folder / "a.nmea"
    path_b = folder / "b.nmea.gz"
    path_a.write_text("\n".join(lines_a()) + "\n")
    with gzip.open(path_b, "wt") as handle:
        handle.write("\n".join(lines_b()) + "\n")
    return path_a, path_b


def write_dark_call_feed(folder: Path) -> Path:
    """Write ``SHUTTLE``'s feed (module docstring) into ``folder``; return its path."""
    step = timedelta(minutes=10)
    lat_step = 11.0 / 6 / 60  # 11 kn for 10 min, in degrees of latitude
    sailing = timedelta(hours=2)
    rows: list[tuple[datetime, list[str]]] = []
    out = _every(GAP_START - sailing, GAP_START, step)
    for k, ts in enumerate(out):
        rows.append((ts, _position(SHUTTLE, ts, 42.80 - k * lat_step, 132.34, 11.0)))
    low = 42.80 - (len(out) - 1) * lat_step
    for k, ts in enumerate(_every(GAP_END, GAP_END + sailing, step)):
        rows.append((ts, _position(SHUTTLE, ts, low + k * lat_step, 132.34, 11.0)))
    first = GAP_START - sailing
    rows.append((first, _static(SHUTTLE, first, "LADY R", 1, imo=9161003, callsign="UBMB4")))
    rows.sort(key=lambda row: row[0])
    path = folder / "lady_r.nmea"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(line for _, lines in rows for line in lines) + "\n")
    return path
