"""Deterministic mixed AIS NMEA corpus for darkfleet's decode benchmarks.

The corpus follows the benchmark spec of ``shared/DESIGN.md`` ("Numbers"): by share of
*lines*, 68% type 1, 10% type 5 (two sentences per message, so 5% of messages), and the
remaining 22% types 2 (2%), 3 (6%), 4 (2%), 18 (8%), 24 part A (2%) and 24 part B (2%).
Every line carries an NMEA 4.0 tag block ``\\s:STATION,c:EPOCH*hh\\`` (the two sentences of
a type 5 message also carry ``g:1-2-ID`` / ``g:2-2-ID``), and both the tag block and the
sentence have valid checksums. ``--no-tags`` writes plain ``!AIVDM`` lines and
``--format uscg`` writes the USCG N-AIS trailer ``...*hh,rSTATION,EPOCH``.

Values are realistic rather than random bits: a fleet of Class A ships, Class B craft and
base stations spread over busy seas (North Sea, Baltic, Sea of Japan and Rajin's approaches,
East China Sea, Malacca, Gulf of Mexico, Mediterranean); each vessel moves at a constant
course and speed (a quarter of them moored), so its positions form a plausible track.
Receive times increase over one UTC day from ``--start``. Names, call signs, destinations
and IMO numbers (with a valid check digit) are fixed per vessel; a few reports carry the AIS
"not available" sentinels (heading 511, SOG 102.3, lat 91 / lon 181; ITU-R M.1371-5,
Annex 2, Table 48) so decoders' null handling is exercised.

Bit layouts follow ITU-R M.1371-5 Annex 8 (messages 1-5, 18, 24). The generator is
vectorised: each field is written into a NumPy bit matrix for a whole chunk of messages,
armoured to the 6-bit ASCII payload alphabet in bulk, and the lines are assembled as
fixed-width byte matrices per message kind and scattered into one output buffer.
Output depends only on ``--lines``, ``--seed``, ``--start``, ``--vessels`` and the format.

Example::

    python benchmarks/corpus.py --lines 1000000 --seed 7 --out benchmarks/out/mixed-1m.nmea
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

#: Share of corpus lines by message kind (DESIGN.md benchmark spec; type 5 takes two lines).
LINE_SHARES: dict[str, float] = {
    "1": 0.68,
    "5": 0.10,
    "2": 0.02,
    "3": 0.06,
    "4": 0.02,
    "18": 0.08,
    "24A": 0.02,
    "24B": 0.02,
}
KINDS: tuple[str, ...] = tuple(LINE_SHARES)
KIND_MSG_TYPE = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "18": 18, "24A": 24, "24B": 24}
FORMATS = ("nmea4", "none", "uscg")

#: Messages per generation chunk; fixed so the output never depends on memory settings.
CHUNK_MESSAGES = 200_000
DAY_S = 86_400
DEFAULT_START = datetime(2024, 3, 1, tzinfo=UTC)

#: Sea areas (name, lat_min, lat_max, lon_min, lon_max) where vessels start.
SEA_AREAS: tuple[tuple[str, float, float, float, float], ...] = (
    ("north-sea", 52.0, 58.0, 2.0, 7.0),
    ("baltic", 54.5, 59.5, 13.0, 21.0),
    ("channel", 49.6, 50.6, -4.0, 1.0),
    ("sea-of-japan", 36.0, 44.0, 131.0, 138.0),
    ("rajin-vladivostok", 41.6, 42.9, 130.4, 133.0),
    ("east-china-sea", 26.0, 32.0, 122.5, 128.0),
    ("malacca", 1.5, 5.5, 98.5, 102.5),
    ("gulf-of-mexico", 24.0, 28.0, -94.0, -85.0),
    ("mediterranean", 33.5, 37.5, 15.0, 25.0),
)
STATIONS_PER_AREA = 3
#: Maritime identification digits (ITU MID table) drawn for the fleet.
MIDS = (211, 219, 230, 244, 257, 265, 273, 412, 413, 431, 440, 445, 477, 538, 563, 636, 351, 366)
SHIP_TYPES_A = (70, 70, 70, 71, 79, 80, 80, 81, 89, 30, 52, 60, 90)
SHIP_TYPES_B = (36, 37, 37, 30, 34, 50)
NAME_WORDS_1 = (
    "NORDIC", "OCEAN", "SEA", "BALTIC", "PACIFIC", "GOLDEN", "EASTERN", "SILVER", "MARIA",
    "LADY", "ANGARA", "STAR", "AURORA", "POLAR", "CAPE", "ISLAND", "BLUE", "ROYAL", "ATLANTIC",
    "GREEN", "ARCTIC", "CORAL", "JADE", "IRON",
)  # fmt: skip
NAME_WORDS_2 = (
    "STAR", "SPIRIT", "TRADER", "PIONEER", "GLORY", "WIND", "QUEEN", "EXPRESS", "HARMONY",
    "VOYAGER", "BRIDGE", "FORTUNE", "LIGHT", "DAWN", "CARRIER", "HOPE", "MERCHANT", "DREAM",
)  # fmt: skip
DESTINATIONS = (
    "ROTTERDAM", "HAMBURG", "GDANSK", "ST PETERSBURG", "VOSTOCHNY", "NAKHODKA", "VLADIVOSTOK",
    "BUSAN", "SHANGHAI", "NINGBO", "SINGAPORE", "PORT KLANG", "HOUSTON", "NEW ORLEANS",
    "PIRAEUS", "VALLETTA", "RAJIN", "DUNAY", "ANTWERP", "FELIXSTOWE", "DKAAR", "SEKOP",
)  # fmt: skip


# --------------------------------------------------------------------------- bit packing


def _six_text(texts: list[str], width: int) -> np.ndarray:
    """Encode strings as AIS 6-bit character codes, padded with ``@`` (0) to ``width``."""
    raw = np.frombuffer(
        b"".join(t.upper()[:width].ljust(width, "@").encode("ascii") for t in texts), np.uint8
    ).reshape(len(texts), width)
    # ITU-R M.1371-5 Annex 8 Table 47: '@'..'_' are 0..31, ' '..'?' are 32..63.
    return np.where(raw >= 64, raw - 64, raw).astype(np.uint8)


class _Bits:
    """A (messages x bits) matrix that fields are written into, most significant bit first."""

    def __init__(self, n: int, n_bits: int) -> None:
        self.n_bits = n_bits
        self.bits = np.zeros((n, -(-n_bits // 6) * 6), np.uint8)
        self.offset = 0

    def put(self, width: int, values: np.ndarray | int) -> _Bits:
        vals = np.broadcast_to(np.asarray(values, np.int64), (self.bits.shape[0],))
        unsigned = (vals & ((1 << width) - 1)).astype(np.uint64)  # two's complement
        shifts = np.arange(width - 1, -1, -1, dtype=np.uint64)
        self.bits[:, self.offset : self.offset + width] = (unsigned[:, None] >> shifts) & 1
        self.offset += width
        return self

    def put_text(self, six: np.ndarray) -> _Bits:
        width = six.shape[1] * 6
        expanded = (six[:, :, None] >> np.arange(5, -1, -1, dtype=np.uint8)) & 1
        self.bits[:, self.offset : self.offset + width] = expanded.reshape(six.shape[0], width)
        self.offset += width
        return self

    def armour(self) -> tuple[np.ndarray, int]:
        """Return the payload characters (n x chars, ASCII) and the fill-bit count."""
        if self.offset != self.n_bits:
            raise RuntimeError(f"wrote {self.offset} bits, layout has {self.n_bits}")
        groups = self.bits.reshape(self.bits.shape[0], -1, 6)
        six = groups @ np.array([32, 16, 8, 4, 2, 1], np.uint8)
        ascii_ = np.where(six < 40, six + 48, six + 56).astype(np.uint8)
        return ascii_, self.bits.shape[1] - self.n_bits


# --------------------------------------------------------------------------- line assembly

_HEX = np.frombuffer(b"0123456789ABCDEF", np.uint8)


def _cat(n: int, *parts: bytes | np.ndarray) -> np.ndarray:
    cols = [
        np.broadcast_to(np.frombuffer(p, np.uint8), (n, len(p))) if isinstance(p, bytes) else p
        for p in parts
    ]
    return np.concatenate(cols, axis=1)


def _checksum_hex(body: np.ndarray) -> np.ndarray:
    xor = np.bitwise_xor.reduce(body, axis=1)
    return np.stack([_HEX[xor >> 4], _HEX[xor & 15]], axis=1)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers) % 10 + 48).astype(np.uint8)


def _line(
    fmt: str,
    sentence_body: np.ndarray,
    station: np.ndarray,
    epoch_s: np.ndarray,
    group: bytes | None = None,
    group_id: np.ndarray | None = None,
) -> np.ndarray:
    """Assemble full lines (n x width, ASCII incl. newline) around sentence bodies."""
    n = sentence_body.shape[0]
    sentence = _cat(n, b"!", sentence_body, b"*", _checksum_hex(sentence_body))
    epoch = _digits(epoch_s, 10)
    if fmt == "none":
        return _cat(n, sentence, b"\n")
    if fmt == "uscg":
        return _cat(n, sentence, b",", station, b",", epoch, b"\n")
    parts: list[bytes | np.ndarray] = []
    if group is not None and group_id is not None:
        parts += [b"g:" + group + b"-", _digits(group_id, 5), b","]
    parts += [b"s:", station, b",c:", epoch]
    tag = _cat(n, *parts)
    return _cat(n, b"\\", tag, b"*", _checksum_hex(tag), b"\\", sentence, b"\n")


# --------------------------------------------------------------------------- fleet


@dataclass(frozen=True)
class Fleet:
    """Per-vessel constants; rows of each array are vessels of one class."""

    mmsi: np.ndarray
    area: np.ndarray
    lat0: np.ndarray
    lon0: np.ndarray
    dlat_per_s: np.ndarray
    dlon_per_s: np.ndarray
    sog_knots: np.ndarray
    cog_deg: np.ndarray
    nav_status: np.ndarray
    name6: np.ndarray
    callsign6: np.ndarray
    dest6: np.ndarray
    ship_type: np.ndarray
    imo: np.ndarray
    dims: np.ndarray  # to_bow, to_stern, to_port, to_starboard (m)
    draught_dm: np.ndarray
    weight: np.ndarray  # reporting weight (some vessels are heard far more often)


def _imo_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """IMO numbers with a valid check digit (SOLAS XI-1/3; weights 7..2 of the first six)."""
    first6 = rng.integers(500_000, 999_999, n)
    digits = (first6[:, None] // 10 ** np.arange(5, -1, -1)) % 10
    check = (digits * np.arange(7, 1, -1)).sum(axis=1) % 10
    return first6 * 10 + check


def _make_fleet(rng: np.random.Generator, n: int, class_b: bool) -> Fleet:
    mids = rng.choice(np.array(MIDS), n)
    mmsi = mids * 1_000_000 + rng.choice(1_000_000, n, replace=False)
    area = rng.integers(0, len(SEA_AREAS), n)
    box = np.array([a[1:] for a in SEA_AREAS])[area]
    lat0 = rng.uniform(box[:, 0], box[:, 1])
    lon0 = rng.uniform(box[:, 2], box[:, 3])
    is_moored = rng.random(n) < 0.25
    sog = np.where(is_moored, 0.0, rng.uniform(4, 12, n) if class_b else rng.uniform(8, 20, n))
    cog = rng.uniform(0, 360, n)
    speed_deg_per_s = sog / 3600.0 / 60.0  # 1 knot = 1 arc-minute of latitude per hour
    dlat = speed_deg_per_s * np.cos(np.radians(cog))
    dlon = speed_deg_per_s * np.sin(np.radians(cog)) / np.cos(np.radians(lat0))
    nav_status = np.where(is_moored, rng.choice([1, 5], n), 0)
    w1 = rng.choice(np.array(NAME_WORDS_1), n)
    w2 = rng.choice(np.array(NAME_WORDS_2), n)
    num = rng.integers(0, 40, n)
    names = [
        f"{a} {b}" if k >= 10 else f"{a} {b} {k + 1}" for a, b, k in zip(w1, w2, num, strict=True)
    ]
    letters = rng.integers(65, 91, (n, 4)).astype(np.uint8)
    digit = rng.integers(48, 58, (n, 1)).astype(np.uint8)
    callsigns = [row.tobytes().decode() for row in np.concatenate([letters, digit], axis=1)]
    dests = list(rng.choice(np.array(DESTINATIONS), n))
    length = rng.integers(8, 25, n) if class_b else rng.integers(60, 330, n)
    to_bow = (length * rng.uniform(0.6, 0.85, n)).astype(np.int64)
    beam = np.maximum(3, length // 7)
    to_port = beam // 2
    dims = np.stack([to_bow, length - to_bow, to_port, beam - to_port], axis=1)
    return Fleet(
        mmsi=mmsi,
        area=area,
        lat0=lat0,
        lon0=lon0,
        dlat_per_s=dlat,
        dlon_per_s=dlon,
        sog_knots=sog,
        cog_deg=cog,
        nav_status=nav_status,
        name6=_six_text(names, 20),
        callsign6=_six_text(callsigns, 7),
        dest6=_six_text(dests, 20),
        ship_type=rng.choice(np.array(SHIP_TYPES_B if class_b else SHIP_TYPES_A), n),
        imo=np.zeros(n, np.int64) if class_b else _imo_numbers(rng, n),
        dims=np.minimum(dims, [511, 511, 63, 63]),
        draught_dm=rng.integers(20, 160, n),
        weight=rng.lognormal(0.0, 1.0, n),
    )


@dataclass(frozen=True)
class Plan:
    """The whole corpus's message order and timing, cheap enough to hold for 10M lines."""

    kinds: np.ndarray  # index into KINDS, per message
    first_line: np.ndarray  # line index of each message's first sentence
    epoch_s: np.ndarray  # receive time of each message (UTC seconds)
    vessel: np.ndarray  # row in the fleet table of the message's class
    n_lines: int


def _counts(lines: int) -> dict[str, int]:
    counts = {k: int(round(LINE_SHARES[k] * lines)) for k in KINDS}
    counts["5"] -= counts["5"] % 2
    counts["1"] += lines - sum(counts.values())
    return counts


class Corpus:
    """A deterministic corpus: ``Corpus(lines, seed).chunks()`` yields bytes in order."""

    def __init__(
        self,
        lines: int,
        seed: int = 7,
        *,
        fmt: str = "nmea4",
        start: datetime = DEFAULT_START,
        vessels: int | None = None,
    ) -> None:
        if lines < 10:
            raise ValueError(f"--lines must be >= 10, got {lines}")
        if fmt not in FORMATS:
            raise ValueError(f"--format must be one of {FORMATS}, got {fmt!r}")
        if start.tzinfo is None:
            raise ValueError("--start must carry a UTC offset, e.g. 2024-03-01T00:00Z")
        self.lines, self.seed, self.fmt = lines, seed, fmt
        self.start_s = int(start.timestamp())
        n_vessels = vessels if vessels is not None else int(np.clip(lines // 100, 100, 100_000))
        rng = np.random.default_rng([seed, 0])
        self.fleet_a = _make_fleet(rng, max(1, int(n_vessels * 0.75)), class_b=False)
        self.fleet_b = _make_fleet(rng, max(1, n_vessels - int(n_vessels * 0.75)), class_b=True)
        n_stations = len(SEA_AREAS) * STATIONS_PER_AREA
        self.stations = np.array(
            [list(b"r%09d" % (3_660_000 + 37 * k)) for k in range(n_stations)], np.uint8
        )
        self.base_area = np.arange(len(SEA_AREAS) * 2) % len(SEA_AREAS)
        box = np.array([a[1:] for a in SEA_AREAS])[self.base_area]
        self.base_lat, self.base_lon = box[:, 0], (box[:, 2] + box[:, 3]) / 2
        self.base_mmsi = (
            np.array(MIDS[: len(self.base_area)]) * 10_000 + 100 + np.arange(len(self.base_area))
        )
        self.plan = self._plan(rng)

    @property
    def n_messages(self) -> int:
        return len(self.plan.kinds)

    def _plan(self, rng: np.random.Generator) -> Plan:
        counts = _counts(self.lines)
        msgs = {k: (c // 2 if k == "5" else c) for k, c in counts.items()}
        kinds = np.repeat(np.arange(len(KINDS), dtype=np.int8), [msgs[k] for k in KINDS])
        rng.shuffle(kinds)
        n_sent = np.where(kinds == KINDS.index("5"), 2, 1)
        first_line = np.concatenate([[0], np.cumsum(n_sent)[:-1]])
        epoch_s = self.start_s + (first_line * DAY_S) // self.lines
        vessel = np.zeros(len(kinds), np.int64)
        is_b = np.isin(kinds, [KINDS.index(k) for k in ("18", "24A", "24B")])
        is_base = kinds == KINDS.index("4")
        is_a = ~(is_b | is_base)
        for mask, fleet_weight in ((is_a, self.fleet_a.weight), (is_b, self.fleet_b.weight)):
            p = fleet_weight / fleet_weight.sum()
            vessel[mask] = rng.choice(len(p), int(mask.sum()), p=p)
        vessel[is_base] = rng.integers(0, len(self.base_mmsi), int(is_base.sum()))
        return Plan(kinds, first_line, epoch_s, vessel, self.lines)

    # ----------------------------------------------------------------- per-kind payloads

    def _station(self, area: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.stations[
            area * STATIONS_PER_AREA + rng.integers(0, STATIONS_PER_AREA, len(area))
        ]

    def _position(
        self, fleet: Fleet, v: np.ndarray, epoch_s: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        t = (epoch_s - self.start_s).astype(np.float64)
        lat = np.clip(fleet.lat0[v] + fleet.dlat_per_s[v] * t, -89.0, 89.0)
        lon = (fleet.lon0[v] + fleet.dlon_per_s[v] * t + 180.0) % 360.0 - 180.0
        return lat, lon

    def _class_a_position(
        self,
        msg_type: int,
        v: np.ndarray,
        epoch_s: np.ndarray,
        rng: np.random.Generator,
        truth: dict[str, np.ndarray],
    ) -> _Bits:
        f, n = self.fleet_a, len(v)
        lat, lon = self._position(f, v, epoch_s)
        moving = f.sog_knots[v] > 0
        sog = np.where(
            moving,
            np.clip(np.rint((f.sog_knots[v] + rng.normal(0, 0.3, n)) * 10), 0, 1022),
            rng.integers(0, 3, n),
        )
        cog = np.where(
            moving,
            np.rint((f.cog_deg[v] + rng.normal(0, 2, n)) % 360 * 10) % 3600,
            rng.integers(0, 3600, n),
        )
        heading = np.rint(f.cog_deg[v] + rng.normal(0, 3, n)).astype(np.int64) % 360
        heading = np.where(rng.random(n) < 0.05, 511, heading)  # 511 = not available
        lat_i, lon_i = (
            np.rint(lat * 600_000).astype(np.int64),
            np.rint(lon * 600_000).astype(np.int64),
        )
        no_pos = rng.random(n) < 0.002  # lat 91 / lon 181 = not available
        lat_i, lon_i = np.where(no_pos, 91 * 600_000, lat_i), np.where(no_pos, 181 * 600_000, lon_i)
        sog = np.where(rng.random(n) < 0.002, 1023, sog)  # 102.3 = not available
        rot = np.where(moving & (rng.random(n) < 0.5), rng.integers(-20, 21, n), -128)
        b = _Bits(n, 168)
        # M.1371-5 Annex 8 Table 45: type, repeat, mmsi, status, rot, sog, accuracy, lon,
        # lat, cog, heading, second, manoeuvre, spare, raim, radio
        b.put(6, msg_type).put(2, 0).put(30, f.mmsi[v]).put(4, f.nav_status[v]).put(8, rot)
        b.put(10, sog).put(1, rng.integers(0, 2, n)).put(28, lon_i).put(27, lat_i).put(12, cog)
        b.put(9, heading).put(6, epoch_s % 60).put(2, 0).put(3, 0).put(1, rng.integers(0, 2, n))
        b.put(19, rng.integers(0, 1 << 19, n))
        truth["lat"], truth["lon"] = (
            np.where(no_pos, np.nan, lat_i / 600_000),
            np.where(no_pos, np.nan, lon_i / 600_000),
        )
        truth["sog_knots"] = np.where(sog == 1023, np.nan, sog / 10)
        return b

    def _class_b_position(
        self,
        v: np.ndarray,
        epoch_s: np.ndarray,
        rng: np.random.Generator,
        truth: dict[str, np.ndarray],
    ) -> _Bits:
        f, n = self.fleet_b, len(v)
        lat, lon = self._position(f, v, epoch_s)
        moving = f.sog_knots[v] > 0
        sog = np.where(
            moving, np.clip(np.rint((f.sog_knots[v] + rng.normal(0, 0.3, n)) * 10), 0, 1022), 0
        )
        cog = np.where(moving, np.rint((f.cog_deg[v] % 360) * 10) % 3600, 3600)  # 3600 = n/a
        heading = np.where(rng.random(n) < 0.5, 511, np.rint(f.cog_deg[v]).astype(np.int64) % 360)
        lat_i, lon_i = (
            np.rint(lat * 600_000).astype(np.int64),
            np.rint(lon * 600_000).astype(np.int64),
        )
        b = _Bits(n, 168)
        # Table 80: type, repeat, mmsi, spare, sog, accuracy, lon, lat, cog, heading, second,
        # spare, cs, display, dsc, band, msg22, assigned, raim, radio
        b.put(6, 18).put(2, 0).put(30, f.mmsi[v]).put(8, 0).put(10, sog).put(1, 0)
        b.put(28, lon_i).put(27, lat_i).put(12, cog).put(9, heading).put(6, epoch_s % 60)
        b.put(2, 0).put(1, 1).put(1, 0).put(1, 1).put(1, 1).put(1, 1).put(1, 0).put(1, 0)
        b.put(20, rng.integers(0, 1 << 20, n))
        truth["lat"], truth["lon"], truth["sog_knots"] = lat_i / 600_000, lon_i / 600_000, sog / 10
        return b

    def _base_station(
        self,
        v: np.ndarray,
        epoch_s: np.ndarray,
        rng: np.random.Generator,
        truth: dict[str, np.ndarray],
    ) -> _Bits:
        n = len(v)
        dt = epoch_s.astype("datetime64[s]")
        year = dt.astype("datetime64[Y]").astype(np.int64) + 1970
        month = dt.astype("datetime64[M]").astype(np.int64) % 12 + 1
        day = (dt.astype("datetime64[D]") - dt.astype("datetime64[M]")).astype(np.int64) + 1
        sec_of_day = epoch_s % DAY_S
        lat_i = np.rint(self.base_lat[v] * 600_000).astype(np.int64)
        lon_i = np.rint(self.base_lon[v] * 600_000).astype(np.int64)
        b = _Bits(n, 168)
        # Table 46: type, repeat, mmsi, year, month, day, hour, minute, second, accuracy, lon,
        # lat, epfd (7 = surveyed), spare, raim, radio
        b.put(6, 4).put(2, 0).put(30, self.base_mmsi[v]).put(14, year).put(4, month).put(5, day)
        b.put(5, sec_of_day // 3600).put(6, sec_of_day // 60 % 60).put(6, sec_of_day % 60)
        b.put(1, 1).put(28, lon_i).put(27, lat_i).put(4, 7).put(10, 0).put(1, 0)
        b.put(19, rng.integers(0, 1 << 19, n))
        truth["lat"], truth["lon"] = lat_i / 600_000, lon_i / 600_000
        return b

    def _static_a(self, v: np.ndarray, epoch_s: np.ndarray) -> _Bits:
        f, n = self.fleet_a, len(v)
        eta = (epoch_s + 86_400 * 2).astype("datetime64[s]")
        eta_month = eta.astype("datetime64[M]").astype(np.int64) % 12 + 1
        eta_day = (eta.astype("datetime64[D]") - eta.astype("datetime64[M]")).astype(np.int64) + 1
        b = _Bits(n, 424)
        # Table 52: type, repeat, mmsi, ais version, imo, call sign, name, ship type,
        # dimensions (bow, stern, port, starboard), epfd, eta (month, day, hour, minute),
        # draught (0.1 m), destination, dte, spare
        b.put(6, 5).put(2, 0).put(30, f.mmsi[v]).put(2, 0).put(30, f.imo[v])
        b.put_text(f.callsign6[v]).put_text(f.name6[v]).put(8, f.ship_type[v])
        b.put(9, f.dims[v, 0]).put(9, f.dims[v, 1]).put(6, f.dims[v, 2]).put(6, f.dims[v, 3])
        b.put(4, 1).put(4, eta_month).put(5, eta_day).put(5, 12).put(6, 0)
        b.put(8, f.draught_dm[v]).put_text(f.dest6[v]).put(1, 0).put(1, 0)
        return b

    def _static_b(self, part: int, v: np.ndarray) -> _Bits:
        f, n = self.fleet_b, len(v)
        if part == 0:
            b = _Bits(n, 160)
            # Table 86 part A: type, repeat, mmsi, part number, name
            b.put(6, 24).put(2, 0).put(30, f.mmsi[v]).put(2, 0).put_text(f.name6[v])
            return b
        b = _Bits(n, 168)
        # Table 86 part B: type, repeat, mmsi, part number, ship type, vendor id (3 chars,
        # model 4 bits, serial 20 bits), call sign, dimensions, spare
        b.put(6, 24).put(2, 0).put(30, f.mmsi[v]).put(2, 1).put(8, f.ship_type[v])
        b.put_text(np.tile(_six_text(["SRT"], 3), (n, 1))).put(4, 1).put(20, f.mmsi[v] % 1_000_000)
        b.put_text(f.callsign6[v]).put(9, f.dims[v, 0]).put(9, f.dims[v, 1])
        b.put(6, f.dims[v, 2]).put(6, f.dims[v, 3]).put(6, 0)
        return b

    # ----------------------------------------------------------------- chunks

    def chunks(self, *, with_truth: bool = False) -> Iterator[tuple[bytes, dict[str, np.ndarray]]]:
        """Yield ``(bytes, truth)`` per chunk of messages, in corpus order.

        ``truth`` (only when ``with_truth``) maps ``msg_type``, ``mmsi``, ``epoch_s``,
        ``lat``, ``lon`` (NaN when absent or "not available"), ``sog_knots`` and
        ``first_line`` to per-message arrays, for checking decoders against the generator.
        """
        for chunk_no, m0 in enumerate(range(0, self.n_messages, CHUNK_MESSAGES)):
            m1 = min(m0 + CHUNK_MESSAGES, self.n_messages)
            yield self._chunk(chunk_no, m0, m1, with_truth)

    def _chunk(
        self, chunk_no: int, m0: int, m1: int, with_truth: bool
    ) -> tuple[bytes, dict[str, np.ndarray]]:
        rng = np.random.default_rng([self.seed, 1, chunk_no])
        plan = self.plan
        kinds, vessel, epoch_s = plan.kinds[m0:m1], plan.vessel[m0:m1], plan.epoch_s[m0:m1]
        line0 = plan.first_line[m0]
        first_local = plan.first_line[m0:m1] - line0
        line_end = plan.first_line[m1] if m1 < self.n_messages else plan.n_lines
        n_lines = int(line_end - line0)
        pieces: list[tuple[np.ndarray, np.ndarray]] = []  # (local line indices, line matrix)
        n = m1 - m0
        truth: dict[str, np.ndarray] = {}
        if with_truth:
            truth = {
                "msg_type": np.array([KIND_MSG_TYPE[KINDS[k]] for k in range(len(KINDS))])[kinds],
                "mmsi": np.zeros(n, np.int64),
                "epoch_s": epoch_s.copy(),
                "lat": np.full(n, np.nan),
                "lon": np.full(n, np.nan),
                "sog_knots": np.full(n, np.nan),
                "first_line": plan.first_line[m0:m1].copy(),
            }
        for k, kind in enumerate(KINDS):
            idx = np.flatnonzero(kinds == k)
            if len(idx) == 0:
                continue
            v, t = vessel[idx], epoch_s[idx]
            part_truth: dict[str, np.ndarray] = {}
            if kind in ("1", "2", "3"):
                bits = self._class_a_position(int(kind), v, t, rng, part_truth)
                mmsi, area = self.fleet_a.mmsi[v], self.fleet_a.area[v]
            elif kind == "18":
                bits = self._class_b_position(v, t, rng, part_truth)
                mmsi, area = self.fleet_b.mmsi[v], self.fleet_b.area[v]
            elif kind == "4":
                bits = self._base_station(v, t, rng, part_truth)
                mmsi, area = self.base_mmsi[v], self.base_area[v]
            elif kind == "5":
                bits = self._static_a(v, t)
                mmsi, area = self.fleet_a.mmsi[v], self.fleet_a.area[v]
            else:
                bits = self._static_b(0 if kind == "24A" else 1, v)
                mmsi, area = self.fleet_b.mmsi[v], self.fleet_b.area[v]
            payload, fill = bits.armour()
            m = len(idx)
            station = self._station(area, rng)
            channel = np.where(rng.random(m) < 0.5, ord("A"), ord("B")).astype(np.uint8)[:, None]
            if kind != "5":
                body = _cat(m, b"AIVDM,1,1,,", channel, b",", payload, b",%d" % fill)
                pieces.append((first_local[idx], _line(self.fmt, body, station, t)))
            else:
                seq = (((m0 + idx) % 9) + 49).astype(np.uint8)[:, None]  # sequential id 1-9
                gid = 10_000 + (m0 + idx) % 90_000
                for part, (a, z, f) in enumerate(((0, 60, 0), (60, payload.shape[1], fill))):
                    body = _cat(
                        m,
                        b"AIVDM,2,%d," % (part + 1),
                        seq,
                        b",",
                        channel,
                        b",",
                        payload[:, a:z],
                        b",%d" % f,
                    )
                    group = b"%d-2" % (part + 1)
                    pieces.append(
                        (first_local[idx] + part, _line(self.fmt, body, station, t, group, gid))
                    )
            if with_truth:
                truth["mmsi"][idx] = mmsi
                for key, values in part_truth.items():
                    truth[key][idx] = values
        return self._scatter(n_lines, pieces), truth

    @staticmethod
    def _scatter(n_lines: int, pieces: list[tuple[np.ndarray, np.ndarray]]) -> bytes:
        lengths = np.zeros(n_lines, np.int64)
        for lines, matrix in pieces:
            lengths[lines] = matrix.shape[1]
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        out = np.empty(int(lengths.sum()), np.uint8)
        for lines, matrix in pieces:
            where = offsets[lines][:, None] + np.arange(matrix.shape[1])
            out[where.ravel()] = matrix.ravel()
        return out.tobytes()

    def to_bytes(self) -> bytes:
        """The whole corpus in memory (for tests and small corpora)."""
        return b"".join(data for data, _ in self.chunks())

    def write(self, path: Path) -> int:
        """Write the corpus to ``path`` (via a temporary file renamed into place); return bytes."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        size = 0
        with partial.open("wb") as out:
            for data, _ in self.chunks():
                out.write(data)
                size += len(data)
        partial.replace(path)
        return size


def _parse_start(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"--start {text!r} has no UTC offset; write e.g. 2024-03-01T00:00Z"
        )
    return value.astimezone(UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--lines", type=int, default=1_000_000, help="number of NMEA lines (default %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default %(default)s)")
    parser.add_argument("--out", type=Path, required=True, help="output file")
    parser.add_argument(
        "--start",
        type=_parse_start,
        default=DEFAULT_START,
        help="UTC start of the day of receive times (default 2024-03-01T00:00Z)",
    )
    parser.add_argument(
        "--vessels", type=int, default=None, help="fleet size (default lines/100, 100..100000)"
    )
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=FORMATS,
        default="nmea4",
        help="nmea4: tag blocks (default); none: plain !AIVDM; uscg: ',rSTATION,EPOCH' trailer",
    )
    parser.add_argument("--no-tags", action="store_true", help="same as --format none")
    args = parser.parse_args(argv)
    fmt = "none" if args.no_tags else args.fmt
    started = time.perf_counter()
    try:
        corpus = Corpus(args.lines, args.seed, fmt=fmt, start=args.start, vessels=args.vessels)
    except ValueError as err:
        parser.error(str(err))
    size = corpus.write(args.out)
    elapsed = time.perf_counter() - started
    print(
        f"wrote {args.out}: {corpus.lines:,} lines, {corpus.n_messages:,} messages, "
        f"{size / 1e6:.1f} MB in {elapsed:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
