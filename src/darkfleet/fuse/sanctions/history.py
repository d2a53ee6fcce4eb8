"""Versions of a sanctions list over time (fuse layer, pure).

Loading a list again replaces that list's previous version. Nothing is deleted: an
entry that disappears, or whose content changes, gets ``removed_ts`` (the load time);
a new or changed entry is added with ``added_ts``. An entry loaded again unchanged keeps
the ``added_ts`` of the load that first carried it, so ``added_ts``/``removed_ts`` say
when each version of each entry was listed. Content is every entry column except
``list``, ``entry_id`` and the history columns.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

import polars as pl

from darkfleet import schema
from darkfleet.errors import ConfigError
from darkfleet.fuse.sanctions.formats import ENTRY_COLUMNS

__all__ = ["current_entries", "merge_list_versions"]

_CONTENT = [name for name in ENTRY_COLUMNS if name not in ("list", "entry_id")]


def current_entries(entries: pl.DataFrame) -> pl.DataFrame:
    """Return the entries listed now (``removed_ts`` null), sorted by list and entry id."""
    return entries.filter(pl.col("removed_ts").is_null()).sort("list", "entry_id")


def merge_list_versions(
    existing: pl.DataFrame,
    loaded: pl.DataFrame,
    *,
    lists: Collection[str],
    loaded_at: datetime,
) -> tuple[pl.DataFrame, Mapping[str, tuple[int, int]]]:
    """Return all entry versions after ``loaded`` becomes the new version of ``lists``.

    Parameters
    ----------
    existing : every stored version (``schema.SANCTION_ENTRIES``).
    loaded : the entries just read (``formats.ENTRY_COLUMNS``), all of lists in ``lists``.
    lists : the lists this load replaces (a list absent from ``loaded`` is emptied).
    loaded_at : when the load ran, timezone-aware (the CLI's clock).

    Returns
    -------
    tuple
        The merged ``schema.SANCTION_ENTRIES`` frame, and per list ``(added, removed)``
        counts (a changed entry counts once in each).

    Raises
    ------
    ConfigError
        ``loaded_at`` is naive.

    Examples
    --------
    >>> from datetime import UTC
    >>> first = pl.DataFrame({"list": ["l"], "entry_id": ["a"], "name": ["LADY R"]})
    >>> first = schema.conform(first, ENTRY_COLUMNS)
    >>> t1, t2 = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC)
    >>> v1, _ = merge_list_versions(
    ...     schema.empty(schema.SANCTION_ENTRIES), first, lists=["l"], loaded_at=t1)
    >>> v2, counts = merge_list_versions(v1, first.clear(), lists=["l"], loaded_at=t2)
    >>> v2.select("name", "added_ts", "removed_ts").rows() == [("LADY R", t1, t2)], counts
    (True, {'l': (0, 1)})
    """
    if loaded_at.utcoffset() is None:
        raise ConfigError(f"loaded_at {loaded_at} has no UTC offset; pass an aware datetime")
    schema.require(existing, schema.SANCTION_ENTRIES, what="stored sanctions entries")
    schema.require(loaded, ENTRY_COLUMNS, what="loaded sanctions entries")
    names = pl.Series(sorted(lists), dtype=pl.String)
    in_scope = pl.col("list").is_in(names.implode())
    content = pl.struct(_CONTENT).struct.json_encode().alias("_content")
    current = existing.filter(in_scope & pl.col("removed_ts").is_null()).with_columns(content)
    kept_elsewhere = existing.filter(~(in_scope & pl.col("removed_ts").is_null()))
    new = loaded.select(list(ENTRY_COLUMNS)).with_columns(content)
    keys = ["list", "entry_id", "_content"]
    unchanged = current.join(new.select(keys), on=keys, how="semi", nulls_equal=True)
    removed = current.join(new.select(keys), on=keys, how="anti", nulls_equal=True)
    added = new.join(current.select(keys), on=keys, how="anti", nulls_equal=True)
    at = pl.lit(loaded_at, dtype=schema.UTC_US)
    merged = pl.concat(
        [
            kept_elsewhere,
            unchanged.drop("_content"),
            removed.drop("_content").with_columns(at.alias("removed_ts")),
            added.drop("_content").with_columns(
                at.alias("added_ts"), pl.lit(None, dtype=schema.UTC_US).alias("removed_ts")
            ),
        ],
        how="diagonal_relaxed",
    ).select(list(schema.SANCTION_ENTRIES))
    counts = {
        name: (
            added.filter(pl.col("list") == name).height,
            removed.filter(pl.col("list") == name).height,
        )
        for name in sorted(lists)
    }
    return merged.sort("list", "entry_id", "added_ts", nulls_last=True), counts
