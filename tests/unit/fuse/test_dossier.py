"""Dossier and ranking from a store: a re-flagged vessel is one dossier, scored once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from darkfleet import schema
from darkfleet.fuse.dossier import Fleet, build_dossier, load_fleet, rank_vessels
from darkfleet.fuse.risk_params import RiskParams
from darkfleet.fuse.vessels import resolve_vessel
from darkfleet.store import MemoryStore

T0 = datetime(2023, 9, 1, tzinfo=UTC)
MIDS = pl.DataFrame({"mid": [273, 445, 351], "iso3": ["RUS", "PRK", "PAN"]})
RUS_MMSI, PAN_MMSI, OTHER = 273_000_001, 351_000_001, 273_000_002


def _fleet() -> Fleet:
    statics = schema.conform(
        pl.DataFrame(
            {
                "mmsi": [RUS_MMSI, RUS_MMSI, PAN_MMSI, OTHER],
                "ts": [T0, T0 + timedelta(days=1), T0 + timedelta(days=5), T0],
                "imo": [9_161_003, 9_161_003, 9_161_003, 9_179_842],
                "name": ["LADY R", "LADY R", "LADY R", "ANGARA"],
                "file_id": ["f1"] * 4,
                "line_no": [1, 2, 3, 4],
            }
        ),
        schema.STATICS,
    )
    details = {"gap_duration_h": 40.0, "sensitive_ports_reachable": [{"country": "PRK"}]}
    events = schema.conform(
        pl.DataFrame(
            {
                "event_id": ["gap-rus", "gap-pan", "visit-pan"],
                "type": ["gap", "gap", "port_visit"],
                "mmsi": [RUS_MMSI, PAN_MMSI, PAN_MMSI],
                "start_ts": [T0, T0 + timedelta(days=6), T0 + timedelta(days=8)],
                "end_ts": [T0 + timedelta(hours=40)] * 3,
                "port": [None, None, "Najin"],
                "country": [None, None, "PRK"],
                "details": [
                    json.dumps(details),
                    json.dumps(details),
                    json.dumps({"port_id": "PRK-NAJIN", "dwell_h": 30.0}),
                ],
            }
        ),
        schema.EVENTS,
    )
    store = MemoryStore(statics=statics, events=events)
    return load_fleet(store, mid_table=MIDS, port_groups={"PRK-NAJIN": "PRK"}, params=RiskParams())


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    return _fleet()


def test_a_reflagged_imo_is_one_dossier_with_its_link_and_combined_risk(fleet: Fleet) -> None:
    subject = resolve_vessel("IMO 9161003", fleet.vessels, fleet.names, fleet.pairings)
    dossier = build_dossier(fleet, subject)
    assert dossier["mmsis"] == [RUS_MMSI, PAN_MMSI]
    assert [(p["mmsi"], p["flag"]) for p in dossier["identity"]["imo_pairings"]] == [
        (RUS_MMSI, "RUS"),
        (PAN_MMSI, "PAN"),
    ]
    [link] = dossier["links"]
    assert (link["link"], link["kind"], link["mmsi_a"], link["mmsi_b"]) == (
        "imo_shared",
        "reflag",
        RUS_MMSI,
        PAN_MMSI,
    )
    assert link["first_seen_a"] == "2023-09-01T00:00:00Z"
    reasons = {r["rule"]: r for r in dossier["risk"]["reasons"]}
    assert reasons["dark_sanctioned"]["points"] == 20.0  # 80 h over both MMSIs x 0.25
    assert reasons["dark_sanctioned"]["event_ids"] == ["gap-rus", "gap-pan"]
    assert reasons["identity_link"]["points"] == 10.0  # one link, seen from both MMSIs
    assert reasons["identity_link"]["count"] == 1
    assert reasons["sanctioned_port_visit"]["event_ids"] == ["visit-pan"]
    assert dossier["risk"]["score"] == 50.0
    assert [v["event_id"] for v in dossier["port_visits"]] == ["visit-pan"]
    assert set(dossier["events"]) == {"gap", "port_visit"}


def test_each_mmsi_is_ranked_with_its_own_score(fleet: Fleet) -> None:
    ranked = rank_vessels(fleet, sort="risk")
    assert ranked.select("mmsi", "score").rows() == [
        (PAN_MMSI, 40.0),  # gap 10 + Najin visit 20 + link 10
        (RUS_MMSI, 20.0),  # gap 10 + link 10
        (OTHER, 0.0),
    ]
    assert ranked["reasons"][2] is None
    assert rank_vessels(fleet, sort="mmsi")["mmsi"].to_list() == [RUS_MMSI, OTHER, PAN_MMSI]
    assert rank_vessels(fleet, sort="events", limit=1)["mmsi"].to_list() == [PAN_MMSI]
    with pytest.raises(ValueError, match="sort must be one of"):
        rank_vessels(fleet, sort="size")  # type: ignore[arg-type]


def test_the_dossier_is_the_same_for_the_same_store() -> None:
    first, second = _fleet(), _fleet()
    subject = resolve_vessel("LADY R", first.vessels, first.names, first.pairings)
    assert json.dumps(build_dossier(first, subject), sort_keys=True) == json.dumps(
        build_dossier(second, subject), sort_keys=True
    )
