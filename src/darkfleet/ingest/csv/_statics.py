"""Reduce static-report candidates to identity changes (ingest layer).

Imports only ``darkfleet.schema``. A CSV export repeats a vessel's name, call sign, IMO,
ship type, dimensions, destination and draught on every row; storing them all would turn
a 10M-row file into 10M static reports. :class:`StaticsChanges` keeps a row only when it
brings, for one of those fields, a non-null value different from the last non-null value
that vessel reported earlier in the file (carried across batches). Comparing non-null
values only means class B vessels, whose rows alternate between the part A (name) and
part B (call sign, type, dimensions) of message 24, do not count as changing on every row.
"""

from __future__ import annotations

import polars as pl

from darkfleet import schema
from darkfleet.ingest.csv._decode import IDENTITY_FIELDS


class StaticsChanges:
    """Stateful filter: feed candidate STATICS frames in file order, get the changes back."""

    def __init__(self) -> None:
        self._last: pl.DataFrame = pl.DataFrame(
            schema={"mmsi": pl.Int64(), **{name: schema.STATICS[name] for name in IDENTITY_FIELDS}}
        )

    @property
    def vessels(self) -> int:
        """Number of vessels whose last identity is remembered."""
        return self._last.height

    def select_changes(self, candidates: pl.DataFrame) -> pl.DataFrame:
        """Return the rows of ``candidates`` that change their vessel's identity.

        Examples
        --------
        >>> from datetime import datetime, UTC
        >>> rows = schema.conform(pl.DataFrame({"mmsi": [1, 1, 1], "name": ["A", "A", "B"]}), schema.STATICS)
        >>> StaticsChanges().select_changes(rows)["name"].to_list()
        ['A', 'B']
        """
        if candidates.height == 0:
            return candidates
        combined = pl.concat(
            [
                self._last.with_columns(__is_state=pl.lit(True)),
                candidates.select("mmsi", *IDENTITY_FIELDS).with_columns(__is_state=pl.lit(False)),
            ],
            how="vertical",
        )
        changed = pl.any_horizontal(
            *[
                pl.col(name).is_not_null()
                & (
                    pl.col(name).forward_fill().shift(1).over("mmsi").is_null()
                    | (pl.col(name) != pl.col(name).forward_fill().shift(1).over("mmsi"))
                )
                for name in IDENTITY_FIELDS
            ]
        )
        flags = combined.select(changed.alias("changed"), "__is_state")
        keep = flags.filter(~pl.col("__is_state"))["changed"]
        self._last = combined.group_by("mmsi", maintain_order=True).agg(
            *[pl.col(name).drop_nulls().last() for name in IDENTITY_FIELDS]
        )
        return candidates.filter(keep)
