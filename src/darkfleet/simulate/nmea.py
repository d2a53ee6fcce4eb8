"""Vectorised AIS encoder: bit fields to armoured ``!AIVDM`` lines with tag blocks.

Simulate layer; imports only NumPy. Every step works on whole arrays of messages:
fields become a bit matrix, the bit matrix becomes 6-bit symbols, symbols are armoured
(ITU-R M.1371-5 / IEC 61162-1: value + 48, plus 8 more above 39), and NMEA checksums are
XOR reductions over byte matrices. Lines of different lengths are built as rows of one
zero-padded byte matrix that is flattened once, with the zero bytes removed.

Output follows NMEA 4.0 tag blocks as aggregators write them (compare the aisdb test
file ``test_data_20211101.nm4``)::

    \\s:STATION,c:EPOCH*hh\\!AIVDM,1,1,,A,PAYLOAD,0*hh
    \\g:1-2-GID,s:STATION,c:EPOCH*hh\\!AIVDM,2,1,S,B,PAYLOAD,0*hh
    \\g:2-2-GID*hh\\!AIVDM,2,2,S,B,PAYLOAD,2*hh
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
ByteMatrix = npt.NDArray[np.uint8]

__all__ = [
    "Field",
    "armour",
    "assemble_lines",
    "encode_bits",
    "encode_text",
    "nmea_checksum",
    "position_report_fields",
    "class_b_position_fields",
    "static_voyage_fields",
    "static_24a_fields",
    "static_24b_fields",
    "sentences",
]

#: ``Field`` = (values, bit width); values are unsigned two's complement for signed fields.
Field = tuple[IntArray, int]

_HEX = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
#: bytes of the first 36 fill values of a single-sentence line: "0" and the line ends
_SIX_BIT_WEIGHTS = np.array([32, 16, 8, 4, 2, 1], dtype=np.uint8)


def encode_bits(fields: Sequence[Field]) -> ByteMatrix:
    """Concatenate fixed-width unsigned fields into an (n, total_bits) matrix of 0/1.

    Negative values are written as two's complement of their width.

    Examples
    --------
    >>> encode_bits([(np.array([5]), 4), (np.array([-1]), 2)]).tolist()
    [[0, 1, 0, 1, 1, 1]]
    """
    columns = []
    for values, width in fields:
        unsigned = np.asarray(values, dtype=np.int64) & ((1 << width) - 1)
        shifts = np.arange(width - 1, -1, -1, dtype=np.int64)
        columns.append(((unsigned[:, None] >> shifts) & 1).astype(np.uint8))
    return np.concatenate(columns, axis=1)


def encode_text(texts: npt.NDArray[np.str_] | Sequence[str], n_chars: int) -> list[Field]:
    """AIS 6-bit text: one 6-bit field per character, upper-cased, padded with ``@``.

    Characters outside the AIS set (ASCII 32-95 after upper-casing) become ``?``; text
    longer than ``n_chars`` is cut.
    """
    raw = np.char.upper(np.asarray(texts, dtype=f"<U{n_chars}"))
    codes = (
        np.frombuffer(
            np.char.ljust(raw, n_chars, "@").astype(f"S{n_chars}").tobytes(), dtype=np.uint8
        )
        .reshape(len(raw), n_chars)
        .astype(np.int64)
    )
    codes = np.where(codes == 0, 64, codes)  # NUL padding from the S dtype: '@'
    codes = np.where((codes < 32) | (codes > 95), 63, codes)
    sixbit = np.where(codes >= 64, codes - 64, codes)
    return [(sixbit[:, i], 6) for i in range(n_chars)]


def armour(bits: ByteMatrix) -> tuple[ByteMatrix, int]:
    """Armour an (n, bits) matrix into (n, chars) payload bytes and the fill-bit count.

    Examples
    --------
    >>> payload, fill = armour(encode_bits([(np.array([1]), 6), (np.array([0]), 6)]))
    >>> payload.tobytes(), fill
    (b'10', 0)
    """
    n, n_bits = bits.shape
    fill = (-n_bits) % 6
    if fill:
        bits = np.concatenate([bits, np.zeros((n, fill), dtype=np.uint8)], axis=1)
    symbols = (bits.reshape(n, -1, 6) * _SIX_BIT_WEIGHTS).sum(axis=2, dtype=np.uint8)
    chars = symbols + 48
    chars = np.where(chars > 87, chars + 8, chars).astype(np.uint8)
    return chars, fill


def nmea_checksum(body: ByteMatrix) -> ByteMatrix:
    """Two upper-case hex digits of the XOR of each row (zero padding is neutral)."""
    xor = np.bitwise_xor.reduce(body, axis=1)
    return np.column_stack([_HEX[xor >> 4], _HEX[xor & 15]]).astype(np.uint8)


def _const(text: bytes, n: int) -> ByteMatrix:
    return np.broadcast_to(np.frombuffer(text, dtype=np.uint8), (n, len(text)))


def _digits(values: IntArray, width: int) -> ByteMatrix:
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((np.asarray(values, dtype=np.int64)[:, None] // powers) % 10 + 48).astype(np.uint8)


def _station_bytes(stations: npt.NDArray[np.str_] | Sequence[str]) -> ByteMatrix:
    raw = np.asarray(stations).astype("S")
    width = max(raw.dtype.itemsize, 1)
    return np.frombuffer(raw.tobytes(), dtype=np.uint8).reshape(len(raw), width)


def _tag_block(content: ByteMatrix) -> ByteMatrix:
    n = len(content)
    return np.concatenate(
        [_const(b"\\", n), content, _const(b"*", n), nmea_checksum(content), _const(b"\\", n)],
        axis=1,
    )


def _sentence(body: ByteMatrix) -> ByteMatrix:
    n = len(body)
    return np.concatenate(
        [_const(b"!", n), body, _const(b"*", n), nmea_checksum(body), _const(b"\n", n)], axis=1
    )


@dataclass(frozen=True, slots=True)
class Sentences:
    """Encoded lines of one batch of messages: a zero-padded byte matrix, one row per message."""

    rows: ByteMatrix


def sentences(
    bits: ByteMatrix,
    *,
    epoch_s: IntArray,
    stations: npt.NDArray[np.str_] | Sequence[str],
    channels: npt.NDArray[np.str_] | Sequence[str],
    group_ids: IntArray | None = None,
) -> Sentences:
    """Encode messages (rows of ``bits``) as tag-blocked ``!AIVDM`` lines.

    Parameters
    ----------
    bits : (n, bits) message bit matrix.
    epoch_s : receive time per message, integer Unix seconds (10 digits).
    stations : receiving station name per message (ASCII, no ``,*\\``).
    channels : radio channel per message, ``"A"`` or ``"B"``.
    group_ids : for messages longer than one sentence (60 characters), the group id per
        message (1-9999); the NMEA sequential message id is ``group_id % 10``.

    Returns
    -------
    Sentences
        One row per message holding its one or two lines, zero-padded.
    """
    n = len(bits)
    payload, fill = armour(bits)
    station = _station_bytes(stations)
    channel = np.frombuffer(np.asarray(channels).astype("S1").tobytes(), dtype=np.uint8)[:, None]
    epoch = _digits(epoch_s, 10)
    source = np.concatenate([_const(b"s:", n), station, _const(b",c:", n), epoch], axis=1)
    n_chars = payload.shape[1]
    if n_chars <= 60:
        body = np.concatenate(
            [
                _const(b"AIVDM,1,1,,", n),
                channel,
                _const(b",", n),
                payload,
                _const(b",", n),
                _const(str(fill).encode(), n),
            ],
            axis=1,
        )
        return Sentences(np.concatenate([_tag_block(source), _sentence(body)], axis=1))
    if group_ids is None:
        raise ValueError("messages longer than 60 characters need group_ids")
    gid = np.asarray(group_ids, dtype=np.int64)
    gid_bytes = _digits(gid, 4)
    gid_bytes = np.where(np.cumsum(gid_bytes != 48, axis=1) == 0, 0, gid_bytes).astype(np.uint8)
    gid_bytes[:, -1] = (gid % 10 + 48).astype(np.uint8)
    seq = (gid % 10 + 48).astype(np.uint8)[:, None]
    tag1 = np.concatenate([_const(b"g:1-2-", n), gid_bytes, _const(b",", n), source], axis=1)
    tag2 = np.concatenate([_const(b"g:2-2-", n), gid_bytes], axis=1)
    body1 = np.concatenate(
        [
            _const(b"AIVDM,2,1,", n),
            seq,
            _const(b",", n),
            channel,
            _const(b",", n),
            payload[:, :60],
            _const(b",0", n),
        ],
        axis=1,
    )
    body2 = np.concatenate(
        [
            _const(b"AIVDM,2,2,", n),
            seq,
            _const(b",", n),
            channel,
            _const(b",", n),
            payload[:, 60:],
            _const(b",", n),
            _const(str(fill).encode(), n),
        ],
        axis=1,
    )
    return Sentences(
        np.concatenate(
            [_tag_block(tag1), _sentence(body1), _tag_block(tag2), _sentence(body2)], axis=1
        )
    )


def assemble_lines(
    batches: Sequence[Sentences], order_keys: Sequence[npt.NDArray[np.float64]]
) -> bytes:
    """Interleave several batches by their sort keys (stable) into one bytes block.

    Each batch's rows are padded with zero bytes to a common width, stacked, put in order
    and flattened; zero bytes (padding) are then dropped.
    """
    width = max((b.rows.shape[1] for b in batches), default=0)
    if width == 0:
        return b""
    stacked = np.concatenate(
        [np.pad(b.rows, ((0, 0), (0, width - b.rows.shape[1]))) for b in batches], axis=0
    )
    keys = np.concatenate(order_keys)
    flat = stacked[np.argsort(keys, kind="stable")].ravel()
    return bytes(flat[flat != 0].tobytes())


def _latlon_fields(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]) -> list[Field]:
    # 1/10000 minute (ITU-R M.1371-5 table 50), signed 28 / 27 bits
    lon_units = np.rint(np.asarray(lon) * 600_000.0).astype(np.int64)
    lat_units = np.rint(np.asarray(lat) * 600_000.0).astype(np.int64)
    return [(lon_units, 28), (lat_units, 27)]


def _sog_cog_heading(
    sog_knots: npt.NDArray[np.float64], cog_deg: npt.NDArray[np.float64], heading_deg: IntArray
) -> tuple[Field, Field, Field]:
    sog = np.minimum(np.rint(np.asarray(sog_knots) * 10.0), 1022).astype(np.int64)
    cog = (np.rint(np.asarray(cog_deg) * 10.0).astype(np.int64)) % 3600
    return (sog, 10), (cog, 12), (np.asarray(heading_deg, dtype=np.int64) % 360, 9)


def position_report_fields(
    *,
    msg_type: IntArray,
    mmsi: IntArray,
    nav_status: IntArray,
    sog_knots: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    cog_deg: npt.NDArray[np.float64],
    heading_deg: IntArray,
    second: IntArray,
) -> list[Field]:
    """Fields of class A position reports, types 1-3 (168 bits); ROT "not available"."""
    n = len(mmsi)
    zeros = np.zeros(n, dtype=np.int64)
    sog, cog, heading = _sog_cog_heading(sog_knots, cog_deg, heading_deg)
    return [
        (np.asarray(msg_type, dtype=np.int64), 6),
        (zeros, 2),  # repeat indicator
        (np.asarray(mmsi, dtype=np.int64), 30),
        (np.asarray(nav_status, dtype=np.int64), 4),
        (np.full(n, 128, dtype=np.int64), 8),  # rate of turn: -128, not available
        sog,
        (np.ones(n, dtype=np.int64), 1),  # position accuracy: high (DGNSS-grade)
        *_latlon_fields(lat, lon),
        cog,
        heading,
        (np.asarray(second, dtype=np.int64), 6),
        (zeros, 2),  # manoeuvre indicator
        (zeros, 3),  # spare
        (zeros, 1),  # RAIM
        (zeros, 19),  # radio status
    ]


def class_b_position_fields(
    *,
    mmsi: IntArray,
    sog_knots: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    cog_deg: npt.NDArray[np.float64],
    heading_deg: IntArray,
    second: IntArray,
) -> list[Field]:
    """Fields of class B position reports, type 18 (168 bits), a CS (carrier-sense) unit."""
    n = len(mmsi)
    zeros = np.zeros(n, dtype=np.int64)
    ones = np.ones(n, dtype=np.int64)
    sog, cog, heading = _sog_cog_heading(sog_knots, cog_deg, heading_deg)
    return [
        (np.full(n, 18, dtype=np.int64), 6),
        (zeros, 2),
        (np.asarray(mmsi, dtype=np.int64), 30),
        (zeros, 8),  # reserved
        sog,
        (zeros, 1),  # accuracy: low (plain GNSS)
        *_latlon_fields(lat, lon),
        cog,
        heading,
        (np.asarray(second, dtype=np.int64), 6),
        (zeros, 2),  # reserved
        (ones, 1),  # CS unit
        (zeros, 1),  # no display
        (zeros, 1),  # no DSC
        (ones, 1),  # whole marine band
        (zeros, 1),  # no message 22
        (zeros, 1),  # autonomous mode
        (zeros, 1),  # RAIM
        (np.full(n, 0b1100000000000000110, dtype=np.int64), 20),  # CS radio status
    ]


def static_voyage_fields(
    *,
    mmsi: IntArray,
    imo: IntArray,
    callsign: Sequence[str],
    name: Sequence[str],
    ship_type: IntArray,
    to_bow_m: IntArray,
    to_stern_m: IntArray,
    to_port_m: IntArray,
    to_starboard_m: IntArray,
    eta_month: IntArray,
    eta_day: IntArray,
    eta_hour: IntArray,
    eta_minute: IntArray,
    draught_m: npt.NDArray[np.float64],
    destination: Sequence[str],
) -> list[Field]:
    """Fields of class A static and voyage data, type 5 (424 bits, two sentences)."""
    n = len(mmsi)
    zeros = np.zeros(n, dtype=np.int64)
    return [
        (np.full(n, 5, dtype=np.int64), 6),
        (zeros, 2),
        (np.asarray(mmsi, dtype=np.int64), 30),
        (zeros, 2),  # AIS version: ITU-R M.1371-1
        (np.asarray(imo, dtype=np.int64), 30),
        *encode_text(callsign, 7),
        *encode_text(name, 20),
        (np.asarray(ship_type, dtype=np.int64), 8),
        (np.asarray(to_bow_m, dtype=np.int64), 9),
        (np.asarray(to_stern_m, dtype=np.int64), 9),
        (np.asarray(to_port_m, dtype=np.int64), 6),
        (np.asarray(to_starboard_m, dtype=np.int64), 6),
        (np.ones(n, dtype=np.int64), 4),  # EPFD: GPS
        (np.asarray(eta_month, dtype=np.int64), 4),
        (np.asarray(eta_day, dtype=np.int64), 5),
        (np.asarray(eta_hour, dtype=np.int64), 5),
        (np.asarray(eta_minute, dtype=np.int64), 6),
        (np.rint(np.asarray(draught_m) * 10.0).astype(np.int64), 8),
        *encode_text(destination, 20),
        (zeros, 1),  # DTE ready
        (zeros, 1),  # spare
    ]


def static_24a_fields(*, mmsi: IntArray, name: Sequence[str]) -> list[Field]:
    """Fields of class B static data report part A, type 24 (160 bits)."""
    n = len(mmsi)
    zeros = np.zeros(n, dtype=np.int64)
    return [
        (np.full(n, 24, dtype=np.int64), 6),
        (zeros, 2),
        (np.asarray(mmsi, dtype=np.int64), 30),
        (zeros, 2),  # part number 0 = A
        *encode_text(name, 20),
    ]


def static_24b_fields(
    *,
    mmsi: IntArray,
    ship_type: IntArray,
    callsign: Sequence[str],
    to_bow_m: IntArray,
    to_stern_m: IntArray,
    to_port_m: IntArray,
    to_starboard_m: IntArray,
) -> list[Field]:
    """Fields of class B static data report part B, type 24 (168 bits)."""
    n = len(mmsi)
    zeros = np.zeros(n, dtype=np.int64)
    return [
        (np.full(n, 24, dtype=np.int64), 6),
        (zeros, 2),
        (np.asarray(mmsi, dtype=np.int64), 30),
        (np.ones(n, dtype=np.int64), 2),  # part number 1 = B
        (np.asarray(ship_type, dtype=np.int64), 8),
        *encode_text(np.full(n, "SIM"), 3),  # vendor id
        (zeros, 4),  # unit model code
        (zeros, 20),  # serial number
        *encode_text(callsign, 7),
        (np.asarray(to_bow_m, dtype=np.int64), 9),
        (np.asarray(to_stern_m, dtype=np.int64), 9),
        (np.asarray(to_port_m, dtype=np.int64), 6),
        (np.asarray(to_starboard_m, dtype=np.int64), 6),
        (zeros, 6),  # spare
    ]
