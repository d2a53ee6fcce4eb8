"""Blocked fuzzy comparison of two sets of normalised names (fuse layer, pure).

Comparing every vessel name with every list name is 2 billion pairs for 100,000 vessels
and 20,000 entries. Names are compared only within *blocks*: two names share a block
when they share a token of two or more characters, the first or last three letters of
a token longer than three, or the first or last two letters of the whole name (spaces
removed). Two names with an Indel ratio of 88 or more differ by at most one inserted or
deleted letter when they are shorter than eight letters, and by few edits when longer,
so they keep the whole name's first or last two letters, or a token, intact; the
property tests compare the blocked result with a full comparison. Within a block,
``rapidfuzz.process.cdist`` scores all pairs in C (on ``workers`` threads for big
blocks); only the pairs at or above the cutoff leave it.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

__all__ = ["similar_name_pairs"]

#: Blocks with fewer pairs than this are scored on one thread (threads cost more).
_THREADED_PAIRS: Final = 200_000


def _block_keys(names: pl.Series) -> pl.DataFrame:
    """Return ``(key, idx)`` rows: the blocking keys of each name (row ``idx``)."""
    frame = pl.DataFrame({"name": names}).with_row_index("idx")
    tokens = (
        frame.with_columns(pl.col("name").str.split(" ").alias("token"))
        .explode("token")
        .filter(pl.col("token").str.len_chars() >= 2)
    )
    token_keys = pl.concat(
        [
            tokens.select(pl.lit("t:") + pl.col("token"), "idx"),
            tokens.filter(pl.col("token").str.len_chars() > 3).select(
                pl.lit("p:") + pl.col("token").str.slice(0, 3), "idx"
            ),
            tokens.filter(pl.col("token").str.len_chars() > 3).select(
                pl.lit("s:") + pl.col("token").str.slice(-3), "idx"
            ),
        ]
    )
    whole = frame.select(pl.col("name").str.replace_all(" ", "").alias("joined"), "idx")
    whole_keys = pl.concat(
        [
            whole.select(pl.lit("w:") + pl.col("joined").str.slice(0, 2), "idx"),
            whole.select(pl.lit("e:") + pl.col("joined").str.slice(-2), "idx"),
        ]
    )
    keys = pl.concat([token_keys.rename({"literal": "key"}), whole_keys.rename({"literal": "key"})])
    return keys.unique()


def similar_name_pairs(
    left: pl.Series, right: pl.Series, *, min_score: float, workers: int = 1
) -> pl.DataFrame:
    """Return every pair of names whose Indel ratio is at least ``min_score``.

    Parameters
    ----------
    left, right : normalised names (no nulls; duplicates allowed, each row its own index).
    min_score : the cutoff on ``rapidfuzz.fuzz.ratio`` (0-100).
    workers : threads ``cdist`` may use on big blocks.

    Returns
    -------
    pl.DataFrame
        ``left_idx`` (UInt32), ``right_idx`` (UInt32) and ``name_score`` (Float64, 0-100, one decimal),
        one row per pair, sorted by ``(left_idx, right_idx)``.

    Examples
    --------
    >>> pairs = similar_name_pairs(
    ...     pl.Series(["LADY R", "OCEAN STAR"]), pl.Series(["LADY R", "OCEAN STARS", "MARIA"]),
    ...     min_score=90)
    >>> pairs.rows()
    [(0, 0, 100.0), (1, 1, 95.2)]
    """
    left_keys = _block_keys(left)
    right_keys = _block_keys(right)
    blocks = (
        left_keys.group_by("key")
        .agg(pl.col("idx").alias("left"))
        .join(right_keys.group_by("key").agg(pl.col("idx").alias("right")), on="key")
        .sort("key")
    )
    left_names = left.to_list()
    right_names = right.to_list()
    found_left: list[np.ndarray] = []
    found_right: list[np.ndarray] = []
    found_score: list[np.ndarray] = []
    for left_idx, right_idx in zip(
        blocks.get_column("left").to_list(), blocks.get_column("right").to_list(), strict=True
    ):
        threads = workers if len(left_idx) * len(right_idx) >= _THREADED_PAIRS else 1
        scores = process.cdist(
            [left_names[i] for i in left_idx],
            [right_names[j] for j in right_idx],
            scorer=fuzz.ratio,
            score_cutoff=min_score,
            workers=threads,
        )
        rows, cols = np.nonzero(scores >= min_score)
        if rows.size:
            found_left.append(np.asarray(left_idx, dtype=np.uint32)[rows])
            found_right.append(np.asarray(right_idx, dtype=np.uint32)[cols])
            found_score.append(np.round(scores[rows, cols].astype(np.float64), 1))
    if not found_left:
        return pl.DataFrame(
            schema={"left_idx": pl.UInt32, "right_idx": pl.UInt32, "name_score": pl.Float64}
        )
    pairs = pl.DataFrame(
        {
            "left_idx": np.concatenate(found_left),
            "right_idx": np.concatenate(found_right),
            "name_score": np.concatenate(found_score),
        }
    )
    return pairs.unique(["left_idx", "right_idx"]).sort("left_idx", "right_idx")
