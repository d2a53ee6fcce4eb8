"""AIS six-bit armour and bit-field extraction, vectorised with NumPy (ingest layer).

Imports nothing of darkfleet; ``payload`` builds on it. No function here loops over
messages in Python: every step is a handful of NumPy operations over a whole column or
a cache-sized chunk of rows.

How it works
------------
1. :func:`dearmour` takes the Arrow buffers of the payload column (one ``offsets``
   array and one ``data`` byte buffer for all rows) and maps every byte to its 6-bit
   value with three uint8 operations (``c - 48``, minus 8 more above ``'W'``;
   ITU-R M.1371-5 Annex 8 / IEC 61162-1 table 7), flagging bytes outside the armour
   alphabet (``0``-``W`` and `` ` ``-``w``).
2. :func:`gather_words` reads, for a set of rows, eight consecutive 6-bit values at a
   time as one unaligned big-endian 64-bit integer (a strided NumPy view over the
   byte buffer, so a single gather per word) and squeezes the eight 6-bit lanes into
   a 48-bit word with three mask/shift/or steps (SWAR).
3. :func:`extract` takes any field ``[start, start + width)`` (width <= 48) from those
   words with a shift and a mask, combining two words when the field straddles them,
   and sign-extends two's-complement fields.
4. :func:`gather_text` cuts text fields (6-bit ASCII) out of the 6-bit values with the
   same record gather, realigns them to the field's bit offset and maps them to
   ASCII (values 0-31 are ``@``-``_``, 32-63 are `` ``-``?``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = [
    "PAD_BYTES",
    "WORD_BITS",
    "Armoured",
    "dearmour",
    "extract",
    "gather_text",
    "gather_words",
    "words_for",
]

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
U8 = npt.NDArray[np.uint8]
Bools = npt.NDArray[np.bool_]

#: Zero bytes appended after the last payload, so that word and text gathers may read
#: past the end of the last message without bounds checks (the longest read is a
#: type 5 destination: char 50 + 21 chars, or 9 words of 8 chars).
PAD_BYTES: Final[int] = 128
#: Bits held by one packed word (eight 6-bit characters).
WORD_BITS: Final[int] = 48
#: Bytes converted per step in :func:`dearmour`: small enough to stay in the L2 cache.
_BLOCK_BYTES: Final[int] = 1 << 18

_U8_48 = np.uint8(48)
_U8_40 = np.uint8(40)
_U8_72 = np.uint8(72)
_U8_8 = np.uint8(8)
# SWAR masks: squeeze eight 6-bit values, one per byte of a big-endian uint64, into the
# low 48 bits. Step 1 joins byte pairs (12 bits in each 16-bit lane), step 2 joins lane
# pairs (24 bits in each 32-bit lane), step 3 joins the two halves.
_HI1, _LO1, _S1 = np.uint64(0x3F003F003F003F00), np.uint64(0x003F003F003F003F), np.uint64(2)
_HI2, _LO2, _S2 = np.uint64(0x0FFF00000FFF0000), np.uint64(0x00000FFF00000FFF), np.uint64(4)
_HI3, _LO3, _S3 = np.uint64(0x00FFFFFF00000000), np.uint64(0x0000000000FFFFFF), np.uint64(8)


@dataclass(frozen=True, slots=True)
class Armoured:
    """Six-bit values of every payload plus where each message's characters start.

    Attributes
    ----------
    sixbit
        6-bit value of every payload byte of every row, back to back, followed by
        ``PAD_BYTES`` zeros. Bytes outside the armour alphabet hold garbage; their rows
        are listed in ``bad_rows``.
    starts
        Index in ``sixbit`` of each row's first character.
    n_chars
        Characters in each row's payload (0 for a null payload).
    is_null
        True where the payload is null.
    bad_rows, bad_positions, bad_bytes
        For each row holding a byte outside the armour alphabet (ascending row order):
        the row, the 0-based position of its first such byte, and that byte.
    """

    sixbit: U8
    starts: I64
    n_chars: I64
    is_null: Bools
    bad_rows: I64
    bad_positions: I64
    bad_bytes: U8


def dearmour(payload: pl.Series) -> Armoured:
    """Map every byte of a payload column to its 6-bit value, without per-row Python.

    Parameters
    ----------
    payload
        String column of armoured AIS payloads (fragments already joined).

    Returns
    -------
    Armoured
        The 6-bit values, per-row starts and lengths, and the first invalid byte of
        each row that has one.

    Examples
    --------
    >>> a = dearmour(pl.Series(["15M", None, "w`0x"]))
    >>> a.sixbit[:7].tolist(), a.n_chars.tolist(), a.is_null.tolist()
    ([1, 5, 29, 63, 40, 0, 64], [3, 0, 4], [False, True, False])
    >>> a.bad_rows.tolist(), a.bad_positions.tolist(), bytes(a.bad_bytes)
    ([2], [3], b'x')
    """
    column = payload.rechunk().cast(pl.Binary).to_arrow(compat_level=pl.CompatLevel.oldest())
    n_rows = len(column)
    validity, offsets_buffer, data_buffer = column.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[
        column.offset : column.offset + n_rows + 1
    ]
    n_bytes = int(offsets[-1] - offsets[0]) if n_rows else 0
    base = int(offsets[0]) if n_rows else 0
    data = (
        np.frombuffer(data_buffer, dtype=np.uint8)[base : base + n_bytes]
        if data_buffer is not None and n_bytes
        else np.zeros(0, np.uint8)
    )
    starts = (offsets[:-1] - base).astype(np.int64)
    n_chars = np.diff(offsets).astype(np.int64)
    if validity is not None and column.null_count:
        bits = np.frombuffer(validity, dtype=np.uint8)
        is_valid = np.unpackbits(bits, bitorder="little", count=column.offset + n_rows)
        is_null = is_valid[column.offset :] == 0
        n_chars[is_null] = 0
    else:
        is_null = np.zeros(n_rows, np.bool_)

    sixbit = np.zeros(n_bytes + PAD_BYTES, np.uint8)
    is_bad = np.zeros(min(n_bytes, _BLOCK_BYTES), np.bool_)
    scratch = np.empty(min(n_bytes, _BLOCK_BYTES), np.uint8)
    bad_chunks: list[I64] = []
    for lo in range(0, n_bytes, _BLOCK_BYTES):
        hi = min(lo + _BLOCK_BYTES, n_bytes)
        out, bad, tmp = sixbit[lo:hi], is_bad[: hi - lo], scratch[: hi - lo]
        np.subtract(data[lo:hi], _U8_48, out=out)  # '0'..'W' -> 0..39, '`'..'w' -> 48..71
        # Outside the alphabet: below '0' or above 'w' (>= 72 after wrapping) or
        # 'X'..'_' (40..47).
        np.greater_equal(out, _U8_72, out=bad)
        np.subtract(out, _U8_40, out=tmp)
        bad |= tmp < _U8_8
        if bad.any():
            bad_chunks.append(np.flatnonzero(bad) + lo)
        np.greater_equal(out, _U8_48, out=tmp.view(np.bool_))
        np.multiply(tmp, _U8_8, out=tmp)
        out -= tmp
    if bad_chunks:
        positions = np.concatenate(bad_chunks)
        rows = np.searchsorted(starts, positions, side="right") - 1
        # Null and empty rows share their start with the next row: searchsorted picks
        # the last row starting at or before the byte, which is the one holding it.
        rows, first = np.unique(rows, return_index=True)
        bad_rows = rows.astype(np.int64)
        bad_positions = (positions[first] - starts[bad_rows]).astype(np.int64)
        bad_bytes = data[positions[first]]
    else:
        bad_rows = np.zeros(0, np.int64)
        bad_positions = np.zeros(0, np.int64)
        bad_bytes = np.zeros(0, np.uint8)
    return Armoured(sixbit, starts, n_chars, is_null, bad_rows, bad_positions, bad_bytes)


def words_for(end_bit: int) -> int:
    """Return how many 48-bit words cover bits ``[0, end_bit)``."""
    return -(-end_bit // WORD_BITS)


def gather_words(sixbit: U8, starts: I64, n_words: int) -> U64:
    """Pack the first ``8 * n_words`` characters of each row into 48-bit words.

    Returns an ``(rows, n_words)`` array: word ``k`` holds bits ``[48k, 48k + 48)`` of
    the message, most significant first. Characters past a row's end hold the next
    row's characters (or padding); callers only use fields that lie wholly inside each
    row's bit length.

    Examples
    --------
    >>> sixbit = np.zeros(64, np.uint8); sixbit[:3] = [1, 2, 3]
    >>> hex(int(gather_words(sixbit, np.array([0]), 1)[0, 0]))
    '0x420c0000000'
    """
    # One gather copies 8 * n_words consecutive characters of every row: the buffer
    # is viewed as overlapping fixed-size records, one starting at every byte (a
    # void dtype gathers 2.5x faster than a 2-D sliding window). Reading them as
    # big-endian uint64 puts the first character in the most significant byte.
    n_bytes = 8 * n_words
    records = np.ndarray(
        shape=(sixbit.size - n_bytes + 1,),
        dtype=np.dtype(f"V{n_bytes}"),
        buffer=sixbit,
        strides=(1,),
    )
    x = records[starts].view(">u8").reshape(starts.size, n_words).astype(np.uint64)
    y = x & _LO1
    x &= _HI1
    x >>= _S1
    x |= y
    np.bitwise_and(x, _LO2, out=y)
    x &= _HI2
    x >>= _S2
    x |= y
    np.bitwise_and(x, _LO3, out=y)
    x &= _HI3
    x >>= _S3
    x |= y
    return x


def extract(words: U64, start_bit: int, width_bits: int, *, is_signed: bool = False) -> I64:
    """Return the field ``[start_bit, start_bit + width_bits)`` of every row as int64.

    ``is_signed`` reads the field as two's complement (ITU-R M.1371-5 Annex 2,
    3.3.7: longitude, latitude and rate of turn are signed).

    Examples
    --------
    >>> w = np.array([[0xFFF000000000, 0]], np.uint64)
    >>> extract(w, 0, 12).tolist(), extract(w, 0, 12, is_signed=True).tolist()
    ([4095], [-1])
    """
    if not 0 < width_bits <= WORD_BITS:
        raise ValueError(f"field width {width_bits} bits must be 1..{WORD_BITS}")
    index, offset = divmod(start_bit, WORD_BITS)
    if offset + width_bits <= WORD_BITS:
        value = words[:, index] >> np.uint64(WORD_BITS - offset - width_bits)
        value &= np.uint64((1 << width_bits) - 1)
    else:
        high_bits = WORD_BITS - offset
        low_bits = width_bits - high_bits
        value = words[:, index] & np.uint64((1 << high_bits) - 1)
        value <<= np.uint64(low_bits)
        value |= words[:, index + 1] >> np.uint64(WORD_BITS - low_bits)
    signed = value.view(np.int64)
    if is_signed:
        signed <<= np.int64(64 - width_bits)
        signed >>= np.int64(64 - width_bits)
    return signed


def gather_text(sixbit: U8, starts: I64, start_bit: int, n_chars: int) -> U8:
    """Return a text field of every row as an ``(rows, n_chars)`` matrix of ASCII bytes.

    Characters are not trimmed: AIS pads text with ``@`` (6-bit 0). Characters past a
    row's end are garbage; callers overwrite them (see ``payload``).

    Examples
    --------
    >>> a = dearmour(pl.Series(["5:f@1"]))
    >>> bytes(gather_text(a.sixbit, a.starts, 6, 4)[0])
    b'J.PA'
    """
    first_char, shift = divmod(start_bit, 6)
    width = n_chars + 1
    records = np.ndarray(
        shape=(sixbit.size - width + 1,), dtype=np.dtype(f"V{width}"), buffer=sixbit, strides=(1,)
    )
    chars = records[starts + first_char].view(np.uint8).reshape(starts.size, width)
    if shift:
        text = chars[:, :-1] << np.uint8(shift)
        text &= np.uint8(63)
        text |= chars[:, 1:] >> np.uint8(6 - shift)
    else:
        text = np.ascontiguousarray(chars[:, :-1])
    # 6-bit 0..31 -> '@'..'_' (64..95); 32..63 -> ' '..'?' (32..63).
    text += (text < np.uint8(32)).view(np.uint8) * np.uint8(64)
    return text
