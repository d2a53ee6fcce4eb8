"""Score detected events against planted ground truth (engine layer, pure: frames in, frames out).

Imports only ``polars`` and the core; no files, no clock. ``engine/evaluate.py`` runs the
simulator, ingest and detectors and hands the frames here.

Matching rule
-------------
A detected event *can match* a truth item when

- both have the same ``type``;
- both concern the same vessel(s): the same ``mmsi``, and for events with a second
  vessel (encounters) the same unordered pair ``{mmsi, other_mmsi}`` (a truth encounter
  A-B matches a detected B-A);
- their time spans overlap, allowing ``slack`` (default 1 h) between them: a detector
  sees a planted instant only at the next received report (an identity change appears
  with the first static report after the rename, up to the simulator's
  ``static_interval_s`` of 1 h later).

Each truth item matches at most one event and each event at most one truth item. Among
the candidate pairs the one with the longest overlap (then the closest start, then the
earliest truth item and event) is paired first, then the next among those left, and so
on (greedy, by rounds of mutually best pairs, vectorised). A second event over the same
truth item (a split or duplicate) stays unmatched and counts against precision.

Dark port calls are scored per gap: dark-leg reasoning emits one ``dark_port_call`` per
sensitive port a gap makes reachable (often a dozen for one gap), while the simulator
plants one call. ``one_call_per_gap`` keeps one event per gap (a confirmed call first,
then the lowest required speed), so ``detected`` counts gaps that hide a possible call,
and a gap with no planted call behind it counts against precision.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Final

import polars as pl

__all__ = [
    "DEFAULT_SLACK",
    "SCORE_SCHEMA",
    "SUSPICIOUS_EXCLUDED",
    "match_events",
    "one_call_per_gap",
    "planted_mmsis",
    "score_types",
]

#: Time allowed between a truth span and an event span that still counts as overlap.
DEFAULT_SLACK: Final = timedelta(hours=1)
#: Event types that are context, not suspicion: left out of the quiet-traffic false rate.
SUSPICIOUS_EXCLUDED: Final = frozenset({"port_visit"})

#: Columns of ``score_types``.
SCORE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "type": pl.String(),
    "planted": pl.Int64(),
    "found": pl.Int64(),
    "detected": pl.Int64(),
    "true_positives": pl.Int64(),
    "quiet_false": pl.Int64(),
}

_NO_VESSEL: Final = -1


def _keyed(frame: pl.DataFrame, start: str, end: str, index: str) -> pl.DataFrame:
    """Type, unordered vessel pair, span as integer microseconds and a row index."""
    other = pl.col("other_mmsi").fill_null(_NO_VESSEL)
    return frame.with_row_index(index).select(
        pl.col(index).cast(pl.Int64),
        "type",
        pl.when(other == _NO_VESSEL)
        .then(pl.col("mmsi"))
        .otherwise(pl.min_horizontal("mmsi", other))
        .alias("vessel_a"),
        pl.when(other == _NO_VESSEL)
        .then(pl.lit(_NO_VESSEL, pl.Int64))
        .otherwise(pl.max_horizontal("mmsi", other))
        .alias("vessel_b"),
        pl.col(start).dt.epoch("us").alias(f"{index}_start"),
        pl.col(end).dt.epoch("us").alias(f"{index}_end"),
    )


def match_events(
    truth: pl.DataFrame,
    events: pl.DataFrame,
    *,
    slack: timedelta = DEFAULT_SLACK,
) -> tuple[pl.Series, pl.Series]:
    """Pair detected events with truth items one to one (rule in the module docstring).

    Parameters
    ----------
    truth : the simulator's truth (``truth.TRUTH_SCHEMA``: ``type, mmsi, other_mmsi,
        start, end``; other columns ignored).
    events : detected events (``schema.EVENTS``: ``type, mmsi, other_mmsi, start_ts,
        end_ts``; other columns ignored).
    slack : largest gap between the two spans that still counts as overlapping.

    Returns
    -------
    (truth_matched, event_matched) : two Boolean series, aligned with the rows of
    ``truth`` and ``events``: whether that row was paired.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> t = datetime(2023, 8, 1, tzinfo=UTC)
    >>> truth = pl.DataFrame({"type": ["gap"], "mmsi": [1], "other_mmsi": [None],
    ...     "start": [t], "end": [t]}, schema_overrides={"other_mmsi": pl.Int64})
    >>> events = pl.DataFrame({"type": ["gap", "gap"], "mmsi": [1, 1],
    ...     "other_mmsi": [None, None], "start_ts": [t, t], "end_ts": [t, t]},
    ...     schema_overrides={"other_mmsi": pl.Int64})
    >>> [s.to_list() for s in match_events(truth, events)]
    [[True], [True, False]]
    """
    slack_us = int(slack.total_seconds() * 1_000_000)
    left = _keyed(truth, "start", "end", "t")
    right = _keyed(events, "start_ts", "end_ts", "e")
    overlap_us = pl.min_horizontal("t_end", "e_end") - pl.max_horizontal("t_start", "e_start")
    pairs = (
        left.join(right, on=["type", "vessel_a", "vessel_b"], how="inner")
        .with_columns(
            overlap_us.alias("overlap_us"),
            (pl.col("t_start") - pl.col("e_start")).abs().alias("start_diff_us"),
        )
        .filter(pl.col("overlap_us") >= -slack_us)
        .sort(
            ["overlap_us", "start_diff_us", "t", "e"],
            descending=[True, False, False, False],
        )
        .with_row_index("rank")
        .select("rank", "t", "e")
    )
    accepted: list[pl.DataFrame] = []
    while pairs.height:
        # a pair ranked first for both its truth item and its event is what a global
        # greedy pass would take; take all such pairs at once, drop their rows, repeat
        best = pairs.filter(
            (pl.col("rank") == pl.col("rank").min().over("t"))
            & (pl.col("rank") == pl.col("rank").min().over("e"))
        )
        accepted.append(best)
        pairs = pairs.filter(
            ~pl.col("t").is_in(best["t"].implode()) & ~pl.col("e").is_in(best["e"].implode())
        )
    taken = pl.concat(accepted) if accepted else pl.DataFrame(schema={"t": pl.Int64, "e": pl.Int64})
    truth_matched = left["t"].is_in(taken["t"].implode()).alias("matched")
    event_matched = right["e"].is_in(taken["e"].implode()).alias("matched")
    return truth_matched, event_matched


def one_call_per_gap(events: pl.DataFrame) -> pl.DataFrame:
    """Keep one ``dark_port_call`` per gap (``details.gap_event_id``); other events untouched.

    The one kept is the call an analyst reads first: confirmed before possible, then the
    lowest ``required_speed_knots``, then the smallest ``event_id``.

    Examples
    --------
    >>> events = pl.DataFrame({"event_id": ["a", "b", "c"], "type": ["dark_port_call"] * 2 + ["gap"],
    ...     "details": ['{"gap_event_id": "g", "required_speed_knots": 9.0, "status": "possible"}',
    ...                 '{"gap_event_id": "g", "required_speed_knots": 4.0, "status": "possible"}',
    ...                 "{}"]})
    >>> one_call_per_gap(events)["event_id"].to_list()
    ['b', 'c']
    """
    is_call = pl.col("type") == "dark_port_call"
    calls = events.filter(is_call).with_columns(
        pl.col("details").str.json_path_match("$.gap_event_id").alias("_gap"),
        (pl.col("details").str.json_path_match("$.status") != "confirmed").alias("_possible"),
        pl.col("details")
        .str.json_path_match("$.required_speed_knots")
        .cast(pl.Float64)
        .alias("_speed_knots"),
    )
    first = (
        calls.sort("_gap", "_possible", "_speed_knots", "event_id", nulls_last=True)
        .unique("_gap", keep="first", maintain_order=True)
        .select(events.columns)
    )
    return pl.concat([events.filter(~is_call), first]).sort("event_id")


def planted_mmsis(truth: pl.DataFrame) -> pl.Series:
    """MMSIs with a planted behaviour (``details.planted`` true), as ``mmsi`` or ``other_mmsi``."""
    planted = truth.filter(
        pl.col("details").str.json_path_match("$.planted").fill_null("false") == "true"
    )
    return (
        pl.concat([planted["mmsi"], planted["other_mmsi"].drop_nulls()])
        .unique()
        .sort()
        .alias("mmsi")
    )


def score_types(
    truth: pl.DataFrame,
    events: pl.DataFrame,
    quiet: Collection[int],
    *,
    slack: timedelta = DEFAULT_SLACK,
) -> pl.DataFrame:
    """Per event type: planted, found, detected, true positives and quiet false events.

    Parameters
    ----------
    truth, events, slack : as for ``match_events``.
    quiet : MMSIs of the quiet traffic (vessels with no planted behaviour).

    Returns
    -------
    A frame with ``SCORE_SCHEMA``, one row per type present in either input, sorted by
    type. ``found`` counts truth items paired with an event, ``true_positives`` events
    paired with a truth item, ``quiet_false`` events of a suspicious type (every type
    but ``port_visit``) whose ``mmsi`` or ``other_mmsi`` is a quiet vessel.
    """
    truth_matched, event_matched = match_events(truth, events, slack=slack)
    quiet_list = pl.Series("quiet", sorted(quiet), dtype=pl.Int64).implode()
    on_quiet = pl.col("mmsi").is_in(quiet_list) | pl.col("other_mmsi").is_in(quiet_list).fill_null(
        False
    )
    planted = (
        truth.select("type")
        .with_columns(truth_matched.cast(pl.Int64).alias("found"))
        .group_by("type")
        .agg(pl.len().cast(pl.Int64).alias("planted"), pl.col("found").sum())
    )
    detected = (
        events.select("type", "mmsi", "other_mmsi")
        .with_columns(
            event_matched.cast(pl.Int64).alias("true_positives"),
            (on_quiet & ~pl.col("type").is_in(list(SUSPICIOUS_EXCLUDED)))
            .cast(pl.Int64)
            .alias("quiet_false"),
        )
        .group_by("type")
        .agg(
            pl.len().cast(pl.Int64).alias("detected"),
            pl.col("true_positives").sum(),
            pl.col("quiet_false").sum(),
        )
    )
    return (
        planted.join(detected, on="type", how="full", coalesce=True)
        .with_columns(pl.exclude("type").fill_null(0))
        .select(list(SCORE_SCHEMA))
        .cast(pl.Schema(SCORE_SCHEMA))
        .sort("type")
    )
