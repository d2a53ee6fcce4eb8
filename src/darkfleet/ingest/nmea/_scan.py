"""Byte-level scan of NMEA lines with NumPy (ingest layer, private).

Imports nothing from darkfleet. Works on the raw UTF-8 byte buffer and offsets of an
Arrow string array: one vectorised pass per question (where are the commas, where is
the checksum, does it match), never a Python loop over lines.

Every line gets a ``kind`` and a ``code`` (0 = fine, else why it is rejected, see
``CODES``); positions are absolute byte offsets into the buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

Ints = npt.NDArray[np.int64]
Bytes = npt.NDArray[np.uint8]

# Line kinds.
K_BLANK: Final = 0  # empty or whitespace only
K_COMMENT: Final = 1  # starts with '#'
K_TAG_ONLY: Final = 2  # one or more tag blocks and nothing else (DMA's "\si:AISD*3F\")
K_GHP: Final = 3  # $PGHP (Gatehouse receive time for the next AIS sentence)
K_AIS: Final = 4  # !xxVDM / !xxVDO (also with '$')
K_OTHER: Final = 5  # any other NMEA sentence ($GPGGA, $AITXT, ...)
K_GARBAGE: Final = 6  # not NMEA at all

# Why a line is rejected: code -> (schema.REJECT_REASONS entry, detail text).
C_OK: Final = 0
C_BAD_BYTES: Final = 1
C_NO_CHECKSUM: Final = 2
C_AFTER_CHECKSUM: Final = 3
C_CHECKSUM: Final = 4
C_TAG_UNBALANCED: Final = 5
C_TAG_NO_CHECKSUM: Final = 6
C_TAG_CHECKSUM: Final = 7
C_FIELDS: Final = 8
C_COUNT: Final = 9
C_NUMBER: Final = 10
C_SEQ: Final = 11
C_CHANNEL: Final = 12
C_PAYLOAD_EMPTY: Final = 13
C_PAYLOAD_CHARS: Final = 14
C_FILL: Final = 15
C_TAG_TIME: Final = 16
C_TIME_RANGE: Final = 17
C_NOT_AIS: Final = 18
C_GARBAGE: Final = 19
C_GHP_FIELDS: Final = 20
C_GHP_TYPE: Final = 21
C_INCOMPLETE: Final = 22
C_ORPHAN_CONTEXT: Final = 23
C_GHP_TIME: Final = 24

CODES: Final[dict[int, tuple[str, str]]] = {
    C_BAD_BYTES: ("malformed", "line holds non-ASCII or control bytes (damaged or not NMEA)"),
    C_NO_CHECKSUM: ("malformed", "no '*hh' checksum (2 hex digits) after the fields"),
    C_AFTER_CHECKSUM: ("malformed", "unexpected text after the '*hh' checksum"),
    C_CHECKSUM: ("checksum", "sentence checksum mismatch"),
    C_TAG_UNBALANCED: ("malformed", "tag block not closed by '\\'"),
    C_TAG_NO_CHECKSUM: ("malformed", "tag block without '*hh' checksum"),
    C_TAG_CHECKSUM: ("checksum", "tag block checksum mismatch"),
    C_FIELDS: ("malformed", "field count: expected 6 fields after the address (7 with GoFree)"),
    C_COUNT: ("malformed", "field 1 (fragment count) must be 1..9"),
    C_NUMBER: ("malformed", "field 2 (fragment number) must be 1..fragment count"),
    C_SEQ: ("malformed", "field 3 (sequence id) must be empty or a number"),
    C_CHANNEL: ("malformed", "field 4 (channel) must be empty or one letter/digit"),
    C_PAYLOAD_EMPTY: ("malformed", "field 5 (payload) is empty"),
    C_PAYLOAD_CHARS: (
        "malformed",
        "field 5 (payload) holds characters outside the AIS 6-bit alphabet",
    ),
    C_FILL: ("malformed", "field 6 (fill bits) must be 0..5"),
    C_TAG_TIME: ("malformed", "tag block c: (UNIX time) is not a number"),
    C_TIME_RANGE: ("out of range", "receive time outside 1970..2100"),
    C_NOT_AIS: ("not ais", "NMEA sentence that is not AIS (!xxVDM/!xxVDO)"),
    C_GARBAGE: ("malformed", "not an NMEA sentence (must start with '!', '$' or a '\\' tag block)"),
    C_GHP_FIELDS: (
        "malformed",
        "$PGHP: fields 2-8 must be year, month, day, hour, minute, second, ms",
    ),
    C_GHP_TYPE: ("unsupported", "$PGHP message type other than 1 (receive time)"),
    C_INCOMPLETE: (
        "incomplete",
        "fragment of a multi-sentence message whose other fragments never arrived",
    ),
    C_ORPHAN_CONTEXT: ("incomplete", "tag block/$PGHP line not followed by an AIS sentence"),
    C_GHP_TIME: ("out of range", "$PGHP date/time is not a valid UTC time"),
}

_WS: Final = np.zeros(256, dtype=bool)
_WS[[9, 10, 13, 32]] = True

# Per-byte classes for one OR-reduction per span.
B_NOT_PAYLOAD: Final = 1  # outside the AIS 6-bit armour alphabet (0x30-0x57, 0x60-0x77)
B_BAD: Final = 2  # control or non-ASCII byte
B_COMMA: Final = 4
_CLASS = np.zeros(256, dtype=np.uint8)
for _byte in range(256):
    if not (0x30 <= _byte <= 0x57 or 0x60 <= _byte <= 0x77):
        _CLASS[_byte] |= B_NOT_PAYLOAD
    if _byte < 0x20 or _byte >= 0x7F:
        _CLASS[_byte] |= B_BAD
_CLASS[ord(",")] |= B_COMMA
#: Bytes classified at a time: the index copy that ``np.take`` makes stays in cache.
_CLASS_BLOCK: Final = 1 << 16

_HEX = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789ABCDEF"):
    _HEX[_c] = _i
for _i, _c in enumerate(b"abcdef"):
    _HEX[_c] = 10 + _i
_DIGIT = np.full(256, 255, dtype=np.uint8)
for _i in range(10):
    _DIGIT[ord("0") + _i] = _i
_ALNUM = np.zeros(256, dtype=bool)
_ALNUM[[*range(ord("0"), ord("9") + 1), *range(ord("A"), ord("Z") + 1)]] = True

PAD: Final = 16


def span_reduce(ufunc: np.ufunc, values: Bytes, first: Ints, stop: Ints, empty: int = 0) -> Bytes:
    """``ufunc``-reduce ``values[first[i]:stop[i]]`` for every i (``empty`` if the span is empty).

    ``values`` must extend at least one element past the largest ``stop``.
    """
    if len(first) == 0:
        return np.zeros(0, dtype=np.uint8)
    bounds = np.empty(2 * len(first), dtype=np.int64)
    bounds[0::2] = first
    bounds[1::2] = np.maximum(stop, first)
    reduced: Bytes = ufunc.reduceat(values, bounds)[0::2]
    reduced[stop <= first] = empty
    return reduced


def span_strings(
    data: Bytes, first: Ints, stop: Ints, valid: npt.NDArray[np.bool_] | None = None
) -> pa.LargeStringArray:
    """Arrow strings ``data[first[i]:stop[i]]`` (null where ``valid`` is False), one gather.

    The bytes must be valid UTF-8 spans (the scanner only cuts ASCII lines).
    """
    n = len(first)
    lengths = np.maximum(stop - first, 0)
    if valid is not None:
        lengths = np.where(valid, lengths, 0)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    total = int(offsets[-1])
    if total:
        index = np.arange(total, dtype=np.int64)
        index += np.repeat(first - offsets[:-1], lengths)
        chars = data[index]
    else:
        chars = np.zeros(0, dtype=np.uint8)
    validity = None
    null_count = 0
    if valid is not None and not valid.all():
        validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
        null_count = int(n - np.count_nonzero(valid))
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(chars), validity, null_count
    )


def line_slices(
    texts: pl.Series,
    base: Ints,
    rows: Ints,
    first: Ints,
    stop: Ints,
    valid: npt.NDArray[np.bool_] | None = None,
) -> pl.Series:
    """``texts[rows]`` cut to the absolute byte spans ``[first, stop)`` (ASCII lines only).

    Polars gathers string views and slices them without copying the bytes; null where
    ``valid`` is False.
    """
    frame = pl.DataFrame(
        {
            "text": texts.gather(rows),
            "offset": first - base[rows],
            "length": np.maximum(stop - first, 0),
        }
    )
    sliced = pl.col("text").str.slice(pl.col("offset"), pl.col("length"))
    if valid is not None and not valid.all():
        frame = frame.with_columns(valid=valid)
        sliced = pl.when(pl.col("valid")).then(sliced)
    return frame.select(sliced).to_series()


def first_per_group(groups: Ints) -> npt.NDArray[np.bool_]:
    """True at the first element of each run of equal values of sorted ``groups``."""
    first = np.ones(len(groups), dtype=bool)
    first[1:] = groups[1:] != groups[:-1]
    return first


@dataclass(slots=True)
class Scan:
    """Positions and checks for every line (absolute byte offsets into ``data``)."""

    data: Bytes  # the buffer, padded with PAD zero bytes
    base: Ints  # offset of each line's first byte (unstripped)
    start: Ints  # first non-blank byte
    end: Ints  # one past the last non-blank byte
    sentence: Ints  # first byte of the sentence ('!' or '$'), after any tag blocks
    kind: npt.NDArray[np.int8]
    code: npt.NDArray[np.int8]
    star: Ints  # position of the checksum '*' (-1 if none found)
    computed: Bytes  # XOR checksum computed over the sentence
    found: Bytes  # checksum the line states
    tag_computed: Bytes  # the same for the first tag block whose checksum fails
    tag_found: Bytes
    # AIS field positions (valid where kind == K_AIS): commas around each field.
    count: npt.NDArray[np.int8]
    number: npt.NDArray[np.int8]
    seq: npt.NDArray[np.int16]  # -1 when empty
    channel: Bytes  # 0 when empty
    payload_start: Ints
    payload_end: Ints
    fill: npt.NDArray[np.int8]
    trailer_start: Ints  # first byte after "*hh," (== end when no trailer)
    field_start: Ints  # the field a malformed line is rejected for (for the detail)
    field_end: Ints
    # Tag blocks: one row per block.
    block_line: Ints
    block_start: Ints  # first byte inside the block
    block_stop: Ints  # the block's '*' (its fields end here)


def _byte_classes(d: Bytes) -> Bytes:
    """``_CLASS`` of every byte of ``d``, looked up block by block."""
    classes = np.empty_like(d)
    for lo in range(0, len(d), _CLASS_BLOCK):
        np.take(_CLASS, d[lo : lo + _CLASS_BLOCK], out=classes[lo : lo + _CLASS_BLOCK])
    return classes


def _reject(code: npt.NDArray[np.int8], where: npt.NDArray[np.bool_], value: int) -> None:
    """Set ``code`` to ``value`` where ``where`` holds and no earlier check failed."""
    code[where & (code == C_OK)] = value


def scan_lines(data: Bytes, offsets: Ints) -> Scan:
    """Classify and check every line of a buffer (see the module docstring)."""
    n = len(offsets) - 1
    # One copy of the buffer, padded. NumPy asks Linux for huge pages for big arrays,
    # which are mapped several times faster than a bytearray's small pages.
    d = np.zeros(len(data) + PAD, dtype=np.uint8)
    d[: len(data)] = data
    base = offsets[:-1].astype(np.int64)
    start = base.copy()
    end = offsets[1:].astype(np.int64)
    for _ in range(4):  # trailing blanks and stray CRs: a few rounds cover real files
        trailing = (end > start) & _WS[d[np.maximum(end - 1, 0)]]
        if not trailing.any():
            break
        end[trailing] -= 1
    for _ in range(4):
        leading = (end > start) & _WS[d[start]]
        if not leading.any():
            break
        start[leading] += 1
    length = end - start
    first = np.where(length > 0, d[start], 0)

    kind = np.full(n, K_GARBAGE, dtype=np.int8)
    code = np.zeros(n, dtype=np.int8)
    kind[length == 0] = K_BLANK
    kind[first == ord("#")] = K_COMMENT

    # Control/non-ASCII bytes anywhere in a non-comment line.
    classes = _byte_classes(d)
    if len(data) and (int(data.min()) < 0x20 or int(data.max()) >= 0x7F):
        line_class = span_reduce(np.bitwise_or, classes, start, end)
        has_bad = (line_class & B_BAD) != 0
    else:  # the whole buffer is printable ASCII (nearly every batch): two fast reductions
        has_bad = np.zeros(n, dtype=bool)

    decided = (kind == K_BLANK) | (kind == K_COMMENT)
    _reject(code, ~decided & has_bad, C_BAD_BYTES)

    # Tag blocks: "\...*hh\" repeated before the sentence. '\' never occurs in a sentence.
    sentence = start.copy()
    tag_computed = np.zeros(n, dtype=np.uint8)
    tag_found = np.zeros(n, dtype=np.uint8)
    block_line = block_start = block_stop = np.zeros(0, dtype=np.int64)
    is_tagged = first == ord("\\")
    star_positions: Ints | None = None
    if is_tagged.any():
        star_positions = np.flatnonzero(data == ord("*"))
        (block_line, block_start, block_stop) = _scan_tag_blocks(
            d, data, is_tagged, start, end, sentence, code, star_positions, tag_computed, tag_found
        )

    # What follows the tag blocks.
    rest = end - sentence
    lead = d[sentence]
    is_nmea = (rest > 0) & ((lead == ord("!")) | (lead == ord("$")))
    is_ais = (
        is_nmea
        & (rest >= 7)
        & (d[sentence + 3] == ord("V"))
        & (d[sentence + 4] == ord("D"))
        & ((d[sentence + 5] == ord("M")) | (d[sentence + 5] == ord("O")))
        & (d[sentence + 6] == ord(","))
    )
    is_ghp = (
        is_nmea
        & (lead == ord("$"))
        & (d[sentence + 1] == ord("P"))
        & (d[sentence + 2] == ord("G"))
        & (d[sentence + 3] == ord("H"))
        & (d[sentence + 4] == ord("P"))
        & (d[sentence + 5] == ord(","))
    )
    kind[~decided & is_tagged & (rest == 0)] = K_TAG_ONLY
    kind[~decided & is_ais] = K_AIS
    kind[~decided & is_ghp] = K_GHP
    kind[~decided & is_nmea & ~is_ais & ~is_ghp] = K_OTHER
    _reject(code, kind == K_GARBAGE, C_GARBAGE)
    _reject(code, kind == K_OTHER, C_NOT_AIS)

    # Checksum of AIS and $PGHP sentences: the first '*' after the sentence start, two
    # hex digits, then the end of the line or ',' (USCG trailer). Fast path: the line
    # ends with "*hh"; lines whose checksum then fails are searched again for an
    # earlier '*' (two sentences run together), so they are reported for what they are.
    checked = (kind == K_AIS) | (kind == K_GHP)
    star = np.full(n, -1, dtype=np.int64)
    plain = checked & (end - sentence >= 4) & (d[np.maximum(end - 3, 0)] == ord("*"))
    star[plain] = end[plain] - 3
    star_positions = _locate_stars(
        data, np.flatnonzero(checked & ~plain), sentence, end, star, star_positions
    )
    found, computed, well_formed = _checksums(d, star, sentence, end, checked)
    suspects = np.flatnonzero(plain & well_formed & (computed != found))
    if len(suspects):
        star_positions = _locate_stars(data, suspects, sentence, end, star, star_positions)
        found, computed, well_formed = _checksums(d, star, sentence, end, checked)
    _reject(code, checked & ~well_formed, C_NO_CHECKSUM)
    star_safe = np.maximum(star, 0)
    after = np.minimum(star_safe + 3, end)
    has_trailer = well_formed & (after < end)
    _reject(code, checked & has_trailer & (d[after] != ord(",")), C_AFTER_CHECKSUM)
    trailer_start = np.where(has_trailer, after + 1, end)
    _reject(code, checked & well_formed & (computed != found), C_CHECKSUM)

    scan = Scan(
        data=d,
        base=base,
        start=start,
        end=end,
        sentence=sentence,
        kind=kind,
        code=code,
        star=star,
        computed=computed,
        found=found,
        tag_computed=tag_computed,
        tag_found=tag_found,
        count=np.zeros(n, dtype=np.int8),
        number=np.zeros(n, dtype=np.int8),
        seq=np.full(n, -1, dtype=np.int16),
        channel=np.zeros(n, dtype=np.uint8),
        payload_start=np.zeros(n, dtype=np.int64),
        payload_end=np.zeros(n, dtype=np.int64),
        fill=np.zeros(n, dtype=np.int8),
        trailer_start=trailer_start,
        field_start=np.zeros(n, dtype=np.int64),
        field_end=np.zeros(n, dtype=np.int64),
        block_line=block_line,
        block_start=block_start,
        block_stop=block_stop,
    )
    _scan_ais_fields(scan, classes)
    return scan


def _locate_stars(
    data: Bytes, rows: Ints, sentence: Ints, end: Ints, star: Ints, star_positions: Ints | None
) -> Ints | None:
    """Set ``star[rows]`` to the first '*' after the sentence start (-1 if none)."""
    if len(rows) == 0:
        return star_positions
    if star_positions is None:
        star_positions = np.flatnonzero(data == ord("*"))
    star[rows] = -1
    if len(star_positions):
        k = np.searchsorted(star_positions, sentence[rows])
        candidate = star_positions[np.minimum(k, len(star_positions) - 1)]
        has_star = (k < len(star_positions)) & (candidate < end[rows])
        star[rows[has_star]] = candidate[has_star]
    return star_positions


def _checksums(
    d: Bytes, star: Ints, sentence: Ints, end: Ints, checked: npt.NDArray[np.bool_]
) -> tuple[Bytes, Bytes, npt.NDArray[np.bool_]]:
    """Stated checksum, computed checksum and whether '*hh' is well formed, per line."""
    star_safe = np.maximum(star, 0)
    hi = _HEX[d[star_safe + 1]]
    lo = _HEX[d[star_safe + 2]]
    found = ((hi << 4) | lo).astype(np.uint8)
    well_formed = checked & (star >= 0) & (hi != 255) & (lo != 255) & (star + 3 <= end)
    computed = np.zeros(len(star), dtype=np.uint8)
    rows = np.flatnonzero(well_formed)
    computed[rows] = span_reduce(np.bitwise_xor, d, sentence[rows] + 1, star[rows])
    return found, computed, well_formed


def _scan_tag_blocks(
    d: Bytes,
    data: Bytes,
    is_tagged: npt.NDArray[np.bool_],
    start: Ints,
    end: Ints,
    sentence: Ints,
    code: npt.NDArray[np.int8],
    star_positions: Ints,
    tag_computed: Bytes,
    tag_found: Bytes,
) -> tuple[Ints, Ints, Ints]:
    """Find and checksum the tag blocks; set ``sentence`` past them. Returns block rows."""
    backslashes = np.flatnonzero(data == ord("\\"))
    tagged = np.flatnonzero(is_tagged)
    lo = np.searchsorted(backslashes, start[tagged])
    hi = np.searchsorted(backslashes, end[tagged])
    last = backslashes[hi - 1]
    sentence[tagged] = last + 1
    n_slashes = hi - lo
    unbalanced = (n_slashes % 2 == 1) | (n_slashes < 2)
    flag = np.zeros(len(code), dtype=bool)
    flag[tagged[unbalanced]] = True
    _reject(code, flag, C_TAG_UNBALANCED)
    good = tagged[~unbalanced]
    n_blocks = (n_slashes[~unbalanced] // 2).astype(np.int64)
    block_line = np.repeat(good, n_blocks)
    # j-th block of a line: backslashes lo + 2j (open) and lo + 2j + 1 (close).
    first_block = np.cumsum(n_blocks) - n_blocks
    j = np.arange(len(block_line), dtype=np.int64) - np.repeat(first_block, n_blocks)
    open_at = backslashes[np.repeat(lo[~unbalanced], n_blocks) + 2 * j]
    close_at = backslashes[np.repeat(lo[~unbalanced], n_blocks) + 2 * j + 1]
    inside = open_at + 1
    if len(star_positions):
        k = np.searchsorted(star_positions, inside)
        star = star_positions[np.minimum(k, len(star_positions) - 1)]
        star = np.where((k < len(star_positions)) & (star < close_at), star, -1)
    else:
        star = np.full(len(inside), -1, dtype=np.int64)
    star_safe = np.maximum(star, 0)
    hi_nibble = _HEX[d[star_safe + 1]]
    lo_nibble = _HEX[d[star_safe + 2]]
    well_formed = (star >= 0) & (star + 3 == close_at) & (hi_nibble != 255) & (lo_nibble != 255)
    computed = span_reduce(np.bitwise_xor, d, inside, star_safe)
    found = ((hi_nibble << 4) | lo_nibble).astype(np.uint8)
    bad_form = np.zeros(len(code), dtype=bool)
    bad_form[block_line[~well_formed]] = True
    bad_sum = np.zeros(len(code), dtype=bool)
    mismatch = well_formed & (computed != found)
    bad_sum[block_line[mismatch]] = True
    # Reversed so that the first bad block of a line is the one reported.
    tag_computed[block_line[mismatch][::-1]] = computed[mismatch][::-1]
    tag_found[block_line[mismatch][::-1]] = found[mismatch][::-1]
    _reject(code, bad_form, C_TAG_NO_CHECKSUM)
    _reject(code, bad_sum, C_TAG_CHECKSUM)
    return block_line, inside, np.where(well_formed, star, inside)


def _scan_ais_fields(scan: Scan, classes: Bytes) -> None:
    """Locate and validate the six VDM/VDO fields of every AIS line with a good checksum."""
    d = scan.data
    rows = np.flatnonzero((scan.kind == K_AIS) & (scan.code == C_OK))
    if len(rows) == 0:
        return
    s = scan.sentence[rows]
    star = scan.star[rows]
    code = np.zeros(len(rows), dtype=np.int8)
    field_start = np.zeros(len(rows), dtype=np.int64)
    field_end = np.zeros(len(rows), dtype=np.int64)

    def fail(
        where: npt.NDArray[np.bool_], value: int, f_start: Ints, f_end: Ints | None = None
    ) -> None:
        """Reject ``where`` (if not yet rejected); the field runs to ``f_end`` or a comma."""
        hit = np.flatnonzero(where & (code == C_OK))
        if len(hit) == 0:
            return
        code[hit] = value
        field_start[hit] = f_start[hit]
        field_end[hit] = (
            f_end[hit] if f_end is not None else _next_comma(d, f_start[hit], star[hit])
        )

    comma = ord(",")
    c0 = s + 6
    # Field 1 and 2: one digit each, followed by a comma.
    count = _DIGIT[d[c0 + 1]].astype(np.int8)
    c1 = c0 + 2
    fail((count < 1) | (d[c1] != comma), C_COUNT, c0 + 1)
    number = _DIGIT[d[c1 + 1]].astype(np.int8)
    c2 = c1 + 2
    fail((number < 1) | (number > count) | (d[c2] != comma), C_NUMBER, c1 + 1)
    # Field 3: empty, one or two digits.
    seq_len = np.where(
        d[c2 + 1] == comma, 0, np.where(d[c2 + 2] == comma, 1, np.where(d[c2 + 3] == comma, 2, 9))
    )
    seq_d1 = _DIGIT[d[c2 + 1]].astype(np.int16)
    seq_d2 = _DIGIT[d[c2 + 2]].astype(np.int16)
    seq = np.where(seq_len == 0, -1, np.where(seq_len == 1, seq_d1, seq_d1 * 10 + seq_d2))
    seq_bad = (seq_len == 9) | ((seq_len >= 1) & (seq_d1 > 9)) | ((seq_len == 2) & (seq_d2 > 9))
    fail(seq_bad, C_SEQ, c2 + 1)
    c3 = c2 + 1 + np.minimum(seq_len, 2)
    # Field 4: empty or one letter/digit.
    chan_len = np.where(d[c3 + 1] == comma, 0, np.where(d[c3 + 2] == comma, 1, 9))
    chan = np.where(chan_len == 1, d[c3 + 1], 0).astype(np.uint8)
    fail((chan_len == 9) | ((chan_len == 1) & ~_ALNUM[chan]), C_CHANNEL, c3 + 1)
    c4 = c3 + 1 + np.minimum(chan_len, 1)
    # Fields 5 and 6 from the right: ",<fill>*" and GoFree's ",<fill>,<digit>*".
    fill_at = star - 1
    gofree = (d[star - 2] == comma) & (d[star - 4] == comma) & (star - 4 > c4)
    fill_at = np.where(gofree, star - 3, fill_at)
    gofree_extra_ok = _DIGIT[d[star - 1]] <= 9
    c5 = fill_at - 1
    fail((d[c5] != comma) | (c5 <= c4) | (gofree & ~gofree_extra_ok), C_FIELDS, c4 + 1, star)
    fill = _DIGIT[d[np.maximum(fill_at, 0)]].astype(np.int8)
    payload_start = c4 + 1
    payload_end = c5
    fail(payload_end == payload_start, C_PAYLOAD_EMPTY, payload_start, payload_end)
    pay_class = span_reduce(
        np.bitwise_or, classes, payload_start, np.maximum(payload_end, payload_start)
    )
    fail((pay_class & B_COMMA) != 0, C_FIELDS, payload_start, star)
    fail((pay_class & B_NOT_PAYLOAD) != 0, C_PAYLOAD_CHARS, payload_start, payload_end)
    fail((fill < 0) | (fill > 5), C_FILL, fill_at, fill_at + 1)

    scan.code[rows] = code
    scan.count[rows] = count
    scan.number[rows] = number
    scan.seq[rows] = seq
    scan.channel[rows] = chan
    scan.payload_start[rows] = payload_start
    scan.payload_end[rows] = payload_end
    scan.fill[rows] = fill
    scan.field_start[rows] = field_start
    scan.field_end[rows] = field_end


def _next_comma(d: Bytes, at: Ints, limit: Ints) -> Ints:
    """Position of the first ',' at or after ``at`` (at most 7 bytes on), else ``limit``."""
    out = np.minimum(limit, at + 8)
    for step in range(7, -1, -1):
        hit = d[at + step] == ord(",")
        out = np.where(hit & (at + step < limit), at + step, out)
    return out
