"""A vessel's dossier and the fleet ranked by risk, from a store (fuse layer).

Imports ``store`` (the ``Store`` protocol, to read), ``engine.evidence`` (events as contract
objects) and ``fuse``'s own modules; never ``cli``. ``load_fleet`` reads a store once:
static reports, every event, and per-MMSI spans of the positions (only the ``mmsi``,
``ts``, ``file_id`` and ``line_no`` columns); everything after that is frames.

- ``rank_vessels``: every vessel with its latest identity, event count and risk score,
  sorted by risk (or MMSI, name, events): ``darkfleet vessels``.
- ``build_dossier``: what the store knows about one vessel (``Subject``): identity
  timeline, the per-IMO view, links, port visits, events by type, sanctions matches,
  the workspace's sightings, the history of disputed and corrected items, and the risk
  score with its reasons. ``docs/dossier.md`` shows the JSON shape.

Given a workspace, ``load_fleet`` uses the current state of the evidence: events carry
their corrected fields (``fuse.corrections.apply_event_corrections``), and disputed
events are shown but give no points. Without one, events are scored as stored.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final, Literal

import polars as pl

from darkfleet import schema
from darkfleet.detect._events import params_fingerprint
from darkfleet.engine.evidence import event_records
from darkfleet.fuse._dossier_workspace import (
    WorkspaceState,
    correction_records,
    read_workspace_state,
)
from darkfleet.fuse.corrections import apply_event_corrections
from darkfleet.fuse.darklegs import rank_calls_in_gaps
from darkfleet.fuse.identity import identity_periods, imo_pairings
from darkfleet.fuse.links import identity_links
from darkfleet.fuse.reports import vessel_claims
from darkfleet.fuse.risk import CHAIN_PREFIX, risk_chain_id, risk_findings, score_findings
from darkfleet.fuse.risk_params import RiskParams
from darkfleet.fuse.sightings import sighting_records
from darkfleet.fuse.vessels import Subject, vessel_index, vessel_names
from darkfleet.store import Store
from darkfleet.store.workspace import Workspace

__all__ = [
    "SORT_KEYS",
    "Fleet",
    "build_dossier",
    "load_fleet",
    "rank_vessels",
    "score_vessel",
    "to_json",
]

SortKey = Literal["risk", "mmsi", "name", "events"]
#: What ``rank_vessels`` sorts by.
SORT_KEYS: Final[tuple[str, ...]] = ("risk", "mmsi", "name", "events")
_PORT_EVENTS: Final = ("port_visit", "dark_port_call")


@dataclass(frozen=True, slots=True)
class Fleet:
    """Everything a dossier or the ranking needs, read from one store.

    Attributes
    ----------
    statics : every static report (``schema.STATICS``).
    vessels : ``fuse.vessels.VESSELS`` plus ``events`` (events naming the vessel, either
        side), ``score`` (0-100, 0 without findings) and ``n_reasons``.
    names : ``fuse.vessels.vessel_names``.
    pairings : ``fuse.identity.IMO_PAIRINGS``.
    links : ``fuse.links.IDENTITY_LINKS``.
    events : every stored event (``schema.EVENTS``) with its corrections laid over it
        and the columns of ``fuse.corrections.EVENT_STATUS`` (all ``original`` without
        a workspace).
    original_events : the stored rows of the events that have corrections or disputes.
    findings : ``fuse.risk.FINDINGS`` of every vessel, from the events not disputed.
    reasons : ``fuse.risk.RISK_REASONS`` of every vessel, plus ``chain_id``.
    params : the risk rules and weights used.
    mid_table : the ITU MID table the flags came from.
    workspace : sightings, annotations and histories read from the workspace (empty
        without one).
    """

    statics: pl.DataFrame
    vessels: pl.DataFrame
    names: pl.DataFrame
    pairings: pl.DataFrame
    links: pl.DataFrame
    events: pl.DataFrame
    original_events: pl.DataFrame
    findings: pl.DataFrame
    reasons: pl.DataFrame
    params: RiskParams
    mid_table: pl.DataFrame
    workspace: WorkspaceState


def load_fleet(
    store: Store,
    *,
    mid_table: pl.DataFrame,
    port_groups: Mapping[str, str],
    params: RiskParams,
    workspace: Workspace | None = None,
) -> Fleet:
    """Read a store (and its workspace, if any) and score every vessel in it.

    Parameters
    ----------
    store
        The store to read (nothing is written).
    mid_table
        The ITU MID table (``reference.load_mid_table()``).
    port_groups
        ``port_id`` -> group (``reference.default_port_groups``), for sensitive port visits.
    params
        Risk rules and weights (``fuse.risk_params.build_risk_params``).
    workspace
        The analysts' workspace (nothing is written), or ``None``: events are then scored
        as stored and dossiers show no sightings.
    """
    state = read_workspace_state(workspace)
    statics = store.scan("statics").collect()
    vessels = vessel_index(statics.lazy(), store.scan("positions"), mid_table)
    stored = store.scan("events").collect()
    events = apply_event_corrections(stored, state.annotations).sort("start_ts", "mmsi", "event_id")
    links = identity_links(statics, mid_table)
    counted = events.filter(~_is_uncounted(events)).select(list(schema.EVENTS))
    findings = risk_findings(
        counted,
        links,
        vessels,
        params,
        mid_table=mid_table,
        port_groups=port_groups,
        disputed_sightings=_disputed_sightings(state),
    )
    scores, reasons = score_findings(findings, params)
    reasons = reasons.with_columns(
        pl.format(f"{CHAIN_PREFIX}{{}}:{{}}", pl.col("mmsi"), pl.col("rule")).alias("chain_id")
    )
    counts = (
        pl.concat([events.select("mmsi"), events.select(pl.col("other_mmsi").alias("mmsi"))])
        .drop_nulls()
        .group_by("mmsi")
        .agg(pl.len().cast(pl.UInt32).alias("events"))
    )
    vessels = (
        vessels.join(counts, on="mmsi", how="left", maintain_order="left")
        .join(scores, on="mmsi", how="left", maintain_order="left")
        .with_columns(pl.col("events", "n_reasons").fill_null(0), pl.col("score").fill_null(0.0))
    )
    return Fleet(
        statics=statics,
        vessels=vessels,
        names=vessel_names(statics.lazy()),
        pairings=imo_pairings(statics, mid_table),
        links=links,
        events=events,
        original_events=stored.filter(pl.col("event_id").is_in(list(state.histories))),
        findings=findings,
        reasons=reasons,
        params=params,
        mid_table=mid_table,
        workspace=state,
    )


def _is_uncounted(events: pl.DataFrame) -> pl.Expr:
    """Events that give no points: disputed ones, and dark port calls of a disputed gap.

    A dark port call is an inference from its gap (``details.gap_event_id``): when the
    gap is disputed (say, a receiver outage), nothing is left to infer the call from.
    """
    disputed = events.filter(pl.col("status") == "disputed")["event_id"].implode()
    gap = pl.col("details").str.json_path_match("$.gap_event_id")
    of_disputed_gap = (pl.col("type") == "dark_port_call") & gap.is_in(disputed).fill_null(False)
    return (pl.col("status") == "disputed") | of_disputed_gap


def _disputed_sightings(state: WorkspaceState) -> list[str]:
    return state.sightings.filter(pl.col("status") == "disputed")["sighting_id"].to_list()


def rank_vessels(fleet: Fleet, *, sort: SortKey = "risk", limit: int | None = None) -> pl.DataFrame:
    """Return the fleet's vessels in ``sort`` order, at most ``limit`` of them.

    ``risk``: score descending; ``events``: event count descending; ``name``: latest
    name (vessels without one last); ``mmsi``: ascending. Ties: MMSI ascending. Columns:
    ``fleet.vessels``'s plus ``reasons`` (the vessel's ``RISK_REASONS`` rows as structs,
    points descending).
    """
    if sort not in SORT_KEYS:
        raise ValueError(f"sort must be one of {SORT_KEYS}, got {sort!r}")
    keys: dict[str, tuple[list[str], list[bool]]] = {
        "risk": (["score", "mmsi"], [True, False]),
        "events": (["events", "mmsi"], [True, False]),
        "name": (["name", "mmsi"], [False, False]),
        "mmsi": (["mmsi"], [False]),
    }
    columns, descending = keys[sort]
    ranked = fleet.vessels.sort(columns, descending=descending, nulls_last=True)
    if limit:
        ranked = ranked.head(limit)
    reasons = (
        fleet.reasons.filter(pl.col("mmsi").is_in(ranked["mmsi"].implode()))
        .group_by("mmsi", maintain_order=True)
        .agg(pl.struct(pl.exclude("mmsi")).alias("reasons"))
    )
    return ranked.join(reasons, on="mmsi", how="left", maintain_order="left")


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def to_json(value: Any) -> Any:
    """Make rows JSON-ready: instants as ISO 8601 UTC ending in ``Z``, dates as ISO, recursively.

    Examples
    --------
    >>> to_json({"ts": datetime(2023, 9, 1, tzinfo=UTC), "xs": [1, None]})
    {'ts': '2023-09-01T00:00:00Z', 'xs': [1, None]}
    """
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def score_vessel(fleet: Fleet, mmsis: Sequence[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Score the findings of ``mmsis`` together, as one vessel.

    Evidence seen from two of its MMSIs (the link between its own re-flagged MMSIs, an
    encounter between them) counts once. Returns ``score_findings``'s frames with
    ``mmsi`` set to the lowest MMSI, the reasons with their ``chain_id``
    (``fuse.risk.risk_chain_id``).
    """
    ordered = sorted(set(mmsis))
    findings = (
        fleet.findings.filter(pl.col("mmsi").is_in(ordered))
        .with_columns(pl.lit(ordered[0], dtype=pl.Int64).alias("mmsi"))
        .unique(maintain_order=True)
    )
    scores, reasons = score_findings(findings, fleet.params)
    prefix = risk_chain_id(ordered, "")  # "risk:<mmsi>+...:" followed by the rule
    return scores, reasons.with_columns((pl.lit(prefix) + pl.col("rule")).alias("chain_id"))


def _risk(fleet: Fleet, subject: Subject) -> dict[str, Any]:
    scores, reasons = score_vessel(fleet, subject.mmsis)
    return {
        "score": float(scores["score"][0]) if scores.height else 0.0,
        "reasons": to_json(reasons.drop("mmsi").to_dicts()),
        "params_fingerprint": params_fingerprint(fleet.params),
    }


def _correction(row: Mapping[str, Any]) -> dict[str, Any]:
    """An event's current dispute or correction, as the dossier marks the event."""
    return {
        "status": row["status"],
        "version": row["status_version"],
        "author": row["status_author"],
        "reason": row["status_reason"],
    }


def _marked(records: list[dict[str, Any]], marks: Mapping[str, dict[str, Any]]) -> None:
    """Add ``correction`` to the records of disputed or corrected events (in place)."""
    for record in records:
        mark = marks.get(record["event_id"])
        if mark is not None:
            record["correction"] = mark


def _sanctions(matches: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for record in event_records(matches):
        details = record.get("details", {})
        out.append(
            {
                "event_id": record["event_id"],
                "mmsi": record["mmsi"],
                "start": record["start"],
                "end": record["end"],
                "score": record.get("score"),
                **details,
            }
        )
    return out


def _port_visits(
    visits: pl.DataFrame,
    disputed_sightings: set[str],
    disputed_events: set[str],
    sanctioned: Collection[str],
) -> list[dict[str, Any]]:
    """Port visits and dark port calls; a call also names its gap and sightings, and says
    whether the gap is disputed (no points) or every sighting is (counts as possible).

    A possible call says whether it is the one of its gap an analyst reads first
    (``first_in_gap``, ``fuse.darklegs.rank_calls_in_gaps``); that one names the gap's
    other ports, likeliest first (``other_ports_in_gap``).
    """
    is_possible = (pl.col("type") == "dark_port_call") & (
        pl.col("details").str.json_path_match("$.status") == "possible"
    )
    ranked = rank_calls_in_gaps(visits.filter(is_possible), sanctioned)
    ranks = {
        row["event_id"]: (row["rank_in_gap"], row["ports_in_gap"])
        for row in ranked.select("event_id", "rank_in_gap", "ports_in_gap").iter_rows(named=True)
    }
    out = []
    for record in event_records(visits):
        details = record.get("details", {})
        call: dict[str, Any] = {}
        if record["type"] == "dark_port_call":
            ids = details.get("sighting_ids") or []
            call = {
                "gap_event_id": details.get("gap_event_id"),
                "required_speed_knots": details.get("required_speed_knots"),
                "possible_dwell_h": details.get("possible_dwell_h"),
                "gap_disputed": details.get("gap_event_id") in disputed_events,
                "sighting_ids": ids,
                "confirmation_disputed": bool(ids) and set(ids) <= disputed_sightings,
            }
            if record["event_id"] in ranks:
                rank, ports = ranks[record["event_id"]]
                call["first_in_gap"] = rank == 0
                if rank == 0:
                    call["other_ports_in_gap"] = ports[1:]
        out.append(
            {
                **call,
                "event_id": record["event_id"],
                "type": record["type"],
                "mmsi": record["mmsi"],
                "port": record.get("port"),
                "country": record.get("country"),
                "port_id": details.get("port_id"),
                "start": record["start"],
                "end": record["end"],
                "dwell_h": details.get("dwell_h"),
                "status": details.get(
                    "status", "visit" if record["type"] == "port_visit" else None
                ),
            }
        )
    return out


def _sightings(fleet: Fleet, mmsis: list[int], imos: list[int]) -> tuple[pl.DataFrame, list[str]]:
    """The vessel's current sightings, and the ids of those it ever had (for histories)."""
    of_vessel = pl.col("mmsi").is_in(mmsis) | pl.col("imo").is_in(imos)
    current = fleet.workspace.sightings.filter(of_vessel)
    ever = set(current["sighting_id"].to_list())
    for item_id, versions in fleet.workspace.histories.items():
        if any(
            v.item_kind == "sighting"
            and (v.fields.get("mmsi") in mmsis or v.fields.get("imo") in imos)
            for v in versions
        ):
            ever.add(item_id)
    return current, sorted(ever)


def build_dossier(fleet: Fleet, subject: Subject) -> dict[str, Any]:
    """Return the dossier of ``subject`` as one JSON-ready object.

    Keys: ``query``, ``matched_on``, ``match_score``, ``mmsis``, ``imos``, ``vessels``
    (latest identity of each MMSI), ``identity`` (``periods``: every field's runs per
    MMSI; ``imo_pairings``: every MMSI that reported one of the vessel's IMOs, other
    vessels' included), ``links`` (links naming one of the MMSIs or IMOs), ``port_visits``
    (port visits and dark port calls), ``events`` (every event naming one of the MMSIs,
    either side, keyed by type, oldest first), ``sanctions`` (``sanctions_match`` events
    with their details), ``sightings`` (the workspace's sightings of one of the MMSIs or
    IMOs, current version, disputed ones included, with ``status`` and ``version``),
    ``corrections`` (every disputed or corrected event or sighting of the vessel with
    its history), ``claims`` (the undisputed claims of stored reports that name one of
    the MMSIs or IMOs, ``fuse.reports.VESSEL_CLAIMS`` with dates as ISO text, oldest
    report first) and ``risk`` (``score`` 0-100, ``reasons`` with their evidence and
    ``chain_id``, ``params_fingerprint``). Events show their corrected fields; disputed
    or corrected ones carry ``correction`` (``status``, ``version``, ``author``,
    ``reason``). Instants are ISO 8601 UTC ending in ``Z``.
    """
    mmsis = list(subject.mmsis)
    imos = list(subject.imos)
    statics = fleet.statics.filter(pl.col("mmsi").is_in(mmsis))
    periods = identity_periods(statics, fleet.mid_table)
    pairings = fleet.pairings.filter(pl.col("imo").is_in(imos) | pl.col("mmsi").is_in(mmsis))
    links = fleet.links.filter(
        pl.col("mmsi_a").is_in(mmsis)
        | pl.col("mmsi_b").is_in(mmsis)
        | pl.col("imo_a").is_in(imos)
        | pl.col("imo_b").is_in(imos)
    )
    names_vessel = pl.col("mmsi").is_in(mmsis) | pl.col("other_mmsi").is_in(mmsis)
    events = fleet.events.filter(names_vessel)
    marks = {
        row["event_id"]: _correction(row)
        for row in events.filter(pl.col("status") != "original").iter_rows(named=True)
    }
    by_type: dict[str, list[dict[str, Any]]] = {}
    for record in event_records(events):
        by_type.setdefault(record["type"], []).append(record)
    _marked([r for records in by_type.values() for r in records], marks)
    port_visits = _port_visits(
        events.filter(pl.col("type").is_in(_PORT_EVENTS) & pl.col("mmsi").is_in(mmsis)),
        set(_disputed_sightings(fleet.workspace)),
        set(fleet.events.filter(pl.col("status") == "disputed")["event_id"].to_list()),
        fleet.params.sanctioned_countries,
    )
    sanctions = _sanctions(
        events.filter((pl.col("type") == "sanctions_match") & pl.col("mmsi").is_in(mmsis))
    )
    _marked(port_visits, marks)
    _marked(sanctions, marks)
    moved_away = fleet.original_events.filter(names_vessel)["event_id"]
    touched = fleet.events.filter(names_vessel | pl.col("event_id").is_in(moved_away.implode()))
    sightings, sighting_ids = _sightings(fleet, mmsis, imos)
    vessels = fleet.vessels.filter(pl.col("mmsi").is_in(mmsis))
    return {
        "query": subject.query,
        "matched_on": subject.matched_on,
        "match_score": subject.match_score,
        "mmsis": mmsis,
        "imos": imos,
        "vessels": to_json(vessels.to_dicts()),
        "identity": {
            "periods": to_json(periods.to_dicts()),
            "imo_pairings": to_json(pairings.to_dicts()),
        },
        "links": to_json(links.to_dicts()),
        "port_visits": port_visits,
        "events": {kind: by_type[kind] for kind in schema.EVENT_TYPES if kind in by_type},
        "sanctions": sanctions,
        "sightings": sighting_records(sightings),
        "corrections": correction_records(
            fleet.workspace,
            events=touched,
            original_events=fleet.original_events,
            sighting_ids=sighting_ids,
        ),
        "claims": _claims(fleet, mmsis, imos),
        "risk": _risk(fleet, subject),
    }


def _claims(fleet: Fleet, mmsis: list[int], imos: list[int]) -> list[dict[str, Any]]:
    """The vessel's undisputed claims from stored reports, one per claim, JSON-ready."""
    if fleet.workspace.claims is None:
        return []
    claims = vessel_claims(fleet.workspace.claims, mmsis=mmsis, imos=imos).unique(
        "claim_id", keep="first", maintain_order=True
    )
    records: list[dict[str, Any]] = to_json(claims.to_dicts())
    return records
