"""The evidence chain behind one risk reason, from its chain id (fuse layer).

Imports ``store``, ``engine.evidence`` (one event's positions and raw lines) and
``fuse``'s own modules; never ``cli``. A risk reason's chain id is
``risk:<mmsi>[+<mmsi>...]:<rule>`` (``fuse.risk.risk_chain_id``): the vessel's MMSIs, as
its dossier scores them together, and the rule. ``explain_risk_reason`` rebuilds that
reason from a loaded ``Fleet`` (so with the same corrections and weights as the dossier)
and gathers its chain: the rule and its weights, every finding, and for each event the
evidence ``darkfleet explain EVENT_ID`` shows (positions with file, line and raw text);
for identity periods, the first and last report with their raw lines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from darkfleet.detect._events import params_fingerprint
from darkfleet.engine.evidence import Explanation, event_records, explain_event, read_lines
from darkfleet.errors import ConfigError
from darkfleet.fuse.dossier import Fleet, score_vessel, to_json
from darkfleet.fuse.risk import parse_risk_chain_id, risk_chain_id
from darkfleet.fuse.risk_params import RISK_RULES
from darkfleet.store import Store

__all__ = ["ReasonChain", "explain_risk_reason"]


@dataclass(frozen=True, slots=True)
class ReasonChain:
    """One risk reason and everything behind it.

    Attributes
    ----------
    chain_id : the canonical chain id (MMSIs ascending).
    mmsis : the vessel's MMSIs whose findings were scored together.
    rule : the rule's name (``fuse.risk_params.RISK_RULES``).
    reason : the ``RISK_REASONS`` row as in the dossier (JSON-ready), with ``chain_id``.
    weights : the rule's parameters and values: ``points_field``, ``points``,
        ``max_field`` and ``max_points`` (``None`` for once-only rules, capped at their
        points), ``is_once``, ``is_hourly``, ``noun``; ``params_fingerprint`` of all the
        ``[risk]`` parameters.
    findings : every finding of the rule for the vessel (``FINDINGS``, JSON-ready).
    events : for each event id of the reason, in the reason's order, what
        ``engine.evidence.explain_event`` gathers, with ``event`` replaced by the event
        as scored (corrected fields, and ``correction`` when it was corrected).
    periods : each identity period of the reason, with ``first_raw``/``last_raw`` (the
        report's line, or ``None`` when the input file is no longer readable) and
        ``first_file``/``last_file`` (the input's recorded path).
    """

    chain_id: str
    mmsis: tuple[int, ...]
    rule: str
    reason: Mapping[str, Any]
    weights: Mapping[str, Any]
    findings: Sequence[Mapping[str, Any]]
    events: Sequence[Explanation]
    periods: Sequence[Mapping[str, Any]]


def _weights(fleet: Fleet, rule_name: str) -> dict[str, Any]:
    [rule] = [r for r in RISK_RULES if r.name == rule_name]
    points = float(getattr(fleet.params, rule.points_field))
    return {
        "rule": rule.name,
        "noun": rule.noun,
        "points_field": rule.points_field,
        "points": points,
        "max_field": rule.max_field,
        "max_points": points if rule.max_field is None else getattr(fleet.params, rule.max_field),
        "is_once": rule.max_field is None,
        "is_hourly": rule.is_hourly,
        "params_fingerprint": params_fingerprint(fleet.params),
    }


def _scored_event(fleet: Fleet, event_id: str) -> dict[str, Any]:
    """The event as the score used it: corrected fields, and its correction if any."""
    row = fleet.events.filter(pl.col("event_id") == event_id)
    record = event_records(row)[0]
    status = row.row(0, named=True)
    if status["status"] != "original":
        record["correction"] = {
            "status": status["status"],
            "version": status["status_version"],
            "author": status["status_author"],
            "reason": status["status_reason"],
        }
    return record


def _periods(store: Store, periods: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Periods with the first and last report's file and raw line."""
    files = dict(store.ingested_files().select("file_id", "file").iter_rows())
    wanted: dict[str, set[int]] = {}
    for period in periods:
        for side in ("first", "last"):
            wanted.setdefault(period[f"{side}_file_id"], set()).add(period[f"{side}_line_no"])
    lines = {
        file_id: read_lines(Path(str(files[file_id])), numbers) if files.get(file_id) else {}
        for file_id, numbers in wanted.items()
    }
    out = []
    for period in periods:
        record = dict(period)
        for side in ("first", "last"):
            file_id = period[f"{side}_file_id"]
            record[f"{side}_file"] = files.get(file_id)
            record[f"{side}_raw"] = lines[file_id].get(period[f"{side}_line_no"])
        out.append(record)
    return out


def explain_risk_reason(fleet: Fleet, store: Store, chain_id: str) -> ReasonChain:
    """Rebuild the reason ``chain_id`` names and gather the evidence behind it.

    Parameters
    ----------
    fleet
        The fleet loaded from ``store`` (with its workspace, if any), as for the dossier.
    store
        The store the fleet was read from (for positions and raw lines).
    chain_id
        ``risk:<mmsi>[+<mmsi>...]:<rule>`` as ``darkfleet vessel`` prints it.

    Raises
    ------
    ConfigError
        A malformed id or unknown rule (``fuse.risk.parse_risk_chain_id``), an MMSI the
        store does not hold, or a rule that gives this vessel no points (the message
        lists the vessel's reasons).
    """
    mmsis, rule = parse_risk_chain_id(chain_id)
    known = set(fleet.vessels["mmsi"].to_list())
    for mmsi in mmsis:
        if mmsi not in known:
            raise ConfigError(
                f"{chain_id!r}: no vessel with MMSI {mmsi} in the store; `darkfleet vessels` "
                "lists them and `darkfleet vessel MMSI` their reasons' chain ids"
            )
    canonical = risk_chain_id(mmsis, rule)
    _, reasons = score_vessel(fleet, mmsis)
    found = reasons.filter(pl.col("rule") == rule)
    if found.height == 0:
        others = ", ".join(reasons["chain_id"].to_list()) or "none"
        raise ConfigError(
            f"{canonical!r}: rule {rule!r} gives this vessel no points (its reasons: "
            f"{others}); `darkfleet vessel {mmsis[0]}` shows them"
        )
    reason = to_json(found.drop("mmsi").to_dicts()[0])
    findings = fleet.findings.filter(pl.col("mmsi").is_in(list(mmsis)) & (pl.col("rule") == rule))
    events = [
        dataclasses.replace(explain_event(store, event_id), event=_scored_event(fleet, event_id))
        for event_id in reason["event_ids"]
    ]
    return ReasonChain(
        chain_id=canonical,
        mmsis=mmsis,
        rule=rule,
        reason=reason,
        weights=_weights(fleet, rule),
        findings=to_json(findings.to_dicts()),
        events=events,
        periods=_periods(store, reason["periods"]),
    )
