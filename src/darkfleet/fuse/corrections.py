"""Disputes and corrections of evidence items, and the current state readers use (fuse layer).

Imports ``store``, ``reference``, ``config``, ``schema`` and ``errors``; never ``cli``.

Any evidence item can be disputed or corrected, with an author and a reason; nothing is
ever overwritten:

- a **sighting** (id ``sgt-...``) lives in the workspace: a dispute or a correction is a
  new version of it, holding all its fields;
- a **claim** (id ``clm-...``, from a stored news report) likewise: a new version with
  all its fields (``darkfleet.fuse.reports.correct_claim`` applies a correction);
- an **event** (by ``event_id``; ``sanctions_match`` events included) lives in the
  Parquet store, which detection rewrites: its dispute or correction is an annotation in
  the workspace keyed by ``event_id``, holding every field corrected so far, which
  ``apply_event_corrections`` lays over the events frame.

Status after each action: ``disputed`` after a dispute, ``corrected`` after a correction
(a correction answers an earlier dispute), ``original`` for an item never touched.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

import polars as pl

from darkfleet import schema
from darkfleet.config import parse_utc_time
from darkfleet.errors import ConfigError, StoreError
from darkfleet.fuse.reports import correct_claim
from darkfleet.fuse.sightings import FIELDS as SIGHTING_FIELDS
from darkfleet.fuse.sightings import FieldError, build_sighting, sighting_raw
from darkfleet.fuse.vessel_mentions import VesselIndex
from darkfleet.reference.countries import to_alpha3
from darkfleet.store import Store
from darkfleet.store.workspace import (
    ClaimFields,
    ItemVersion,
    SightingFields,
    Workspace,
    append_claim_version,
    claim_history,
    current_claim,
    has_claim,
    read_report_record,
)

__all__ = [
    "EVENT_FIELDS",
    "EVENT_STATUS",
    "ItemHistory",
    "apply_event_corrections",
    "correct_item",
    "dispute_item",
    "find_item",
    "item_history",
    "parse_assignments",
]

ItemKind = Literal["sighting", "claim", "event"]


def _time_text(text: str) -> str:
    return parse_utc_time(text, where="value").isoformat().replace("+00:00", "Z")


def _float(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = float(text)
        if not math.isfinite(value) or not low <= value <= high:
            raise ValueError(f"outside {low:g}..{high:g}")
        return value

    return parse


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("not positive")
    return value


def _country(text: str) -> str:
    code = to_alpha3(text)
    if code is None:
        raise ValueError("not an ISO 3166 alpha-2 or alpha-3 code")
    return code


#: Event columns a correction may set, with the parser of the ``--set`` text; JSON keeps
#: times as ISO 8601 text. ``start``/``end`` are accepted for ``start_ts``/``end_ts``.
EVENT_FIELDS: Final[Mapping[str, Callable[[str], object]]] = {
    "mmsi": _positive_int,
    "other_mmsi": _positive_int,
    "start_ts": _time_text,
    "end_ts": _time_text,
    "lat": _float(-90.0, 90.0),
    "lon": _float(-180.0, 180.0),
    "port": str,
    "country": _country,
    "score": _float(-math.inf, math.inf),
}
_EVENT_ALIASES: Final = {"start": "start_ts", "end": "end_ts"}

#: Columns ``apply_event_corrections`` adds to an events frame.
EVENT_STATUS: Final[schema.Schema] = {
    "status": pl.String(),
    "status_version": pl.Int64(),
    "status_author": pl.String(),
    "status_reason": pl.String(),
}


@dataclass(frozen=True, slots=True)
class ItemHistory:
    """An item's kind, its original record (events: as detected) and every version."""

    item_id: str
    kind: ItemKind
    original: Mapping[str, Any] | None
    versions: Sequence[ItemVersion]


def parse_assignments(assignments: Sequence[str]) -> dict[str, str]:
    """Turn ``["field=value", ...]`` into a mapping; an empty value means "clear it".

    Raises
    ------
    ConfigError
        An assignment without ``=`` or a field set twice.

    Examples
    --------
    >>> parse_assignments(["confidence=low", "port=Rajin"])
    {'confidence': 'low', 'port': 'Rajin'}
    """
    changes: dict[str, str] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        name = name.strip().lower()
        if not sep or not name:
            raise ConfigError(f"--set {assignment!r}: write field=value, e.g. --set port=Rajin")
        if name in changes:
            raise ConfigError(f"--set {name} given twice; give each field once")
        changes[name] = value.strip()
    if not changes:
        raise ConfigError("nothing to correct: give at least one --set field=value")
    return changes


def _event_row(store: Store, item_id: str) -> dict[str, Any] | None:
    rows = store.scan("events").filter(pl.col("event_id") == item_id).collect()
    return rows.row(0, named=True) if rows.height else None


def _current_sighting(workspace: Workspace, item_id: str) -> SightingFields:
    current = workspace.current_sighting(item_id)
    if current is None:  # find_item saw it and versions are never deleted: a concurrent bug
        raise StoreError(f"sighting {item_id!r} vanished from the workspace")
    return current[1]


def _current_claim(workspace: Workspace, item_id: str) -> ClaimFields:
    current = current_claim(workspace, item_id)
    if current is None:  # find_item saw it and versions are never deleted: a concurrent bug
        raise StoreError(f"claim {item_id!r} vanished from the workspace")
    return current[1]


def find_item(item_id: str, workspace: Workspace, store: Store) -> ItemKind:
    """Say whether ``item_id`` is a sighting, a claim or an event.

    Raises
    ------
    ConfigError
        No sighting, claim or event has this id (the message says where to find ids).
    """
    if workspace.has_sighting(item_id):
        return "sighting"
    if has_claim(workspace, item_id):
        return "claim"
    if _event_row(store, item_id) is not None:
        return "event"
    raise ConfigError(
        f"no sighting, claim or event has the id {item_id!r}; find ids with `darkfleet "
        "sightings list`, `darkfleet claims` and `darkfleet events`"
    )


def dispute_item(
    item_id: str,
    workspace: Workspace,
    store: Store,
    *,
    author: str,
    reason: str,
    recorded_ts: datetime,
) -> ItemVersion:
    """Mark an item disputed (a new version, fields unchanged); return that version."""
    kind = find_item(item_id, workspace, store)
    if kind == "sighting":
        workspace.append_sighting_version(
            item_id, _current_sighting(workspace, item_id), action="dispute", status="disputed",
            author=author, recorded_ts=recorded_ts, reason=reason,
        )  # fmt: skip
        return workspace.sighting_history(item_id)[-1]
    if kind == "claim":
        append_claim_version(
            workspace, item_id, _current_claim(workspace, item_id), action="dispute",
            status="disputed", author=author, recorded_ts=recorded_ts, reason=reason,
        )  # fmt: skip
        return claim_history(workspace, item_id)[-1]
    history = workspace.annotation_history(item_id)
    workspace.append_annotation(
        item_id, item_kind="event", fields=history[-1].fields if history else {},
        action="dispute", status="disputed", author=author, recorded_ts=recorded_ts,
        reason=reason,
    )  # fmt: skip
    return workspace.annotation_history(item_id)[-1]


def correct_item(
    item_id: str,
    changes: Mapping[str, str],
    workspace: Workspace,
    store: Store,
    *,
    author: str,
    reason: str,
    recorded_ts: datetime,
) -> ItemVersion:
    """Correct fields of an item (a new version); return that version.

    Sightings take the fields of a sightings file (``vessel``, ``time``, ``start``,
    ``end``, ``port``, ``lat``, ``lon``, ``source``, ``observation``, ``confidence``);
    the vessel and port are resolved again. Claims take
    ``darkfleet.fuse.reports.CLAIM_FIELDS`` (vessels linked again). Events take
    ``EVENT_FIELDS``.

    Raises
    ------
    ConfigError
        Unknown id, unknown field or a value that does not parse (the message names the
        ``--set`` field and the fix).
    """
    kind = find_item(item_id, workspace, store)
    if kind == "sighting":
        raw = sighting_raw(_current_sighting(workspace, item_id))
        for name, value in changes.items():
            if name not in SIGHTING_FIELDS:
                raise ConfigError(
                    f"--set {name}: a sighting has no field {name!r}; correct one of "
                    f"{', '.join(SIGHTING_FIELDS)}"
                )
            if name == "time":
                raw.update(start=value, end=value)
            else:
                raw[name] = value
        try:
            corrected = build_sighting(raw, VesselIndex.from_store(store))
        except FieldError as err:
            raise ConfigError(f"--set {err.field}: {str(err).split(': ', 1)[1]}") from None
        workspace.append_sighting_version(
            item_id, corrected, action="correct", status="corrected",
            author=author, recorded_ts=recorded_ts, reason=reason,
        )  # fmt: skip
        return workspace.sighting_history(item_id)[-1]
    if kind == "claim":
        claim = _current_claim(workspace, item_id)
        report = read_report_record(workspace, claim.report_id)
        corrected_claim = correct_claim(
            claim, changes, VesselIndex.from_store(store),
            language=report.language if report else "en",
            published=report.published_date if report else None,
        )  # fmt: skip
        append_claim_version(
            workspace, item_id, corrected_claim, action="correct", status="corrected",
            author=author, recorded_ts=recorded_ts, reason=reason,
        )  # fmt: skip
        return claim_history(workspace, item_id)[-1]
    history = workspace.annotation_history(item_id)
    fields: dict[str, Any] = dict(history[-1].fields) if history else {}
    for name, value in changes.items():
        column = _EVENT_ALIASES.get(name, name)
        if column not in EVENT_FIELDS:
            raise ConfigError(
                f"--set {name}: an event has no correctable field {name!r}; correct one of "
                f"{', '.join(EVENT_FIELDS)}"
            )
        if value == "":
            fields[column] = None
            continue
        try:
            fields[column] = EVENT_FIELDS[column](value)
        except (ValueError, ConfigError) as err:
            raise ConfigError(f"--set {name}: {value!r} is not valid ({err})") from None
    workspace.append_annotation(
        item_id, item_kind="event", fields=fields, action="correct", status="corrected",
        author=author, recorded_ts=recorded_ts, reason=reason,
    )  # fmt: skip
    return workspace.annotation_history(item_id)[-1]


def item_history(item_id: str, workspace: Workspace, store: Store) -> ItemHistory:
    """Return an item's full history, oldest version first.

    For an event, ``original`` is the event as detection stored it (``None`` if a later
    detection run no longer produces it) and the versions are its annotations.

    Raises
    ------
    ConfigError
        No sighting, claim, event or annotation has this id.
    """
    sighting_versions = workspace.sighting_history(item_id)
    if sighting_versions:
        return ItemHistory(item_id, "sighting", None, sighting_versions)
    claim_versions = claim_history(workspace, item_id)
    if claim_versions:
        return ItemHistory(item_id, "claim", None, claim_versions)
    event = _event_row(store, item_id)
    annotations = workspace.annotation_history(item_id)
    if event is None and not annotations:
        find_item(item_id, workspace, store)  # raises the unknown-id error
    return ItemHistory(item_id, "event", event, annotations)


def apply_event_corrections(events: pl.DataFrame, annotations: pl.DataFrame) -> pl.DataFrame:
    """Lay the current disputes and corrections over an events frame.

    Parameters
    ----------
    events
        ``schema.EVENTS`` rows (extra columns are kept).
    annotations
        ``Workspace.current_annotations("event")``: the latest annotation per event.

    Returns
    -------
    The events, same rows and order, with corrected fields replaced (a field corrected to
    empty becomes null) and the columns of ``EVENT_STATUS``: ``status`` (``original``,
    ``corrected`` or ``disputed``), and for annotated events the version, author and
    reason of the latest change.
    """
    schema.require(events, schema.EVENTS, what="events")
    overlay_rows: list[dict[str, Any]] = []
    for row in annotations.iter_rows(named=True):  # one row per annotated event: few
        fields = json.loads(row["fields"])
        overlay: dict[str, Any] = {
            "event_id": row["item_id"],
            "status": row["status"],
            "status_version": row["version"],
            "status_author": row["author"],
            "status_reason": row["reason"],
        }
        for column in EVENT_FIELDS:
            overlay[f"set__{column}"] = column in fields
            value = fields.get(column)
            if column in ("start_ts", "end_ts") and value is not None:
                value = parse_utc_time(value, where=column)
            overlay[f"new__{column}"] = value
        overlay_rows.append(overlay)
    overlay_schema: dict[str, pl.DataType] = {"event_id": pl.String(), **EVENT_STATUS}
    for column in EVENT_FIELDS:
        overlay_schema[f"set__{column}"] = pl.Boolean()
        overlay_schema[f"new__{column}"] = schema.EVENTS[column]
    overlay_frame = pl.DataFrame(overlay_rows, schema=overlay_schema)
    joined = events.join(overlay_frame, on="event_id", how="left", maintain_order="left")
    return joined.with_columns(
        *(
            pl.when(pl.col(f"set__{column}").fill_null(False))
            .then(pl.col(f"new__{column}"))
            .otherwise(pl.col(column))
            .alias(column)
            for column in EVENT_FIELDS
        ),
        pl.col("status").fill_null("original"),
    ).drop([name for name in overlay_schema if name.startswith(("set__", "new__"))])
