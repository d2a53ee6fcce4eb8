"""Per-message-type field decoders writing into preallocated columns (ingest layer).

Imports nothing of darkfleet outside ``ingest.nmea``. Each decoder takes a chunk of row
numbers (all of one decoder group, ascending) and writes the decoded values of those
rows into the output columns at each row's rank in its output frame, so that every
output keeps input order without sorting. Validity (``*_ok``) arrays start all False:
a decoder sets only what its message type carries, the rest stays null.

Conventions (ITU-R M.1371-5 Annex 8; gpsd AIVDM notes):

- "Not available" values become nulls: latitude 91, longitude 181, SOG 1023 (102.3 kn,
  SAR 1023 kn, long range 63 kn), COG 3600 (long range 511), heading 511.
- Undefined values also become nulls: headings 360-510 and COG above 360 are not
  defined by the standard, and class B units send them (heading 480 is common in the
  AISHub sample); darkfleet keeps the position and nulls the field.
- Positions outside +-90 / +-180 that are not the "not available" value reject the
  whole message as "out of range" (a corrupted or misdecoded report).
- Zero means "not available" for IMO, ship type, draught and each dimension.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from darkfleet.ingest.nmea import layouts as lay
from darkfleet.ingest.nmea.armor import U8, U64, extract, gather_text, gather_words, words_for

__all__ = ["DECODERS", "Others", "Positions", "Statics", "Work"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

_AT: Final = np.uint8(64)  # '@', AIS text padding
_US_PER_S: Final = 1_000_000


class _LatLon:
    """Columns shared by the outputs that carry a position."""

    lat: F64
    lon: F64
    lat_ok: Bools
    lon_ok: Bools

    def __init__(self, n: int) -> None:
        self.lat = np.zeros(n, np.float64)
        self.lon = np.zeros(n, np.float64)
        self.lat_ok = np.zeros(n, np.bool_)
        self.lon_ok = np.zeros(n, np.bool_)


class Positions(_LatLon):
    """Decoded columns of ``schema.POSITIONS`` rows, by output rank."""

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self.mmsi = np.zeros(n, np.int64)
        self.sog = np.zeros(n, np.float32)
        self.cog = np.zeros(n, np.float32)
        self.heading = np.zeros(n, np.int16)
        self.status = np.zeros(n, np.int8)
        self.sog_ok = np.zeros(n, np.bool_)
        self.cog_ok = np.zeros(n, np.bool_)
        self.heading_ok = np.zeros(n, np.bool_)
        self.status_ok = np.zeros(n, np.bool_)


class Statics:
    """Decoded columns of ``schema.STATICS`` rows, by output rank."""

    DIMENSIONS: Final = ("to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m")

    def __init__(self, n: int) -> None:
        self.mmsi = np.zeros(n, np.int64)
        self.imo = np.zeros(n, np.int64)
        self.imo_ok = np.zeros(n, np.bool_)
        self.ship_type = np.zeros(n, np.int16)
        self.ship_type_ok = np.zeros(n, np.bool_)
        self.draught = np.zeros(n, np.float32)
        self.draught_ok = np.zeros(n, np.bool_)
        self.part = np.zeros(n, np.int8)
        self.part_ok = np.zeros(n, np.bool_)
        self.dimensions = np.zeros((4, n), np.int16)
        self.dimensions_ok = np.zeros((4, n), np.bool_)
        self.name = np.full((n, 20), _AT, np.uint8)
        self.callsign = np.full((n, 7), _AT, np.uint8)
        self.destination = np.full((n, 20), _AT, np.uint8)
        self.has_name = np.zeros(n, np.bool_)
        self.has_callsign = np.zeros(n, np.bool_)
        self.has_destination = np.zeros(n, np.bool_)


class Others(_LatLon):
    """Decoded columns of ``schema.OTHERS`` rows, by output rank."""

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self.mmsi = np.zeros(n, np.int64)
        self.station_us = np.zeros(n, np.int64)
        self.station_ok = np.zeros(n, np.bool_)
        self.name = np.full((n, 34), _AT, np.uint8)
        self.has_name = np.zeros(n, np.bool_)


@dataclass(slots=True)
class Work:
    """Everything the decoders read and write for one call of ``decode_messages``."""

    sixbit: U8
    starts: I64
    bit_lengths: I64
    position_rank: I64
    static_rank: I64
    other_rank: I64
    positions: Positions
    statics: Statics
    others: Others
    #: Rows rejected while decoding (out of range, bad type 24 part): excluded later.
    is_late_reject: Bools
    #: One small frame (row, reason, detail) per batch of late rejects.
    late_rejects: list[pl.DataFrame] = field(default_factory=list)


def _get(words: U64, f: lay.Field) -> I64:
    return extract(words, f.start, f.width, is_signed=f.is_signed)


def _late_reject(work: Work, rows: I64, reason: str, detail: pl.Series) -> None:
    work.is_late_reject[rows] = True
    work.late_rejects.append(
        pl.DataFrame({"row": pl.Series(rows, dtype=pl.Int64), "reason": reason, "detail": detail})
    )


def _put_position(
    work: Work, rows: I64, out: _LatLon, rank: I64, lat_raw: I64, lon_raw: I64, per_degree: int
) -> None:
    """Write lat/lon in degrees; nulls for 91/181; reject values beyond +-90/+-180."""
    lat_na = lat_raw == 91 * per_degree
    lon_na = lon_raw == 181 * per_degree
    lat = lat_raw / per_degree
    lon = lon_raw / per_degree
    out.lat[rank] = lat
    out.lon[rank] = lon
    out.lat_ok[rank] = ~lat_na
    out.lon_ok[rank] = ~lon_na
    bad_lat = (np.abs(lat_raw) > 90 * per_degree) & ~lat_na
    bad_lon = (np.abs(lon_raw) > 180 * per_degree) & ~lon_na
    bad = bad_lat | bad_lon
    if bad.any():
        values = pl.DataFrame(
            {"lat": lat[bad], "lon": lon[bad], "bl": bad_lat[bad], "bo": bad_lon[bad]}
        )
        detail = values.select(
            pl.concat_str(
                pl.when("bl").then(pl.format("lat {} outside -90..90", pl.col("lat").round(6))),
                pl.when("bo").then(pl.format("lon {} outside -180..180", pl.col("lon").round(6))),
                separator="; ",
                ignore_nulls=True,
            )
        ).to_series()
        _late_reject(work, rows[bad], "out of range", detail)


def _put_motion(
    p: Positions,
    rank: I64,
    sog_raw: I64,
    sog_per_knot: int,
    sog_na: int,
    cog_raw: I64,
    cog_per_degree: int,
) -> None:
    # Convert before scattering: a scatter that also casts is 3x slower.
    p.sog[rank] = (sog_raw / sog_per_knot).astype(np.float32)
    p.sog_ok[rank] = sog_raw != sog_na
    p.cog[rank] = (cog_raw / cog_per_degree).astype(np.float32)
    # 3600 (long range: 511) is "not available"; anything >= 360 degrees is undefined.
    p.cog_ok[rank] = cog_raw < 360 * cog_per_degree


def _put_heading(p: Positions, rank: I64, heading: I64) -> None:
    p.heading[rank] = heading.astype(np.int16)
    p.heading_ok[rank] = heading < 360  # 511 = not available, 360-510 undefined


def _class_a(work: Work, rows: I64) -> None:
    w = gather_words(work.sixbit, work.starts[rows], words_for(lay.A_HEADING.end))
    p, rank = work.positions, work.position_rank[rows]
    p.mmsi[rank] = _get(w, lay.MMSI)
    p.status[rank] = _get(w, lay.A_STATUS).astype(np.int8)
    p.status_ok[rank] = True
    _put_motion(p, rank, _get(w, lay.A_SOG), 10, 1023, _get(w, lay.A_COG), 10)
    _put_heading(p, rank, _get(w, lay.A_HEADING))
    _put_position(work, rows, p, rank, _get(w, lay.A_LAT), _get(w, lay.A_LON), 600_000)


def _sar(work: Work, rows: I64) -> None:
    w = gather_words(work.sixbit, work.starts[rows], words_for(lay.SAR_COG.end))
    p, rank = work.positions, work.position_rank[rows]
    p.mmsi[rank] = _get(w, lay.MMSI)
    # Type 9 SOG is in whole knots (aircraft): 1023 = not available, 1022 = >= 1022 kn.
    _put_motion(p, rank, _get(w, lay.SAR_SOG), 1, 1023, _get(w, lay.SAR_COG), 10)
    _put_position(work, rows, p, rank, _get(w, lay.SAR_LAT), _get(w, lay.SAR_LON), 600_000)


def _class_b_position(work: Work, rows: I64, w: U64) -> None:
    p, rank = work.positions, work.position_rank[rows]
    p.mmsi[rank] = _get(w, lay.MMSI)
    _put_motion(p, rank, _get(w, lay.B_SOG), 10, 1023, _get(w, lay.B_COG), 10)
    _put_heading(p, rank, _get(w, lay.B_HEADING))
    _put_position(work, rows, p, rank, _get(w, lay.B_LAT), _get(w, lay.B_LON), 600_000)


def _class_b(work: Work, rows: I64) -> None:
    w = gather_words(work.sixbit, work.starts[rows], words_for(lay.B_HEADING.end))
    _class_b_position(work, rows, w)


def _put_int(
    values: npt.NDArray[np.generic], ok: Bools, rank: I64, raw: I64, present: Bools | None
) -> None:
    """Write an integer field where 0 means "not available"."""
    values[rank] = raw.astype(values.dtype)
    is_ok = raw != 0
    if present is not None:
        is_ok &= present
    ok[rank] = is_ok


def _present(bit_lengths: I64, f: lay.Field | lay.Text, minimum: int) -> Bools | None:
    """Rows whose payload holds the whole field; None when every row must."""
    return None if f.end <= minimum else bit_lengths >= f.end


def _put_text(
    matrix: U8, has_text: Bools, rank: I64, work: Work, rows: I64, text: lay.Text, minimum: int
) -> None:
    """Write a text field's characters; characters the payload cuts stay '@'."""
    chars = gather_text(work.sixbit, work.starts[rows], text.start, text.n_chars)
    if text.end > minimum:
        bits = work.bit_lengths[rows]
        short = np.flatnonzero(bits < text.end)
        if short.size:
            char_ends = text.start + 6 * np.arange(1, text.n_chars + 1)
            cut = char_ends[None, :] > bits[short, None]
            block = chars[short]
            block[cut] = _AT
            chars[short] = block
    matrix[rank] = chars
    has_text[rank] = True


def _put_dimensions(
    s: Statics,
    rank: I64,
    w: U64,
    fields: tuple[lay.Field, ...],
    bits: I64,
    minimum: int,
    is_known: Bools | None = None,
) -> None:
    for i, f in enumerate(fields):
        present = _present(bits, f, minimum)
        if is_known is not None:
            present = is_known if present is None else present & is_known
        _put_int(s.dimensions[i], s.dimensions_ok[i], rank, _get(w, f), present)


def _class_b_extended(work: Work, rows: I64) -> None:
    minimum = int(lay.MIN_BITS[19])
    w = gather_words(work.sixbit, work.starts[rows], words_for(lay.B19_DIMENSIONS[-1].end))
    _class_b_position(work, rows, w)
    s, rank, bits = work.statics, work.static_rank[rows], work.bit_lengths[rows]
    s.mmsi[rank] = _get(w, lay.MMSI)
    _put_text(s.name, s.has_name, rank, work, rows, lay.B19_NAME, minimum)
    _put_int(
        s.ship_type,
        s.ship_type_ok,
        rank,
        _get(w, lay.B19_SHIP_TYPE),
        _present(bits, lay.B19_SHIP_TYPE, minimum),
    )
    _put_dimensions(s, rank, w, lay.B19_DIMENSIONS, bits, minimum)


def _long_range(work: Work, rows: I64) -> None:
    w = gather_words(work.sixbit, work.starts[rows], words_for(lay.LR_COG.end))
    p, rank = work.positions, work.position_rank[rows]
    p.mmsi[rank] = _get(w, lay.MMSI)
    p.status[rank] = _get(w, lay.LR_STATUS).astype(np.int8)
    p.status_ok[rank] = True
    # Type 27: SOG 0-62 kn (63 = not available), COG 0-359 deg (511 = not available).
    _put_motion(p, rank, _get(w, lay.LR_SOG), 1, 63, _get(w, lay.LR_COG), 1)
    _put_position(work, rows, p, rank, _get(w, lay.LR_LAT), _get(w, lay.LR_LON), 600)


def _static_voyage(work: Work, rows: I64) -> None:
    minimum = int(lay.MIN_BITS[5])
    w = gather_words(work.sixbit, work.starts[rows], words_for(lay.S5_DRAUGHT.end))
    s, rank, bits = work.statics, work.static_rank[rows], work.bit_lengths[rows]
    s.mmsi[rank] = _get(w, lay.MMSI)
    _put_int(s.imo, s.imo_ok, rank, _get(w, lay.S5_IMO), None)
    _put_text(s.callsign, s.has_callsign, rank, work, rows, lay.S5_CALLSIGN, minimum)
    _put_text(s.name, s.has_name, rank, work, rows, lay.S5_NAME, minimum)
    _put_int(s.ship_type, s.ship_type_ok, rank, _get(w, lay.S5_SHIP_TYPE), None)
    _put_dimensions(s, rank, w, lay.S5_DIMENSIONS, bits, minimum)
    draught = _get(w, lay.S5_DRAUGHT)
    s.draught[rank] = (draught / 10).astype(np.float32)  # decimetres -> metres
    s.draught_ok[rank] = draught != 0
    _put_text(s.destination, s.has_destination, rank, work, rows, lay.S5_DESTINATION, minimum)


def _static_24(work: Work, rows: I64) -> None:
    w = gather_words(work.sixbit, work.starts[rows], words_for(lay.S24B_DIMENSIONS[-1].end))
    part = _get(w, lay.S24_PART)
    bits = work.bit_lengths[rows]
    is_a = part == 0
    is_b = part == 1
    a_short = is_a & (bits < lay.MIN_BITS_24A)
    if a_short.any():
        detail = pl.format(
            "type 24 part A needs at least {} bits (through the name), payload holds {}",
            pl.lit(lay.MIN_BITS_24A),
            pl.Series(bits[a_short]),
        )
        _late_reject(work, rows[a_short], "too short", pl.select(detail).to_series())
        is_a &= ~a_short
    undefined = ~(is_a | is_b | a_short)
    if undefined.any():
        detail = pl.format(
            "type 24 part number {} is undefined (0 = part A, 1 = part B)",
            pl.Series(part[undefined]),
        )
        _late_reject(work, rows[undefined], "malformed", pl.select(detail).to_series())
    s = work.statics
    for selected, is_part_b in ((is_a, False), (is_b, True)):
        if not selected.any():
            continue
        sub_rows = rows[selected]
        sub_words = w[selected]
        rank = work.static_rank[sub_rows]
        mmsi = _get(sub_words, lay.MMSI)
        s.mmsi[rank] = mmsi
        s.part[rank] = int(is_part_b)
        s.part_ok[rank] = True
        if not is_part_b:
            _put_text(s.name, s.has_name, rank, work, sub_rows, lay.S24A_NAME, lay.MIN_BITS_24A)
            continue
        minimum = int(lay.MIN_BITS[24])
        _put_int(s.ship_type, s.ship_type_ok, rank, _get(sub_words, lay.S24B_SHIP_TYPE), None)
        _put_text(s.callsign, s.has_callsign, rank, work, sub_rows, lay.S24B_CALLSIGN, minimum)
        low, high = lay.AUXILIARY_MMSI_RANGE
        is_ship = (mmsi < low) | (mmsi > high)
        _put_dimensions(
            s, rank, sub_words, lay.S24B_DIMENSIONS, work.bit_lengths[sub_rows], minimum, is_ship
        )


def station_time_us(
    year: I64, month: I64, day: I64, hour: I64, minute: I64, second: I64
) -> tuple[I64, Bools]:
    """Microseconds since 1970 of a UTC date and time, and which rows are valid.

    Year 0, month 0, day 0, hour 24, minute 60 and second 60 are AIS "not available";
    any field out of its calendar range (including 30 February) makes the row invalid.
    Days from the civil date use Howard Hinnant's ``days_from_civil`` algorithm.

    Examples
    --------
    >>> us, ok = station_time_us(*(np.array([v, v]) for v in (2024, 2, 29, 23, 59, 59)))
    >>> us.tolist()[0], ok.tolist()
    (1709251199000000, [True, True])
    >>> station_time_us(*(np.array([v]) for v in (2023, 2, 29, 0, 0, 0)))[1].tolist()
    [False]
    """
    is_leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0, 0, 0])
    days_in_month = month_days[month & 15] + (is_leap & (month == 2))
    ok = (
        (year >= 1) & (year <= 9999) & (month >= 1) & (month <= 12) & (day >= 1)
        & (day <= days_in_month) & (hour <= 23) & (minute <= 59) & (second <= 59)
    )  # fmt: skip
    y = year - (month <= 2)
    era = y // 400
    year_of_era = y - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    days = era * 146_097 + day_of_era - 719_468
    seconds = ((days * 24 + hour) * 60 + minute) * 60 + second
    return np.where(ok, seconds * _US_PER_S, 0), ok


def _base_station(work: Work, rows: I64) -> None:
    w = gather_words(work.sixbit, work.starts[rows], words_for(lay.BS_LAT.end))
    o, rank = work.others, work.other_rank[rows]
    o.mmsi[rank] = _get(w, lay.MMSI)
    us, ok = station_time_us(
        *(
            _get(w, f)
            for f in (
                lay.BS_YEAR,
                lay.BS_MONTH,
                lay.BS_DAY,
                lay.BS_HOUR,
                lay.BS_MINUTE,
                lay.BS_SECOND,
            )
        )
    )
    o.station_us[rank] = us
    o.station_ok[rank] = ok
    _put_position(work, rows, o, rank, _get(w, lay.BS_LAT), _get(w, lay.BS_LON), 600_000)


def _aid_to_navigation(work: Work, rows: I64) -> None:
    minimum = int(lay.MIN_BITS[21])
    w = gather_words(work.sixbit, work.starts[rows], words_for(lay.ATON_LAT.end))
    o, rank = work.others, work.other_rank[rows]
    o.mmsi[rank] = _get(w, lay.MMSI)
    # The extension continues a full name (ITU-R M.1371-5 Annex 8, table 74): the two
    # are written side by side and the text ends at the first '@' (see columns.py),
    # which also drops the extension after a name padded with '@'.
    name_width = lay.ATON_NAME.n_chars
    _put_text(o.name[:, :name_width], o.has_name, rank, work, rows, lay.ATON_NAME, minimum)
    extension = o.name[:, name_width:]
    _put_text(extension, o.has_name, rank, work, rows, lay.ATON_NAME_EXTENSION, minimum)
    _put_position(work, rows, o, rank, _get(w, lay.ATON_LAT), _get(w, lay.ATON_LON), 600_000)


def _dgnss(work: Work, rows: I64) -> None:
    w = gather_words(work.sixbit, work.starts[rows], words_for(lay.DGNSS_LAT.end))
    o, rank = work.others, work.other_rank[rows]
    o.mmsi[rank] = _get(w, lay.MMSI)
    _put_position(work, rows, o, rank, _get(w, lay.DGNSS_LAT), _get(w, lay.DGNSS_LON), 600)


def _other(work: Work, rows: I64) -> None:
    w = gather_words(work.sixbit, work.starts[rows], words_for(lay.MMSI.end))
    work.others.mmsi[work.other_rank[rows]] = _get(w, lay.MMSI)


#: Decoder of each group, indexed like ``layouts.GROUP_NAMES`` (0 = not decoded).
DECODERS: Final[tuple[Callable[[Work, I64], None] | None, ...]] = (
    None,
    _class_a,
    _sar,
    _class_b,
    _long_range,
    _class_b_extended,
    _static_voyage,
    _static_24,
    _base_station,
    _aid_to_navigation,
    _dgnss,
    _other,
)
