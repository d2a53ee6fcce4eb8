"""Receive time and source from NMEA 4.0 tag blocks, USCG trailers and ``$PGHP`` (ingest layer).

Imports nothing from darkfleet but the private scanner. Each parser works on the subset
of lines that carry the wrapper: tag blocks with NumPy over the byte buffer (fields cut
at comma positions, ``c:`` digits read numerically, sources kept as byte spans), USCG
trailers and ``$PGHP`` with Polars string kernels; results are NumPy arrays indexed
like the scanned lines (times as integer microseconds since 1970, ``NO_TIME`` when
absent).

Formats handled (all seen in ``shared/data/real``):

- tag blocks ``\\g:1-2-1604,s:rORBCOMM008,c:1418169601,T:...*37\\``: ``c:`` is UNIX time in
  seconds, or milliseconds when above 1e11; ``s:`` (or DMA's ``si:``) is the source
  station; ``g:num-total-id`` joins the sentences of one message. Other keys are ignored.
- USCG trailers after the checksum: ``*hh,rSTATION,EPOCH`` and the extended
  ``*hh,d-109,S2105,t050056.00,T56.137,r003669946,1325394060,1325394001``: the station is
  the first field starting with ``r``, ``b`` or ``B`` (libais's station types), the time
  the first all-digit field of 9-10 digits (UNIX seconds). MSSIS's ``*hh,1412524603``
  (epoch only) reads the same way.
- ``$PGHP,1,yyyy,m,d,H,M,S,ms,country,region,station,online,cs*hh`` (Gatehouse/DMA):
  receive time of the next AIS sentence; field 11 is the base station.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from darkfleet.ingest.nmea import _scan as sc

NO_TIME: Final = np.iinfo(np.int64).min
#: Latest plausible receive time: 2100-01-01T00:00Z in seconds. Anything later (or
#: before 1970) is a corrupt field, rejected as "out of range".
MAX_EPOCH_S: Final = 4_102_444_800
#: ``c:`` values above this are milliseconds (1e11 s is the year 5138).
MS_THRESHOLD: Final = 1e11


@dataclass(slots=True)
class Wrappers:
    """Per-line values found in tag blocks, trailers and ``$PGHP`` lines."""

    tag_ts_us: npt.NDArray[np.int64]
    tag_src_first: npt.NDArray[np.int64]  # byte span of the s:/si: value (-1 when absent)
    tag_src_stop: npt.NDArray[np.int64]
    group_id: npt.NDArray[np.int64]  # -1 when no g: field
    uscg_ts_us: npt.NDArray[np.int64]
    uscg_source: pl.Series
    ghp_ts_us: npt.NDArray[np.int64]
    ghp_source: pl.Series


def _relative_slices(
    texts: pl.Series,
    rows: npt.NDArray[np.int64],
    base: npt.NDArray[np.int64],
    first: npt.NDArray[np.int64],
    stop: npt.NDArray[np.int64],
) -> pl.Series:
    """``texts[rows]`` cut to the absolute byte span ``[first, stop)`` (ASCII lines only)."""
    return sc.line_slices(texts, base, rows, first, stop)


def parse_wrappers(scan: sc.Scan, texts: pl.Series) -> Wrappers:
    """Read tag blocks, USCG trailers and ``$PGHP`` times; reject bad ones in ``scan.code``."""
    n = len(scan.kind)

    def nulls(name: str) -> pl.Series:
        return pl.Series(name, [], dtype=pl.String).extend_constant(None, n)

    wrappers = Wrappers(
        tag_ts_us=np.full(n, NO_TIME, dtype=np.int64),
        tag_src_first=np.full(n, -1, dtype=np.int64),
        tag_src_stop=np.full(n, -1, dtype=np.int64),
        group_id=np.full(n, -1, dtype=np.int64),
        uscg_ts_us=np.full(n, NO_TIME, dtype=np.int64),
        uscg_source=nulls("uscg_source"),
        ghp_ts_us=np.full(n, NO_TIME, dtype=np.int64),
        ghp_source=nulls("ghp_source"),
    )
    _parse_tag_blocks(scan, wrappers)
    _parse_uscg(scan, texts, wrappers)
    _parse_ghp(scan, texts, wrappers)
    return wrappers


def _scatter(series: pl.Series, rows: npt.NDArray[np.int64], values: pl.Series) -> pl.Series:
    if len(rows) == 0:
        return series
    return series.scatter(rows, values)


#: Tag blocks parsed at a time (whole lines): bounds the per-field arrays' memory.
_TAG_CHUNK_BLOCKS: Final = 262_144
#: Longest all-digit ``c:`` value read with integer arithmetic (exact in float64).
_FAST_DIGITS: Final = 15


def _read_digits(
    d: npt.NDArray[np.uint8], first: npt.NDArray[np.int64], length: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Integer value of the digits ``d[first:first+length]``, and whether all are digits.

    Spans of one length are read together as a (rows, length) matrix (a strided view,
    one gather) and combined column by column in int64 (Horner's rule: exact, and no
    float copy of the matrix); lengths outside 1.._FAST_DIGITS are not read (``ok``
    False). Non-digit bytes give garbage values (never an overflow) where ``ok`` is False.
    """
    value = np.zeros(len(first), dtype=np.int64)
    ok = np.zeros(len(first), dtype=bool)
    readable = (length >= 1) & (length <= _FAST_DIGITS)
    for size in np.unique(length[readable]).tolist():
        rows = np.flatnonzero(length == size)
        window = np.lib.stride_tricks.sliding_window_view(d, size)[first[rows]]
        digits = window - np.uint8(ord("0"))  # wraps below '0': not a digit either way
        ok[rows] = (digits <= 9).all(axis=1)
        number = digits[:, 0].astype(np.int64)
        for k in range(1, size):
            number *= 10
            number += digits[:, k]
        value[rows] = number
    return value, ok


def _parse_tag_blocks(scan: sc.Scan, out: Wrappers) -> None:
    """Read ``c:``, ``s:``/``si:`` and ``g:`` of every usable tag block, vectorised.

    Fields are cut at the commas inside each block (positions from one ``flatnonzero``
    over the buffer); a line's value of a key is that of its first field with the key
    (blocks in order). All-digit ``c:`` values are read numerically; anything else (a
    sign, a decimal point, junk) goes through Polars' float parser as before.
    """
    usable = scan.code[scan.block_line] == sc.C_OK
    rows = scan.block_line[usable]
    b_start = scan.block_start[usable]
    b_stop = scan.block_stop[usable]
    # Chunks of whole lines bound the memory of the per-field arrays.
    bounds = np.searchsorted(rows, rows[::_TAG_CHUNK_BLOCKS]).tolist() + [len(rows)]
    for lo, hi in itertools.pairwise(bounds):
        _parse_tag_chunk(scan, out, rows[lo:hi], b_start[lo:hi], b_stop[lo:hi])


def _parse_tag_chunk(
    scan: sc.Scan,
    out: Wrappers,
    rows: npt.NDArray[np.int64],
    b_start: npt.NDArray[np.int64],
    b_stop: npt.NDArray[np.int64],
) -> None:
    """``_parse_tag_blocks`` for the blocks of some whole lines (``rows`` sorted)."""
    if len(rows) == 0:
        return
    d = scan.data
    first = int(b_start.min())
    last = int(b_stop.max()) + 1
    # A sentinel comma past the blocks keeps every lookup below in bounds.
    commas = np.append(np.flatnonzero(d[first:last] == ord(",")) + first, last)
    k_lo = np.searchsorted(commas, b_start)
    n_commas = np.searchsorted(commas, b_stop) - k_lo
    n_fields = n_commas + 1
    block_of = np.repeat(np.arange(len(rows), dtype=np.int64), n_fields)
    j = np.arange(len(block_of), dtype=np.int64) - np.repeat(
        np.cumsum(n_fields) - n_fields, n_fields
    )
    comma_k = k_lo[block_of] + j  # the comma ending field j (if j < n_commas)
    is_last = j == n_commas[block_of]
    f_start = np.where(j == 0, b_start[block_of], commas[np.maximum(comma_k - 1, 0)] + 1)
    f_stop = np.where(is_last, b_stop[block_of], commas[comma_k])
    f_row = rows[block_of]
    length = f_stop - f_start
    k0, k1, k2 = d[f_start], d[f_start + 1], d[f_start + 2]
    colon = ord(":")
    two = (length >= 2) & (k1 == colon)
    is_c = two & (k0 == ord("c"))
    is_g = two & (k0 == ord("g"))
    is_si = (k0 == ord("s")) & (k1 == ord("i")) & (k2 == colon) & (length >= 3)
    is_s = (two & (k0 == ord("s"))) | is_si

    n = len(scan.code)
    # s: / si: -> source (the empty string when the field is empty).
    s_idx = np.flatnonzero(is_s)
    s_idx = s_idx[sc.first_per_group(f_row[s_idx])]
    s_rows = f_row[s_idx]
    out.tag_src_first[s_rows] = f_start[s_idx] + 2 + is_si[s_idx]
    out.tag_src_stop[s_rows] = f_stop[s_idx]

    # g:num-total-id -> group id (first field of the full form; -1 if the id overflows).
    g_idx = np.flatnonzero(is_g)
    if len(g_idx):
        g_text = pl.Series(sc.span_strings(d, f_start[g_idx], f_stop[g_idx]))
        g_digits = g_text.str.extract(r"^g:\d+-\d+-(\d+)$", 1)
        matched = g_digits.is_not_null().to_numpy()
        g_id = g_digits.cast(pl.Int64, strict=False).fill_null(-1).to_numpy()[matched]
        g_idx = g_idx[matched]
        g_first = sc.first_per_group(f_row[g_idx])
        out.group_id[f_row[g_idx][g_first]] = g_id[g_first]

    # c: -> receive time.
    c_idx = np.flatnonzero(is_c)
    c_idx = c_idx[sc.first_per_group(f_row[c_idx])]
    if len(c_idx) == 0:
        return
    c_rows = f_row[c_idx]
    v_start = f_start[c_idx] + 2
    v_len = f_stop[c_idx] - v_start
    value, all_digits = _read_digits(d, v_start, v_len)
    seconds = value.astype(np.float64)
    has_time = all_digits.copy()
    bad_number = np.zeros(len(c_idx), dtype=bool)
    slow = np.flatnonzero(~all_digits)
    if len(slow):
        parsed = pl.Series(sc.span_strings(d, v_start[slow], f_stop[c_idx][slow])).cast(
            pl.Float64, strict=False
        )
        seconds[slow] = parsed.fill_null(0.0).to_numpy()
        has_time[slow] = parsed.is_not_null().to_numpy()
        bad_number[slow] = parsed.is_null().to_numpy()
    seconds = np.where(seconds > MS_THRESHOLD, seconds / 1000, seconds)
    with np.errstate(invalid="ignore"):
        out_of_range = has_time & ((seconds < 0) | (seconds >= MAX_EPOCH_S) | ~np.isfinite(seconds))
    flag = np.zeros(n, dtype=bool)
    flag[c_rows[bad_number]] = True
    sc._reject(scan.code, flag, sc.C_TAG_TIME)
    flag[:] = False
    flag[c_rows[out_of_range]] = True
    sc._reject(scan.code, flag, sc.C_TIME_RANGE)
    good = has_time & ~out_of_range
    out.tag_ts_us[c_rows[good]] = np.round(seconds[good] * 1_000_000).astype(np.int64)


def _parse_uscg(scan: sc.Scan, texts: pl.Series, out: Wrappers) -> None:
    rows = np.flatnonzero(
        (scan.kind == sc.K_AIS) & (scan.code == sc.C_OK) & (scan.trailer_start < scan.end)
    )
    if len(rows) == 0:
        return
    trailer = _relative_slices(texts, rows, scan.base, scan.trailer_start[rows], scan.end[rows])
    fields = pl.DataFrame({"trailer": trailer}).select(
        station=pl.col("trailer").str.extract(r"(?:^|,)([rbB][A-Za-z0-9_]*)(?:,|$)", 1),
        epoch=pl.col("trailer")
        .str.extract(r"(?:^|,)(\d{9,10}(?:\.\d*)?)(?:,|$)", 1)
        .cast(pl.Float64, strict=False),
    )
    seconds = fields["epoch"].fill_null(-1.0).to_numpy()
    has_time = fields["epoch"].is_not_null().to_numpy()
    out_of_range = has_time & (seconds >= MAX_EPOCH_S)
    flag = np.zeros(len(scan.code), dtype=bool)
    flag[rows[out_of_range]] = True
    sc._reject(scan.code, flag, sc.C_TIME_RANGE)
    good = has_time & ~out_of_range
    out.uscg_ts_us[rows[good]] = np.round(seconds[good] * 1_000_000).astype(np.int64)
    out.uscg_source = _scatter(out.uscg_source, rows, fields["station"])


_DAYS_BEFORE_MONTH: Final = np.array([0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334])
_DAYS_IN_MONTH: Final = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def civil_to_us(
    year: npt.NDArray[np.int64],
    month: npt.NDArray[np.int64],
    day: npt.NDArray[np.int64],
    hour: npt.NDArray[np.int64],
    minute: npt.NDArray[np.int64],
    second: npt.NDArray[np.int64],
    millisecond: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """UTC calendar fields -> microseconds since 1970, and whether each is a real time."""
    is_leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    m = np.where(month_ok, month, 1)
    days_in_month = _DAYS_IN_MONTH[m] - ((m == 2) & ~is_leap)
    valid = (
        (year >= 1970)
        & (year < 2100)
        & month_ok
        & (day >= 1)
        & (day <= days_in_month)
        & (hour >= 0)
        & (hour <= 23)
        & (minute >= 0)
        & (minute <= 59)
        & (second >= 0)
        & (second <= 60)
        & (millisecond >= 0)
        & (millisecond <= 999)
    )
    y = year - 1970
    leap_days = (year - 1969) // 4 - (year - 1901) // 100 + (year - 1601) // 400
    days = y * 365 + leap_days + _DAYS_BEFORE_MONTH[m] + ((m > 2) & is_leap) + day - 1
    seconds = ((days * 24 + hour) * 60 + minute) * 60 + second
    return seconds * 1_000_000 + millisecond * 1_000, valid


def _parse_ghp(scan: sc.Scan, texts: pl.Series, out: Wrappers) -> None:
    rows = np.flatnonzero((scan.kind == sc.K_GHP) & (scan.code == sc.C_OK))
    if len(rows) == 0:
        return
    body = _relative_slices(texts, rows, scan.base, scan.sentence[rows], scan.star[rows])
    parts = pl.DataFrame({"body": body}).select(pl.col("body").str.split(","))["body"]
    fields = pl.DataFrame({"parts": parts}).select(
        [
            pl.col("parts").list.get(1, null_on_oob=True).alias("kind"),
            *[
                pl.col("parts")
                .list.get(i, null_on_oob=True)
                .cast(pl.Int64, strict=False)
                .alias(f"f{i}")
                for i in range(2, 9)
            ],
            pl.col("parts").list.get(11, null_on_oob=True).alias("station"),
        ]
    )
    not_time = (fields["kind"] != "1").fill_null(True).to_numpy()
    flag = np.zeros(len(scan.code), dtype=bool)
    flag[rows[not_time]] = True
    sc._reject(scan.code, flag, sc.C_GHP_TYPE)
    ints = [fields[f"f{i}"] for i in range(2, 9)]
    complete = np.logical_and.reduce([s.is_not_null().to_numpy() for s in ints])
    flag[:] = False
    flag[rows[~complete]] = True
    sc._reject(scan.code, flag, sc.C_GHP_FIELDS)
    values = [s.fill_null(0).to_numpy().astype(np.int64) for s in ints]
    ts_us, valid = civil_to_us(*values)
    flag[:] = False
    flag[rows[complete & ~valid]] = True
    sc._reject(scan.code, flag, sc.C_GHP_TIME)
    good = complete & valid & ~not_time
    out.ghp_ts_us[rows[good]] = ts_us[good]
    station = fields["station"].replace("", None)
    out.ghp_source = _scatter(out.ghp_source, rows, station)
