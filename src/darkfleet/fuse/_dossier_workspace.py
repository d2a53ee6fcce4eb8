"""What the workspace adds to dossiers: sightings, and the history of disputes (fuse layer).

Imports ``schema``, ``store.workspace`` and ``fuse.corrections``; never ``cli``.
``read_workspace_state`` reads, once, everything a dossier or the ranking needs from the
workspace: the current annotation of each event (to lay over the events), every
sighting's current version (disputed ones too: a dossier shows them, marked) and the
full history of each item that was ever disputed or corrected. Analysts touch few items,
so histories are read one item at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from darkfleet import schema
from darkfleet.fuse.corrections import EVENT_FIELDS
from darkfleet.fuse.reports import read_claims
from darkfleet.store.workspace import ANNOTATIONS, CURRENT_SIGHTINGS, ItemVersion, Workspace

__all__ = [
    "WorkspaceState",
    "correction_records",
    "read_workspace_state",
]


@dataclass(frozen=True, slots=True)
class WorkspaceState:
    """The workspace as dossiers read it (empty when there is no workspace).

    Attributes
    ----------
    annotations : ``store.workspace.ANNOTATIONS`` of events: the latest per event.
    sightings : ``CURRENT_SIGHTINGS``, ordered by ``start_ts`` then ``sighting_id``.
    histories : item id -> every version, oldest first, of each event or sighting that
        was disputed or corrected.
    claims : every claim's current version (``fuse.reports.read_claims``); ``None``
        without a workspace.
    """

    annotations: pl.DataFrame = field(default_factory=lambda: schema.empty(ANNOTATIONS))
    sightings: pl.DataFrame = field(default_factory=lambda: schema.empty(CURRENT_SIGHTINGS))
    histories: Mapping[str, tuple[ItemVersion, ...]] = field(default_factory=dict)
    claims: pl.DataFrame | None = None


def read_workspace_state(workspace: Workspace | None) -> WorkspaceState:
    """Read the annotations, current sightings and touched items' histories."""
    if workspace is None:
        return WorkspaceState()
    annotations = workspace.current_annotations("event")
    sightings = workspace.current_sightings()
    histories: dict[str, tuple[ItemVersion, ...]] = {}
    for item_id in annotations["item_id"].to_list():
        histories[item_id] = tuple(workspace.annotation_history(item_id))
    for item_id in sightings.filter(pl.col("version") > 1)["sighting_id"].to_list():
        histories[item_id] = tuple(workspace.sighting_history(item_id))
    return WorkspaceState(
        annotations=annotations,
        sightings=sightings,
        histories=histories,
        claims=read_claims(workspace),
    )


def _text(value: object) -> object:
    """A field value as versions store it: instants as ISO 8601 UTC text, others as is."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"field": name, "from": before.get(name), "to": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]


def _version_records(
    versions: Sequence[ItemVersion], original: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """Each version with what it changed against the one before.

    Sightings: every version holds all fields; version 1 changes nothing. Events: each
    version holds every field corrected so far, laid over ``original`` (the event as
    detected, or ``None`` when detection no longer produces it).
    """
    out: list[dict[str, Any]] = []
    previous: Mapping[str, Any] | None = None
    for version in versions:
        if original is None:
            fields = dict(version.fields)
        else:
            fields = {**original, **version.fields}
        base = previous if previous is not None else (original or fields)
        out.append(
            {
                "version": version.version,
                "action": version.action,
                "status": version.status,
                "author": version.author,
                "recorded": _text(version.recorded_ts),
                "reason": version.reason,
                "changes": _changes(base, fields),
            }
        )
        previous = fields
    return out


def correction_records(
    state: WorkspaceState,
    *,
    events: pl.DataFrame,
    original_events: pl.DataFrame,
    sighting_ids: Iterable[str],
) -> list[dict[str, Any]]:
    """The dossier's ``corrections``: every disputed or corrected item among those given.

    Parameters
    ----------
    state
        The workspace state the fleet was loaded with.
    events
        The dossier's events, corrected (``schema.EVENTS`` plus ``status``).
    original_events
        The same events as the store holds them (before corrections).
    sighting_ids
        The dossier's sightings.

    Returns
    -------
    One object per item, events first (by start, then id), then sightings (by id):
    ``item_id``, ``kind`` (``event`` or ``sighting``), ``type`` (the event type, or
    ``sighting``), ``status`` and ``version`` (the current ones) and ``versions`` (oldest
    first: ``version``, ``action``, ``status``, ``author``, ``recorded``, ``reason``,
    ``changes`` as ``{"field", "from", "to"}``).
    """
    out: list[dict[str, Any]] = []
    originals = {row["event_id"]: row for row in original_events.iter_rows(named=True)}
    touched = events.filter(pl.col("event_id").is_in(list(state.histories)))
    for row in touched.sort("start_ts", "event_id").iter_rows(named=True):
        versions = state.histories[row["event_id"]]
        stored = originals.get(row["event_id"])
        original = None if stored is None else {c: _text(stored[c]) for c in EVENT_FIELDS}
        out.append(
            {
                "item_id": row["event_id"],
                "kind": "event",
                "type": row["type"],
                "status": versions[-1].status,
                "version": versions[-1].version,
                "versions": _version_records(versions, original),
            }
        )
    for sighting_id in sorted(set(sighting_ids) & set(state.histories)):
        versions = state.histories[sighting_id]
        out.append(
            {
                "item_id": sighting_id,
                "kind": "sighting",
                "type": "sighting",
                "status": versions[-1].status,
                "version": versions[-1].version,
                "versions": _version_records(versions, None),
            }
        )
    return out
