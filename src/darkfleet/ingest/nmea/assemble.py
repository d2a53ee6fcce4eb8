"""Join the fragments of multi-sentence AIS messages, vectorised (ingest layer).

Imports nothing from darkfleet. Fragments are grouped by a key (the tag-block group id
when there is one, else source, talker, VDM/VDO, channel, sequence id and fragment
count). Two passes, neither a per-line state machine:

1. *In order*: sorted by (key, line), a fragment numbered 1 followed by fragments
   2..n of the same key within ``window_lines`` lines is a message. This is how nearly
   every real message arrives, even when other messages interleave.
2. *Out of order*: each leftover fragment numbered > 1 joins the nearest leftover
   fragment 1 of the same key (``join_asof``, nearest line, within ``window_lines``);
   a fragment 1 with exactly the fragments 2..n attached is a message.

What is left is incomplete. A stale fragment (its number repeats before the message
completed, e.g. 1, 1, 2) stays left over: pass 1 only accepts the run that completes,
and pass 2 never joins fragments across a message of the same key completed between
them.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

MAX_FRAGMENTS: Final = 9


def assemble_fragments(
    key: npt.NDArray[np.uint64],
    line_no: npt.NDArray[np.int64],
    count: npt.NDArray[np.int8],
    number: npt.NDArray[np.int8],
    *,
    window_lines: int,
) -> npt.NDArray[np.int64]:
    """Return, per fragment, the index of its message's fragment 1, or -1 if unassembled.

    Parameters
    ----------
    key
        Fragments with equal keys may belong to one message.
    line_no
        Line of each fragment (distances are measured in lines).
    count, number
        Fragment count (2..9) and fragment number (1..count) of each fragment.
    window_lines
        Largest distance in lines between the first and last fragment of one message.

    Examples
    --------
    >>> import numpy as np
    >>> assemble_fragments(
    ...     np.array([7, 7, 7, 7], dtype=np.uint64), np.array([1, 2, 3, 4]),
    ...     np.array([2, 2, 2, 2], dtype=np.int8), np.array([1, 1, 2, 2], dtype=np.int8),
    ...     window_lines=10,
    ... ).tolist()
    [-1, 1, 1, -1]
    """
    m = len(key)
    owner = np.full(m, -1, dtype=np.int64)
    if m == 0:
        return owner
    order = np.lexsort((line_no, key))
    k, ln, cnt, num = key[order], line_no[order], count[order], number[order]

    # Pass 1: runs 1..n in key order.
    is_run = num == 1
    for step in range(1, MAX_FRAGMENTS):
        needed = step < cnt
        if not needed.any():
            break
        ahead = np.minimum(np.arange(m) + step, m - 1)
        matches = (
            (np.arange(m) + step < m)
            & (k[ahead] == k)
            & (num[ahead] == step + 1)
            & (ln[ahead] - ln <= window_lines)
        )
        is_run &= ~needed | matches
    starts = np.flatnonzero(is_run)
    sizes = cnt[starts].astype(np.int64)
    members = np.repeat(starts, sizes) + (
        np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    )
    owner[order[members]] = np.repeat(order[starts], sizes)

    # Pass 2: leftovers join the nearest leftover fragment 1 of their key, but never
    # across a message of the same key completed in pass 1 (that one started over).
    left = np.flatnonzero(owner == -1)
    if len(left) == 0:
        return owner
    runs_so_far = np.cumsum(is_run)
    group_first = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    group_of = np.repeat(group_first, np.diff(np.r_[group_first, m]))
    epoch_sorted = runs_so_far - (runs_so_far[group_of] - is_run[group_of])
    epoch = np.empty(m, dtype=np.int64)
    epoch[order] = epoch_sorted
    frame = pl.DataFrame(
        {
            "idx": left,
            "key": key[left],
            "epoch": epoch[left],
            "line_no": line_no[left],
            "count": count[left],
            "number": number[left],
        }
    ).sort("line_no")
    anchors = frame.filter(pl.col("number") == 1).select(
        "key", "epoch", "line_no", anchor="idx", anchor_line="line_no"
    )
    others = frame.filter(pl.col("number") > 1)
    if anchors.is_empty() or others.is_empty():
        return owner
    joined = others.join_asof(
        anchors,
        on="line_no",
        by=["key", "epoch"],
        strategy="nearest",
        tolerance=window_lines,
        check_sortedness=False,
    ).filter(pl.col("anchor").is_not_null())
    groups = (
        joined.group_by("anchor")
        .agg(
            pl.len().alias("n"),
            pl.col("number").n_unique().alias("distinct"),
            pl.col("count").first(),
            pl.col("idx"),
            (pl.col("line_no").max() - pl.col("anchor_line").first()).alias("span_after"),
            (pl.col("anchor_line").first() - pl.col("line_no").min()).alias("span_before"),
        )
        .filter(
            (pl.col("n") == pl.col("count") - 1)
            & (pl.col("distinct") == pl.col("count") - 1)
            & (
                pl.col("span_after").clip(lower_bound=0) + pl.col("span_before").clip(lower_bound=0)
                <= window_lines
            )
        )
    )
    if groups.is_empty():
        return owner
    anchor = groups["anchor"].to_numpy()
    owner[anchor] = anchor
    exploded = groups.select("anchor", "idx").explode("idx")
    owner[exploded["idx"].to_numpy()] = exploded["anchor"].to_numpy()
    return owner
