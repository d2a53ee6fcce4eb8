"""Identity changes: one MMSI reports a new name, call sign, IMO or ship type (detect layer).

Pure: imports only ``schema``, ``errors`` and detect's own modules.

Definition
----------
For each MMSI and each field (``name``, ``callsign``, ``imo``, ``ship_type``) the static
reports are put in time order and cut into runs of the same value. Values are normalised
first: text stripped, upper-cased, inner whitespace collapsed; "not available" values are
ignored (null or empty text, IMO 0, ship type 0, per ITU-R M.1371-5 message 5).

To ignore flapping noise a run counts only when it is **persistent**: seen in at least
``min_reports`` reports. Runs that are not persistent are dropped, neighbouring
persistent runs of the same value merge, and each remaining change of value is an event:
``start_ts`` is the last report of the old value, ``end_ts`` the first report of the new
one (the change happened in between; both are equal when two values are reported at
the same instant).

Defaults and their sources
--------------------------
- ``min_reports = 2``: analyst decision. AIS repeats static data every 6 minutes (ITU-R
  M.1371-5, Table 1), so a real change is seen many times within the hour; a single
  report of a value is more likely a corrupted or mis-attributed message.
- ``position_tolerance = 24 h``: the event's ``lat``/``lon`` is the vessel's position
  nearest in time to the first report of the new value, when ``positions`` are given and
  one lies within this tolerance; otherwise null.

Evidence (``details``)
----------------------
``field``, ``old``, ``new`` (as reported after normalisation, text; IMO and ship type as
digits), ``old_first_seen_ts``, ``old_last_seen_ts``, ``new_first_seen_ts``,
``new_last_seen_ts``, ``n_reports_old``, ``n_reports_new``.

Known false positives
---------------------
- Legitimate renames and re-flagging (a sale): real, but not evasion by themselves.
- Two transponders sharing one MMSI (misconfigured, or cloned) alternate their names:
  each persistent switch is an event.
- Ship type edits by crews (e.g. 70 to 79), call-sign typos corrected later.
- Class B type 24 part A/B reports from different vessels with the same MMSI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import polars as pl

from darkfleet import schema
from darkfleet.detect._events import finish_events, params_fingerprint
from darkfleet.detect._evidence import iso_ts, json_object, nearest_positions
from darkfleet.errors import ConfigError

__all__ = ["IDENTITY_FIELDS", "IdentityChangeParams", "detect_identity_changes"]

#: The position columns read (where each vessel was when).
_SEEN_AT: Final = {name: schema.POSITIONS[name] for name in ("mmsi", "ts", "lat", "lon")}

EVENT_TYPE = "identity_change"
IDENTITY_FIELDS = ("name", "callsign", "imo", "ship_type")


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityChangeParams:
    """Parameters of ``detect_identity_changes`` (see the module docstring for sources)."""

    min_reports: int = 2  # analyst: static data repeats every 6 min (ITU-R M.1371-5)
    position_tolerance: timedelta = timedelta(hours=24)  # analyst: where the change was seen

    def __post_init__(self) -> None:
        """Reject out-of-range values, naming the field, value, range and unit."""
        if isinstance(self.min_reports, bool) or not isinstance(self.min_reports, int):
            raise TypeError(f"min_reports must be an int, got {type(self.min_reports).__name__}")
        if not 1 <= self.min_reports <= 1000:
            raise ConfigError(
                f"detect.identity_change.min_reports must be in [1, 1000] reports, got "
                f"{self.min_reports}"
            )
        if self.position_tolerance < timedelta(0):
            raise ConfigError(
                "detect.identity_change.position_tolerance must be >= 0, got "
                f"{self.position_tolerance}; give e.g. 24h"
            )


def _normalised_text(column: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars().str.to_uppercase().str.replace_all(r"\s+", " ")
    return pl.when(text != "").then(text)


def _values() -> list[pl.Expr]:
    """One normalised String expression per identity field ("not available" -> null)."""
    return [
        _normalised_text("name").alias("name"),
        _normalised_text("callsign").alias("callsign"),
        pl.when(pl.col("imo") > 0).then(pl.col("imo").cast(pl.String)).alias("imo"),
        pl.when(pl.col("ship_type") > 0)
        .then(pl.col("ship_type").cast(pl.String))
        .alias("ship_type"),
    ]


def _runs(frame: pl.DataFrame, value_changes: pl.Expr) -> pl.DataFrame:
    """Collapse consecutive rows of one (mmsi, field, value) into runs."""
    return (
        frame.with_columns(run=value_changes.cum_sum())
        .group_by("run", maintain_order=True)
        .agg(
            pl.col("mmsi").first(),
            pl.col("field").first(),
            pl.col("value").first(),
            pl.col("first_ts").min(),
            pl.col("last_ts").max(),
            pl.col("n_reports").sum(),
        )
        .drop("run")
    )


def _boundary() -> pl.Expr:
    prev = [pl.col(c).shift(1) for c in ("mmsi", "field", "value")]
    return (
        prev[0].is_null()
        | (pl.col("mmsi") != prev[0])
        | (pl.col("field") != prev[1])
        | (pl.col("value") != prev[2])
    )


def detect_identity_changes(
    statics: pl.DataFrame | pl.LazyFrame,
    params: IdentityChangeParams,
    positions: pl.DataFrame | pl.LazyFrame | None = None,
) -> pl.DataFrame:
    """Find persistent changes of name, call sign, IMO or ship type under one MMSI.

    Parameters
    ----------
    statics
        ``schema.STATICS`` rows, any order (not modified).
    params
        Persistence rule and position tolerance.
    positions
        Optional ``schema.POSITIONS``: when given, each event gets the vessel's position
        nearest in time to the first report of the new value.

    Returns
    -------
    ``schema.EVENTS`` with ``type = "identity_change"``, one event per (MMSI, field,
    change); ``details`` as in the module docstring.

    Raises
    ------
    SchemaError
        ``statics`` (or ``positions``) lacks a column or has a wrong dtype.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> t = [datetime(2023, 9, d, tzinfo=UTC) for d in (1, 2, 3, 4)]
    >>> statics = schema.conform(pl.DataFrame({"mmsi": [273_000_001] * 4, "ts": t,
    ...     "name": ["SPARTA IV", "SPARTA IV", "LADY R", "LADY R"]}), schema.STATICS)
    >>> events = detect_identity_changes(statics, IdentityChangeParams())
    >>> import json; json.loads(events["details"][0])["new"]
    'LADY R'

    Notes
    -----
    Known false positives: legitimate renames, shared or cloned MMSIs alternating, crew
    edits of ship type or call sign.
    """
    schema.require(statics, schema.STATICS, what="statics")
    if positions is not None:
        schema.require(positions, _SEEN_AT, what="positions")
    long = (
        statics.lazy()
        .select("mmsi", "ts", *_values())
        .filter(pl.col("mmsi").is_not_null() & pl.col("ts").is_not_null())
        .unpivot(
            index=["mmsi", "ts"],
            on=list(IDENTITY_FIELDS),
            variable_name="field",
            value_name="value",
        )
        .drop_nulls("value")
        .sort(["mmsi", "field", "ts", "value"])
        .select(
            "mmsi",
            "field",
            "value",
            pl.col("ts").alias("first_ts"),
            pl.col("ts").alias("last_ts"),
            pl.lit(1, dtype=pl.UInt32).alias("n_reports"),
        )
        .collect()
    )
    if long.is_empty():
        return schema.empty(schema.EVENTS)
    runs = _runs(long, _boundary())
    runs = runs.filter(pl.col("n_reports") >= params.min_reports)
    if runs.is_empty():
        return schema.empty(schema.EVENTS)
    runs = _runs(runs, _boundary())
    same_series = (pl.col("mmsi") == pl.col("mmsi").shift(1)) & (
        pl.col("field") == pl.col("field").shift(1)
    )
    changes = runs.with_columns(
        pl.col("value").shift(1).alias("old"),
        pl.col("first_ts").shift(1).alias("old_first_ts"),
        pl.col("last_ts").shift(1).alias("old_last_ts"),
        pl.col("n_reports").shift(1).alias("n_reports_old"),
        same_series.fill_null(False).alias("is_change"),
    ).filter(pl.col("is_change"))
    if changes.is_empty():
        return schema.empty(schema.EVENTS)
    changes = nearest_positions(
        changes, positions, on="first_ts", tolerance=params.position_tolerance
    )
    events = changes.select(
        "mmsi",
        pl.col("old_last_ts").alias("start_ts"),
        pl.col("first_ts").alias("end_ts"),
        "lat",
        "lon",
        # Several values reported at one instant can give changes with equal start_ts.
        pl.concat_str([pl.col("field"), pl.col("old"), pl.col("value")], separator="|").alias(
            "event_key"
        ),
        json_object(
            field=pl.col("field"),
            old=pl.col("old"),
            new=pl.col("value"),
            old_first_seen_ts=iso_ts(pl.col("old_first_ts")),
            old_last_seen_ts=iso_ts(pl.col("old_last_ts")),
            new_first_seen_ts=iso_ts(pl.col("first_ts")),
            new_last_seen_ts=iso_ts(pl.col("last_ts")),
            n_reports_old=pl.col("n_reports_old"),
            n_reports_new=pl.col("n_reports"),
        ).alias("details"),
    )
    return finish_events(events, EVENT_TYPE, params_fingerprint(params))
