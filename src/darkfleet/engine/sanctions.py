"""Load sanctions lists into a store and screen the store's vessels (engine layer).

Imports ``store``, ``fuse``, ``schema`` and ``errors``; never ``cli``. What
``darkfleet sanctions load``, ``darkfleet screen``, ``darkfleet detect`` (its last step)
and ``darkfleet demo`` call. The clock is the caller's: ``loaded_at`` is an argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Final

import polars as pl

from darkfleet import schema
from darkfleet.fuse.identity import identity_periods
from darkfleet.fuse.sanctions.formats import ListFile, read_list_file
from darkfleet.fuse.sanctions.history import current_entries, merge_list_versions
from darkfleet.fuse.sanctions.match import EVENT_TYPE, ScreenParams, ScreenResult, screen_vessels
from darkfleet.store import Store

__all__ = [
    "DEMO_LIST",
    "LoadReport",
    "ScreenReport",
    "demo_list_path",
    "list_summary",
    "load_sanctions_list",
    "screen_store",
]

#: The built-in demo list (vessels designated for the 2023 DPRK-Russia munitions
#: shipments), shipped with its SOURCE note in ``darkfleet/fuse/sanctions/data``.
DEMO_LIST: Final = "darkfleet_demo_dprk_russia_2023"


def demo_list_path() -> Path:
    """Return the path of the built-in demo list (a plain CSV)."""
    return Path(str(resources.files("darkfleet.fuse.sanctions") / "data" / "demo_list.csv"))


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadReport:
    """What one ``load_sanctions_list`` did.

    Attributes
    ----------
    read : the file as read (entries, rejected rows, skipped records, notes).
    changes : per list replaced, ``(added, removed)`` entry versions.
    """

    read: ListFile
    changes: Mapping[str, tuple[int, int]]


def load_sanctions_list(
    store: Store,
    path: Path,
    *,
    loaded_at: datetime,
    list_format: str = "auto",
    list_name: str | None = None,
) -> LoadReport:
    """Read a list file and make it the new version of the lists it holds, atomically.

    The lists replaced are those the file's entries belong to (for a file with no usable
    entry: ``list_name``, or the reader's default name, which empties that list). History is kept (see
    ``fuse.sanctions.history``) and one row per list is added to the loads.

    Raises
    ------
    ConfigError, DecodeError, InputError
        see ``fuse.sanctions.formats.read_list_file``.
    StoreError
        the store is locked or damaged.
    """
    read = read_list_file(path, list_format=list_format, list_name=list_name)
    lists = sorted(set(read.entries.get_column("list").to_list())) or [read.default_list]
    with store.lock():
        merged, changes = merge_list_versions(
            store.read_sanctions(), read.entries, lists=lists, loaded_at=loaded_at
        )
        loads = pl.DataFrame(
            [
                {
                    "list": name,
                    "loaded_ts": loaded_at,
                    "file": str(path),
                    "file_sha256": read.file_sha256,
                    "format": read.format,
                    "entries": read.entries.filter(pl.col("list") == name).height,
                    "rejected": len(read.rejected),
                    "skipped": read.skipped,
                    "added": changes[name][0],
                    "removed": changes[name][1],
                }
                for name in lists
            ],
            schema=dict(schema.SANCTION_LOADS),
        )
        store.replace_sanctions(
            merged, pl.concat([store.read_sanction_loads(), loads], how="vertical")
        )
    return LoadReport(read=read, changes=changes)


def list_summary(store: Store, *, list_name: str | None = None) -> pl.DataFrame:
    """One row per list: current entries, entries ever removed, and its last load.

    Columns: ``list``, ``entries`` (listed now), ``removed`` (versions removed over
    time), ``with_imo`` (current entries with an IMO number), ``loads``, ``last_loaded``,
    ``file``, ``format``, ``rejected`` and ``skipped`` (of the last load).
    """
    entries = store.read_sanctions()
    loads = store.read_sanction_loads()
    if list_name is not None:
        entries = entries.filter(pl.col("list") == list_name)
        loads = loads.filter(pl.col("list") == list_name)
    counts = entries.group_by("list").agg(
        pl.col("removed_ts").is_null().sum().cast(pl.Int64).alias("entries"),
        pl.col("removed_ts").is_not_null().sum().cast(pl.Int64).alias("removed"),
        (pl.col("removed_ts").is_null() & pl.col("imo").is_not_null())
        .sum()
        .cast(pl.Int64)
        .alias("with_imo"),
    )
    last = (
        loads.sort("loaded_ts")
        .group_by("list")
        .agg(
            pl.len().cast(pl.Int64).alias("loads"),
            pl.col("loaded_ts").last().alias("last_loaded"),
            pl.col("file").last(),
            pl.col("format").last(),
            pl.col("rejected").last(),
            pl.col("skipped").last(),
        )
    )
    return (
        last.join(counts, on="list", how="left")
        .with_columns(pl.col("entries", "removed", "with_imo").fill_null(0))
        .select(
            "list",
            "entries",
            "removed",
            "with_imo",
            "loads",
            "last_loaded",
            "file",
            "format",
            "rejected",
            "skipped",
        )
        .sort("list")
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreenReport:
    """What one ``screen_store`` did.

    Attributes
    ----------
    lists : lists screened against (empty: nothing was loaded, nothing was done).
    result : the matches and near misses (``None`` when no list is loaded).
    """

    lists: tuple[str, ...]
    result: ScreenResult | None


def screen_store(
    store: Store,
    *,
    mid_table: pl.DataFrame,
    params: ScreenParams | None = None,
    workers: int = 1,
) -> ScreenReport:
    """Screen every vessel of ``store`` against every loaded list; store the matches.

    Vessels are the MMSIs of the static reports (described by
    ``fuse.identity.identity_periods``) and of the positions (which can only come close
    through their MMSI). The accepted matches replace every stored ``sanctions_match``
    event in one atomic ``replace_events``. With no list loaded nothing is read or
    written.

    Raises
    ------
    StoreError
        the store is locked or damaged.
    """
    entries = current_entries(store.read_sanctions())
    lists = tuple(sorted(set(entries.get_column("list").to_list())))
    if not lists:
        return ScreenReport(lists=(), result=None)
    statics = store.scan("statics").collect()
    seen = (
        store.scan("positions")
        .filter(pl.col("mmsi").is_not_null())
        .group_by("mmsi")
        .agg(pl.col("ts").min().alias("first_seen"), pl.col("ts").max().alias("last_seen"))
        .collect()
    )
    periods = identity_periods(statics, mid_table)
    result = screen_vessels(periods, entries, params, seen=seen, workers=workers)
    store.replace_events(result.events, types=[EVENT_TYPE])
    return ScreenReport(lists=lists, result=result)
