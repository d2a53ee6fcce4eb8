"""Frame NMEA lines into complete AIS messages plus rejects, vectorised (ingest layer).

Imports only ``darkfleet.schema``, ``darkfleet.errors`` and the ingest package.

``frame_nmea`` takes one :class:`~darkfleet.ingest.sources.LineBatch` and returns the
complete AIS messages in it (``MESSAGES``: armoured payload of all fragments, fill
bits, receive time and where it came from, source, channel, talker, raw lines) and
the rejected lines (``schema.REJECTS``). Every input line ends up in exactly one of:
a message's ``raw``, a reject row, the ``blank``/``comment`` counts, or the
``FramingState`` carried to the next batch (fragments whose partners may still come,
a tag block or ``$PGHP`` line waiting for its sentence); ``finish_nmea`` rejects what
is still carried at the end of the file.

How lines are read
------------------
- ``!xxVDM``/``!xxVDO`` (any talker; ``$`` accepted too) are AIS sentences. Their
  checksum is verified, then every field: fragment count 1..9, number <= count,
  sequence id empty or numeric, channel empty or one character, payload non-empty and
  in the AIS 6-bit alphabet, fill bits 0..5. GoFree multiplexers append one digit
  field (``...,payload,0,0*1C``); it is accepted and ignored.
- NMEA 4.0 tag blocks before a sentence, or alone on their own line (DMA writes
  ``\\si:AISD*3F\\`` on the line before ``$PGHP`` and the sentence): see ``tagblock``.
- A ``$PGHP`` line or a stand-alone tag block applies to the next AIS sentence; the
  later fragments of that message inherit it (DMA stamps only the first fragment).
  Such "context" lines are part of the message's ``raw`` and share its fate.
- Any other ``$``/``!`` sentence is rejected as "not ais"; lines that are not NMEA
  at all as "malformed"; blank lines and ``#`` comments are only counted.

Receive time: tag block ``c:`` > USCG trailer epoch > ``$PGHP`` > ``assume_time`` >
null, recorded in ``ts_origin`` ("tag", "uscg", "pghp", "assumed").
Source: tag block ``s:``/``si:`` > USCG station (``r...``) > ``$PGHP`` base station >
null.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from darkfleet.errors import ConfigError
from darkfleet.ingest import nmea
from darkfleet.ingest.nmea import _scan as sc
from darkfleet.ingest.nmea.assemble import assemble_fragments
from darkfleet.ingest.nmea.tagblock import NO_TIME, Wrappers, parse_wrappers
from darkfleet.ingest.sources import LineBatch

__all__ = ["DEFAULT_WINDOW_LINES", "FramedBatch", "FramingState", "finish_nmea", "frame_nmea"]

#: Fragments of one message must lie within this many lines of each other. Real
#: receivers send them back to back (DMA: 3 lines apart with the tag and $PGHP lines);
#: 500 lines leaves room for busy interleaved feeds while keeping the carried state
#: small and stopping a lost fragment from pairing with an unrelated one far away.
DEFAULT_WINDOW_LINES: Final = 500

_CARRIED_SCHEMA: Final = {
    "line_no": pl.Int64(),
    "text": pl.String(),
    "reason": pl.String(),
    "detail": pl.String(),
}


_HEX_NAMES: Final = {i: f"{i:02X}" for i in range(256)}
_FIELD_CODES: Final = (
    sc.C_COUNT,
    sc.C_NUMBER,
    sc.C_SEQ,
    sc.C_CHANNEL,
    sc.C_FILL,
    sc.C_FIELDS,
    sc.C_PAYLOAD_CHARS,
    sc.C_AFTER_CHECKSUM,
    sc.C_NOT_AIS,
    sc.C_GARBAGE,
)

# What became of a line.
_D_COUNTED: Final = 0
_D_MESSAGE: Final = 1
_D_REJECT: Final = 2
_D_CARRY: Final = 3


def _empty_carried() -> pl.DataFrame:
    return pl.DataFrame(schema=_CARRIED_SCHEMA)


@dataclass(frozen=True, slots=True)
class FramingState:
    """What one file's framing carries from one batch to the next.

    Attributes
    ----------
    file, file_id
        The input being framed (a state belongs to one file).
    carried
        Lines not decided yet, with the reject they get if the file ends now:
        fragments whose partners may come in the next batch, and tag block / $PGHP
        lines waiting for their sentence.
    window_lines
        Largest distance in lines between the fragments of one message.
    """

    file: str
    file_id: str
    carried: pl.DataFrame = field(default_factory=_empty_carried)
    window_lines: int = DEFAULT_WINDOW_LINES

    def __post_init__(self) -> None:
        if self.window_lines < 1:
            raise ConfigError(
                f"FramingState.window_lines must be >= 1 line, got {self.window_lines}"
            )


@dataclass(frozen=True, slots=True)
class FramedBatch:
    """Result of framing one batch.

    Attributes
    ----------
    messages
        ``ingest.nmea.MESSAGES`` rows, one per complete AIS message, in line order.
    rejects
        ``schema.REJECTS`` rows, one per rejected line.
    state
        Pass it to the next ``frame_nmea`` call of the same file, then to
        ``finish_nmea``.
    counts
        ``lines`` (new lines in this batch), ``blank``, ``comment``, ``ais_sentences``,
        ``context_lines`` (tag-only and $PGHP), ``messages``, ``message_lines``
        (lines inside messages' ``raw``), ``rejected_lines``, ``carried_lines``.
    """

    messages: pl.DataFrame
    rejects: pl.DataFrame
    state: FramingState
    counts: dict[str, int]


def _buffers(array: pa.LargeStringArray) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """The UTF-8 data buffer and this array's offsets into it (no copy)."""
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    data = (
        np.frombuffer(buffers[2], dtype=np.uint8)
        if buffers[2] is not None
        else np.zeros(0, np.uint8)
    )
    return data, offsets


def _as_large(lines: pa.Array) -> pa.LargeStringArray:
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    if lines.type != pa.large_string():
        lines = lines.cast(pa.large_string())
    if lines.null_count:
        lines = pc.fill_null(lines, "")
    return lines


def _last_per_group(
    groups: npt.NDArray[np.int64], values: npt.NDArray[np.int64], size: int, fill: int
) -> npt.NDArray[np.int64]:
    """``out[g]`` = the last ``values[i]`` with ``groups[i] == g`` (``fill`` if none)."""
    out = np.full(size, fill, dtype=np.int64)
    if len(groups):
        reversed_groups = groups[::-1]
        unique, first_in_reversed = np.unique(reversed_groups, return_index=True)
        out[unique] = values[::-1][first_in_reversed]
    return out


def _gather_nullable(series: pl.Series, index: npt.NDArray[np.int64]) -> pl.Series:
    """``series[index]`` with null where ``index`` is -1."""
    padded = series.extend_constant(None, 1)
    return padded.gather(np.where(index >= 0, index, len(series)))


def _time_us(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ConfigError(
            f"assume_time must be timezone-aware, got {moment.isoformat()}; "
            "pass e.g. datetime(2024, 3, 1, tzinfo=UTC)"
        )
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True, slots=True)
class _Fragments:
    """The AIS sentences that passed every check (one entry per fragment, in line order)."""

    row: npt.NDArray[np.int64]
    count: npt.NDArray[np.int8]
    number: npt.NDArray[np.int8]
    ts_tag: npt.NDArray[np.int64]  # NO_TIME when absent
    ts_uscg: npt.NDArray[np.int64]
    ts_pghp: npt.NDArray[np.int64]
    source: _FragmentSources


class _FragmentSources:
    """Source of each fragment: tag ``s:`` (own, else context line) > USCG > ``$PGHP``.

    Tag-block sources stay byte spans until a caller asks for strings; USCG and
    ``$PGHP`` stations (already strings) are only consulted when a file has them.
    """

    def __init__(
        self,
        scan: sc.Scan,
        texts: pl.Series,
        wrappers: Wrappers,
        frag_rows: npt.NDArray[np.int64],
        tag_ctx_row: npt.NDArray[np.int64],
        ghp_ctx_row: npt.NDArray[np.int64],
    ) -> None:
        self._texts = texts
        self._base = scan.base
        own = wrappers.tag_src_first[frag_rows] >= 0
        src_row = np.where(own, frag_rows, tag_ctx_row)
        self._has_tag = src_row >= 0
        safe = np.maximum(src_row, 0)
        self._row = safe
        self._first = wrappers.tag_src_first[safe]
        self._stop = wrappers.tag_src_stop[safe]
        self._fallback: pl.Series | None = None
        self.present = self._has_tag
        has_uscg = wrappers.uscg_source.null_count() < len(wrappers.uscg_source)
        has_ghp = bool((ghp_ctx_row >= 0).any())
        if has_uscg or has_ghp:
            self._fallback = pl.select(
                pl.coalesce(
                    wrappers.uscg_source.gather(frag_rows),
                    _gather_nullable(wrappers.ghp_source, ghp_ctx_row),
                )
            ).to_series()
            self.present = self._has_tag | self._fallback.is_not_null().to_numpy()

    def strings(self, index: npt.NDArray[np.int64]) -> pl.Series:
        """Sources of fragments ``index`` as strings (null where ``index`` is -1 or none)."""
        safe = np.maximum(index, 0)
        valid = (index >= 0) & self._has_tag[safe]
        tag = sc.line_slices(
            self._texts, self._base, self._row[safe], self._first[safe], self._stop[safe], valid
        ).alias("source")
        if self._fallback is None:
            return tag
        other = _gather_nullable(self._fallback, index)
        return pl.select(pl.coalesce(tag, other).alias("source")).to_series()


def frame_nmea(
    batch: LineBatch,
    state: FramingState | None = None,
    *,
    assume_time: datetime | None = None,
) -> FramedBatch:
    """Frame one batch of NMEA lines into complete AIS messages and rejects.

    Parameters
    ----------
    batch
        Consecutive lines of one file (from ``iter_line_batches``).
    state
        The ``state`` of the previous batch of the same file; ``None`` for the first
        batch (a fresh ``FramingState`` with the default window is made).
    assume_time
        Receive time (timezone-aware) for messages that carry none of their own (no tag
        block ``c:``, USCG epoch or ``$PGHP``): meant for files without any time;
        ``ts_origin`` says "assumed". ``None`` leaves ``ts`` null.

    Returns
    -------
    FramedBatch
        Messages (``ingest.nmea.MESSAGES``), rejects (``schema.REJECTS``), the state to
        pass on, and counts.

    Raises
    ------
    ConfigError
        ``assume_time`` is naive, or ``state`` belongs to another file.

    Examples
    --------
    >>> import pyarrow as pa
    >>> lines = pa.array(["!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23", "$GPGGA,1*00", ""])
    >>> framed = frame_nmea(LineBatch("demo.txt", "0" * 16, 1, lines))
    >>> framed.messages.select("payload", "channel", "line_no").rows()
    [('13HOI:0P0000VOHLCnHQKwvL05Ip', 'A', 1)]
    >>> framed.rejects.select("line_no", "reason").rows()
    [(2, 'not ais')]
    >>> framed.counts["blank"]
    1
    """
    if state is None:
        state = FramingState(file=batch.file, file_id=batch.file_id)
    elif state.file != batch.file or state.file_id != batch.file_id:
        raise ConfigError(
            f"the FramingState is for {state.file} ({state.file_id}), the batch is from "
            f"{batch.file} ({batch.file_id}); start a new state for each file"
        )
    lines = _as_large(batch.lines)
    new_line_no = batch.first_line_no + np.arange(len(lines), dtype=np.int64)
    if len(state.carried):
        carried_text = pa.array(state.carried["text"].to_list(), type=pa.large_string())
        lines = pa.concat_arrays([carried_text, lines])
        line_no = np.concatenate([state.carried["line_no"].to_numpy(), new_line_no])
    else:
        line_no = new_line_no
    return _frame(
        lines, line_no, state, assume_us=_time_us(assume_time), n_carried=len(state.carried)
    )


def finish_nmea(state: FramingState) -> pl.DataFrame:
    """Reject what is still carried at the end of a file (``schema.REJECTS``).

    Fragments whose other fragments never came are rejected "incomplete", and so are
    tag block / ``$PGHP`` lines that no AIS sentence followed.

    Examples
    --------
    >>> import pyarrow as pa
    >>> lines = pa.array(["!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E"])
    >>> framed = frame_nmea(LineBatch("demo.txt", "0" * 16, 1, lines))
    >>> len(framed.messages), len(framed.rejects), framed.counts["carried_lines"]
    (0, 0, 1)
    >>> finish_nmea(framed.state).select("line_no", "reason").rows()
    [(1, 'incomplete')]
    """
    carried = state.carried
    return carried.select(
        pl.lit(state.file, pl.String).alias("file"),
        pl.lit(state.file_id, pl.String).alias("file_id"),
        "line_no",
        pl.col("text").alias("raw"),
        "reason",
        "detail",
    ).sort("line_no")


def _frame(
    lines: pa.LargeStringArray,
    line_no: npt.NDArray[np.int64],
    state: FramingState,
    *,
    assume_us: int | None,
    n_carried: int,
) -> FramedBatch:
    n = len(lines)
    data, offsets = _buffers(lines)
    scan = sc.scan_lines(data, offsets)
    texts = pl.Series("text", lines)
    wrappers = parse_wrappers(scan, texts)
    kind, code = scan.kind, scan.code
    window = state.window_lines

    # Segments: every line up to and including the next sentence (AIS or other NMEA);
    # tag-only and $PGHP lines in a segment are the context of that sentence.
    is_ais = kind == sc.K_AIS
    is_term = is_ais | (kind == sc.K_OTHER)
    term_rows = np.flatnonzero(is_term)
    n_term = len(term_rows)
    seg = np.cumsum(is_term) - is_term
    is_context = ((kind == sc.K_TAG_ONLY) | (kind == sc.K_GHP)) & (code == sc.C_OK)
    ctx_rows = np.flatnonzero(is_context)
    ctx_seg = seg[ctx_rows]
    n_seg = n_term + 1
    seg_has_ctx = np.bincount(ctx_seg, minlength=n_seg) > 0

    def last_ctx(valid: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        """Row of the last context line of each segment for which ``valid`` holds."""
        rows = ctx_rows[valid[ctx_rows]]
        return _last_per_group(seg[rows], rows, n_seg, -1)

    seg_ghp_row = last_ctx(wrappers.ghp_ts_us != NO_TIME)
    seg_ghp_src_row = last_ctx(wrappers.ghp_source.is_not_null().to_numpy())
    seg_tag_ts_row = last_ctx(wrappers.tag_ts_us != NO_TIME)
    seg_tag_src_row = last_ctx(wrappers.tag_src_first >= 0)

    # Context segment of each AIS sentence: its own, or for a later fragment without
    # context of its own, that of the AIS sentence before it (DMA stamps only fragment 1).
    ais_rows = np.flatnonzero(is_ais)
    ais_seg = seg[ais_rows]
    number_ais = np.where(code[ais_rows] == sc.C_OK, scan.number[ais_rows], 0)
    own = seg_has_ctx[ais_seg] | (number_ais <= 1)
    source_pos = np.maximum.accumulate(np.where(own, np.arange(len(ais_rows)), -1))
    eff_seg = np.where(source_pos >= 0, ais_seg[np.maximum(source_pos, 0)], -1)

    # Fragments: AIS sentences that passed every check.
    ok_ais = code[ais_rows] == sc.C_OK
    frag_rows = ais_rows[ok_ais]
    frag_eff = eff_seg[ok_ais]

    no_context = len(ctx_rows) == 0
    no_row = np.full(len(frag_rows), -1, dtype=np.int64)

    def via_segment(seg_row: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        if no_context:
            return no_row
        return np.where(frag_eff >= 0, seg_row[np.maximum(frag_eff, 0)], -1)

    ghp_row = via_segment(seg_ghp_row)
    tag_ts_ctx_row = via_segment(seg_tag_ts_row)
    inline_tag_ts = wrappers.tag_ts_us[frag_rows]
    ctx_tag_ts = np.where(
        tag_ts_ctx_row >= 0, wrappers.tag_ts_us[np.maximum(tag_ts_ctx_row, 0)], NO_TIME
    )
    d = scan.data
    sentence = scan.sentence[frag_rows]
    frags = _Fragments(
        row=frag_rows,
        count=scan.count[frag_rows],
        number=scan.number[frag_rows],
        ts_tag=np.where(inline_tag_ts != NO_TIME, inline_tag_ts, ctx_tag_ts),
        ts_uscg=wrappers.uscg_ts_us[frag_rows],
        ts_pghp=np.where(ghp_row >= 0, wrappers.ghp_ts_us[np.maximum(ghp_row, 0)], NO_TIME),
        source=_FragmentSources(
            scan,
            texts,
            wrappers,
            frag_rows,
            via_segment(seg_tag_src_row),
            via_segment(seg_ghp_src_row),
        ),
    )

    # Multi-sentence assembly.
    multi_idx = np.flatnonzero(frags.count > 1)
    multi_rows = frag_rows[multi_idx]
    talker_code = d[sentence + 1].astype(np.int64) * 256 + d[sentence + 2]
    multi = pl.DataFrame(
        {
            "group_id": wrappers.group_id[multi_rows],
            "source": frags.source.strings(multi_idx),
            "talker_code": talker_code[multi_idx],
            "is_own_ship": d[sentence[multi_idx] + 5] == ord("O"),
            "channel_code": scan.channel[multi_rows],
            "seq": scan.seq[multi_rows],
            "count": scan.count[multi_rows],
        }
    ).select(
        key=pl.when(pl.col("group_id") >= 0)
        .then(pl.struct("group_id", "count").hash(seed=1))
        .otherwise(
            pl.struct("source", "talker_code", "is_own_ship", "channel_code", "seq", "count").hash(
                seed=2
            )
        )
    )
    owner_local = assemble_fragments(
        multi["key"].to_numpy(),
        line_no[multi_rows],
        scan.count[multi_rows],
        scan.number[multi_rows],
        window_lines=window,
    )
    msg_of_row = np.full(n, -1, dtype=np.int64)
    single_rows = frag_rows[frags.count == 1]
    msg_of_row[single_rows] = single_rows
    assembled = owner_local >= 0
    msg_of_row[multi_rows[assembled]] = multi_rows[owner_local[assembled]]
    leftover = multi_rows[~assembled]
    last_line = int(line_no[-1]) if n else 0
    is_carried_frag = line_no[leftover] > last_line - window

    # Fate of each line.
    disposition = np.full(n, _D_REJECT, dtype=np.int8)
    disposition[(kind == sc.K_BLANK) | (kind == sc.K_COMMENT)] = _D_COUNTED
    disposition[msg_of_row >= 0] = _D_MESSAGE
    disposition[leftover[is_carried_frag]] = _D_CARRY
    line_code = code.copy()
    line_code[leftover] = sc.C_INCOMPLETE
    ref_row = np.full(n, -1, dtype=np.int64)
    # Context lines share the fate of their segment's sentence.
    has_sentence = ctx_seg < n_term
    ctx_with = ctx_rows[has_sentence]
    sentence_row = term_rows[ctx_seg[has_sentence]]
    disposition[ctx_with] = disposition[sentence_row]
    msg_of_row[ctx_with] = msg_of_row[sentence_row]
    line_code[ctx_with] = line_code[sentence_row]
    ref_row[ctx_with] = sentence_row
    orphans = ctx_rows[~has_sentence]
    disposition[orphans] = _D_CARRY
    line_code[orphans] = sc.C_ORPHAN_CONTEXT

    messages = _build_messages(
        frags, scan, texts, line_no, msg_of_row, disposition, state, assume_us
    )
    decided = _reject_frame(
        np.flatnonzero((disposition == _D_REJECT) | (disposition == _D_CARRY)),
        scan,
        texts,
        line_no,
        line_code,
        ref_row,
        window,
        final_rows=disposition,
    )
    rejects = decided.filter(pl.col("disposition") == _D_REJECT).select(
        pl.lit(state.file, pl.String).alias("file"),
        pl.lit(state.file_id, pl.String).alias("file_id"),
        "line_no",
        pl.col("text").alias("raw"),
        "reason",
        "detail",
    )
    carried = decided.filter(pl.col("disposition") == _D_CARRY).select(
        "line_no", "text", "reason", "detail"
    )
    new = slice(n_carried, None)
    counts = {
        "lines": n - n_carried,
        "blank": int((kind[new] == sc.K_BLANK).sum()),
        "comment": int((kind[new] == sc.K_COMMENT).sum()),
        "ais_sentences": int((kind[new] == sc.K_AIS).sum()),
        "context_lines": int(((kind[new] == sc.K_TAG_ONLY) | (kind[new] == sc.K_GHP)).sum()),
        "messages": len(messages),
        "message_lines": int((disposition == _D_MESSAGE).sum()),
        "rejected_lines": len(rejects),
        "carried_lines": len(carried),
    }
    new_state = FramingState(
        file=state.file, file_id=state.file_id, carried=carried, window_lines=window
    )
    return FramedBatch(messages=messages, rejects=rejects, state=new_state, counts=counts)


def _small_strings(codes: npt.NDArray[np.int64], width: int) -> pl.Series:
    """Decode small integer-coded byte strings (talker, channel) without a per-row loop."""
    present = np.zeros(256**width, dtype=bool)
    present[codes] = True
    unique = np.flatnonzero(present)
    lookup = np.zeros(256**width, dtype=np.int64)
    lookup[unique] = np.arange(len(unique))
    inverse = lookup[codes]
    names = []
    for value in unique.tolist():
        raw = value.to_bytes(width, "big").lstrip(b"\0")
        names.append(raw.decode("ascii") if raw else "")
    return pl.Series(names, dtype=pl.String).gather(inverse.reshape(-1))


def _join_groups(
    strings: pl.Series, group_starts: npt.NDArray[np.int64], separator: str
) -> pl.Series:
    """One string per group of consecutive ``strings`` (groups begin at ``group_starts``).

    Column j holds every group's j-th string (null past its end) and one
    ``concat_str`` joins the columns: a loop over positions in a group (a message has at
    most a few lines), never over groups.
    """
    sizes = np.diff(np.append(group_starts, len(strings)))
    columns = [
        _gather_nullable(strings, np.where(sizes > j, group_starts + j, -1)).alias(f"p{j}")
        for j in range(int(sizes.max(initial=0)))
    ]
    if not columns:
        return pl.Series(strings.name, [], dtype=pl.String)
    return pl.select(
        pl.concat_str(columns, separator=separator, ignore_nulls=True).alias(strings.name)
    ).to_series()


def _replace_rows(series: pl.Series, at: npt.NDArray[np.int64], values: pl.Series) -> pl.Series:
    """``series`` with ``series[at[i]] = values[i]`` (one gather, no scatter)."""
    index = np.arange(len(series), dtype=np.int64)
    index[at] = len(series) + np.arange(len(at), dtype=np.int64)
    return pl.concat([series, values.alias(series.name)]).gather(index)


def _first_valid(
    values: npt.NDArray[np.int64],
    valid: npt.NDArray[np.bool_],
    group: npt.NDArray[np.int64],
    n_groups: int,
    fill: int,
) -> npt.NDArray[np.int64]:
    """Per group (``group`` sorted), the first of ``values`` where ``valid`` holds."""
    out = np.full(n_groups, fill, dtype=np.int64)
    idx = np.flatnonzero(valid)
    idx = idx[sc.first_per_group(group[idx])]
    out[group[idx]] = values[idx]
    return out


def _build_messages(
    frags: _Fragments,
    scan: sc.Scan,
    texts: pl.Series,
    line_no: npt.NDArray[np.int64],
    msg_of_row: npt.NDArray[np.int64],
    disposition: npt.NDArray[np.int8],
    state: FramingState,
    assume_us: int | None,
) -> pl.DataFrame:
    """One ``MESSAGES`` row per assembled message, in order of its first fragment's line.

    Per message: payloads of its fragments in fragment order, fill bits of the last,
    receive times and source from the first fragment that has each, channel, talker
    and own-ship flag of fragment 1, the smallest line number, and ``raw`` (its lines,
    context included, joined by newlines). Built with NumPy over the byte buffer.
    """
    n = len(msg_of_row)
    d = scan.data
    msg_rows = np.flatnonzero(msg_of_row == np.arange(n))
    n_msgs = len(msg_rows)
    fi = np.flatnonzero(msg_of_row[frags.row] >= 0)
    m = np.searchsorted(msg_rows, msg_of_row[frags.row[fi]])
    sort_key = m * 16 + frags.number[fi]
    if len(fi) > 1 and not (sort_key[1:] >= sort_key[:-1]).all():
        order = np.argsort(sort_key, kind="stable")
        fi, m = fi[order], m[order]
    starts = np.flatnonzero(sc.first_per_group(m))
    last = np.append(starts[1:], len(fi))[: len(starts)] - 1
    rows = frags.row[fi]
    first_rows = rows[starts]

    # Payload: that of fragment 1, or all fragments' joined for multi-sentence messages.
    payload = sc.line_slices(
        texts, scan.base, first_rows, scan.payload_start[first_rows], scan.payload_end[first_rows]
    )
    sizes = np.diff(np.append(starts, len(fi)))
    if (sizes > 1).any():
        several = np.flatnonzero(sizes > 1)
        several_rows = rows[np.repeat(sizes > 1, sizes)]
        pieces = sc.line_slices(
            texts,
            scan.base,
            several_rows,
            scan.payload_start[several_rows],
            scan.payload_end[several_rows],
        )
        joined = _join_groups(pieces, np.cumsum(sizes[several]) - sizes[several], "")
        payload = _replace_rows(payload, several, joined)

    ts = {
        name: _first_valid(values[fi], values[fi] != NO_TIME, m, n_msgs, NO_TIME)
        for name, values in (
            ("tag", frags.ts_tag),
            ("uscg", frags.ts_uscg),
            ("pghp", frags.ts_pghp),
        )
    }
    source_frag = _first_valid(fi, frags.source.present[fi], m, n_msgs, -1)
    sentence = scan.sentence[first_rows]
    talker_code = d[sentence + 1].astype(np.int64) * 256 + d[sentence + 2]

    # raw: the message's lines (fragments and their context lines) in line order.
    raw = texts.gather(msg_rows)
    members = np.flatnonzero(disposition == _D_MESSAGE)
    if len(members) > n_msgs:
        member_msg = msg_of_row[members]
        lines_per_msg = np.bincount(member_msg, minlength=n)
        members = members[lines_per_msg[member_msg] > 1]
        member_m = np.searchsorted(msg_rows, msg_of_row[members])
        if len(members) > 1 and not (member_m[1:] >= member_m[:-1]).all():
            order = np.argsort(member_m, kind="stable")
            members, member_m = members[order], member_m[order]
        group_first = np.flatnonzero(sc.first_per_group(member_m))
        joined_raw = _join_groups(texts.gather(members), group_first, "\n")
        raw = _replace_rows(raw, member_m[group_first], joined_raw)

    # Receive time: tag block > USCG > $PGHP > assumed; origin coded 0..3, 4 = none.
    assumed = NO_TIME if assume_us is None else assume_us
    when = np.full(n_msgs, assumed, dtype=np.int64)
    origin = np.full(n_msgs, 4 if assume_us is None else 3, dtype=np.int64)
    for code_value, name in ((2, "pghp"), (1, "uscg"), (0, "tag")):
        has = ts[name] != NO_TIME
        when[has] = ts[name][has]
        origin[has] = code_value
    origins = pl.Series(["tag", "uscg", "pghp", "assumed", None], dtype=pl.String)
    frame = pl.DataFrame(
        {
            "payload": payload,
            "fill_bits": scan.fill[rows[last]],
            "ts": when,
            "ts_origin": origins.gather(origin),
            "source": frags.source.strings(source_frag),
            "channel": _small_strings(scan.channel[first_rows].astype(np.int64), 1),
            "talker": _small_strings(talker_code, 2),
            "is_own_ship": d[sentence + 5] == ord("O"),
            "line_no": np.minimum.reduceat(line_no[rows], starts) if len(rows) else rows,
            "raw": raw,
        }
    )
    return frame.with_columns(
        pl.when(pl.col("ts") != NO_TIME).then(pl.col("ts")).cast(pl.Datetime("us", "UTC")),
        pl.lit(state.file, pl.String).alias("file"),
        pl.lit(state.file_id, pl.String).alias("file_id"),
    ).cast(dict(nmea.MESSAGES))  # type: ignore[arg-type]


def _reject_frame(
    rows: npt.NDArray[np.int64],
    scan: sc.Scan,
    texts: pl.Series,
    line_no: npt.NDArray[np.int64],
    line_code: npt.NDArray[np.int8],
    ref_row: npt.NDArray[np.int64],
    window: int,
    *,
    final_rows: npt.NDArray[np.int8],
) -> pl.DataFrame:
    """Reason and detail for each of ``rows`` (rejected now, or if the file ends now)."""
    # The sentence a context line belongs to explains the context line.
    about = np.where(ref_row[rows] >= 0, ref_row[rows], rows)
    c = line_code[about]
    field_start = scan.field_start[about].copy()
    field_end = scan.field_end[about].copy()
    after = c == sc.C_AFTER_CHECKSUM
    field_start[after] = scan.star[about][after] + 3
    field_end[after] = np.minimum(scan.end[about][after], field_start[after] + 40)
    addressed = (c == sc.C_NOT_AIS) | (c == sc.C_GARBAGE)
    field_start[addressed] = scan.sentence[about][addressed]
    field_end[addressed] = np.minimum(scan.end[about][addressed], field_start[addressed] + 40)
    reasons = {code: reason for code, (reason, _) in sc.CODES.items()}
    texts_of = {code: text for code, (_, text) in sc.CODES.items()}
    is_ctx = ref_row[rows] >= 0
    frame = pl.DataFrame(
        {
            "disposition": final_rows[rows],
            "line_no": line_no[rows],
            "text": texts.gather(rows),
            "about_text": texts.gather(about),
            "code": c,
            "is_ctx": is_ctx,
            "ref_line": line_no[about],
            "offset": field_start - scan.base[about],
            "length": np.maximum(field_end - field_start, 0),
            "computed": np.where(
                c == sc.C_TAG_CHECKSUM, scan.tag_computed[about], scan.computed[about]
            ),
            "found": np.where(c == sc.C_TAG_CHECKSUM, scan.tag_found[about], scan.found[about]),
            "number": scan.number[about],
            "count": scan.count[about],
            "seq": scan.seq[about],
            "channel": scan.channel[about],
        }
    )
    base_text = pl.col("code").replace_strict(texts_of, return_dtype=pl.String)
    channel = pl.col("channel").replace_strict(
        {i: chr(i) for i in range(1, 128)} | {0: "none"}, default="?", return_dtype=pl.String
    )
    seq = pl.when(pl.col("seq") >= 0).then(pl.col("seq").cast(pl.String)).otherwise(pl.lit("none"))
    incomplete_where = (
        pl.when(pl.col("disposition") == _D_CARRY)
        .then(pl.lit(" before the end of the file"))
        .otherwise(pl.lit(f" within {window} lines"))
    )
    suffix = (
        pl.when(pl.col("code").is_in([sc.C_CHECKSUM, sc.C_TAG_CHECKSUM]))
        .then(
            pl.format(
                ": computed {}, the line says {}",
                pl.col("computed").replace_strict(_HEX_NAMES, return_dtype=pl.String),
                pl.col("found").replace_strict(_HEX_NAMES, return_dtype=pl.String),
            )
        )
        .when(pl.col("code").is_in(_FIELD_CODES))
        .then(
            pl.format(": '{}'", pl.col("about_text").str.slice(pl.col("offset"), pl.col("length")))
        )
        .when(pl.col("code") == sc.C_INCOMPLETE)
        .then(
            pl.format(
                " (fragment {} of {}, sequence id {}, channel {}); no matching fragments{}",
                pl.col("number"),
                pl.col("count"),
                seq,
                channel,
                incomplete_where,
            )
        )
        .otherwise(pl.lit(""))
    )
    detail = pl.concat_str(base_text, suffix)
    return frame.select(
        "disposition",
        "line_no",
        "text",
        pl.col("code").replace_strict(reasons, return_dtype=pl.String).alias("reason"),
        pl.when(pl.col("is_ctx"))
        .then(pl.format("belongs to the sentence on line {}: {}", pl.col("ref_line"), detail))
        .otherwise(detail)
        .alias("detail"),
    ).sort("line_no")
