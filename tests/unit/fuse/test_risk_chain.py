"""Chain ids of risk reasons, the current state of events in the fleet, and change histories."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkfleet import schema
from darkfleet.errors import ConfigError
from darkfleet.fuse._dossier_workspace import WorkspaceState, correction_records
from darkfleet.fuse.corrections import correct_item, dispute_item
from darkfleet.fuse.dossier import Fleet, build_dossier, load_fleet
from darkfleet.fuse.risk import parse_risk_chain_id, risk_chain_id
from darkfleet.fuse.risk_chain import explain_risk_reason
from darkfleet.fuse.risk_params import RISK_RULES, RiskParams
from darkfleet.fuse.vessels import resolve_vessel
from darkfleet.store import MemoryStore
from darkfleet.store.workspace import ItemVersion, Workspace, open_workspace

T0 = datetime(2023, 9, 1, tzinfo=UTC)
RECORDED = datetime(2026, 1, 2, tzinfo=UTC)
MIDS = pl.DataFrame({"mid": [273, 445], "iso3": ["RUS", "PRK"]})
SHIP, PARTNER = 273_000_001, 273_000_002
RULES = [rule.name for rule in RISK_RULES]


@given(
    mmsis=st.lists(st.integers(1, 999_999_999), min_size=1, max_size=4),
    rule=st.sampled_from(RULES),
)
def test_a_chain_id_parses_back_to_its_vessel_and_rule(mmsis: list[int], rule: str) -> None:
    chain_id = risk_chain_id(mmsis, rule)
    assert parse_risk_chain_id(chain_id) == (tuple(sorted(set(mmsis))), rule)
    assert risk_chain_id(list(reversed(mmsis)), rule) == chain_id


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is not a risk reason id"),
        ("risk:", "is not a risk reason id"),
        ("risk::shuttle", "is not a risk reason id"),
        ("risk:1:shuttle:2", "is not a risk reason id"),
        ("riskk:1:shuttle", "is not a risk reason id"),
        ("risk:1+:shuttle", "'' is not an MMSI"),
        ("risk:1234567890:shuttle", "'1234567890' is not an MMSI"),
        ("risk:-1:shuttle", "'-1' is not an MMSI"),
        ("risk:\u0661\u0662:shuttle", "is not an MMSI"),
        ("risk:1:shutle", "'shutle' is not a risk rule; did you mean 'shuttle'?"),
        ("risk:1:colour", "'colour' is not a risk rule; rules: sanctions_match"),
    ],
)
def test_a_bad_chain_id_is_refused_with_the_fix(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match="risk") as info:
        parse_risk_chain_id(text)
    assert message in str(info.value)


def _events() -> pl.DataFrame:
    gap = {"gap_duration_h": 40.0, "sensitive_ports_reachable": [{"country": "PRK", "name": "N"}]}
    match = {"entry_name": "PARTNER", "list": "demo"}
    frame = pl.DataFrame(
        {
            "event_id": ["gap-1", "match-1", "meet-1"],
            "type": ["gap", "sanctions_match", "encounter"],
            "mmsi": [SHIP, PARTNER, SHIP],
            "other_mmsi": [None, None, PARTNER],
            "start_ts": [T0, T0, T0 + timedelta(days=2)],
            "end_ts": [T0 + timedelta(hours=40), T0, T0 + timedelta(days=2, hours=3)],
            "score": [None, 1.0, None],
            "details": [json.dumps(gap), json.dumps(match), "{}"],
        }
    )
    return schema.conform(frame, schema.EVENTS)


def _statics() -> pl.DataFrame:
    frame = pl.DataFrame(
        {"mmsi": [SHIP, PARTNER], "ts": [T0, T0], "name": ["SHIP", "PARTNER"],
         "file_id": ["f1", "f1"], "line_no": [1, 2]}
    )  # fmt: skip
    return schema.conform(frame, schema.STATICS)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore(statics=_statics(), events=_events())


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    with open_workspace(f"sqlite:///{tmp_path / 'workspace.sqlite'}") as opened:
        yield opened


def _fleet(store: MemoryStore, workspace: Workspace | None) -> Fleet:
    return load_fleet(
        store, mid_table=MIDS, port_groups={}, params=RiskParams(), workspace=workspace
    )


def _scores(fleet: Fleet) -> dict[int, float]:
    return dict(fleet.vessels.select("mmsi", "score").iter_rows())


def test_a_disputed_sanctions_match_no_longer_makes_its_vessel_or_its_encounters_risky(
    store: MemoryStore, workspace: Workspace
) -> None:
    before = _fleet(store, workspace)
    assert _scores(before) == {SHIP: 30.0, PARTNER: 60.0}  # 10 dark h + encounter 20
    assert before.events["status"].unique().to_list() == ["original"]
    assert before.original_events.height == 0
    dispute_item("match-1", workspace, store, author="a", reason="false friend",
                 recorded_ts=RECORDED)  # fmt: skip
    after = _fleet(store, workspace)
    assert _scores(after) == {SHIP: 10.0, PARTNER: 0.0}
    assert after.events.height == 3  # still shown
    assert after.original_events["event_id"].to_list() == ["match-1"]
    assert set(after.findings["event_id"].drop_nulls()) == {"gap-1"}
    assert after.reasons.select("mmsi", "chain_id").rows() == [
        (SHIP, f"risk:{SHIP}:dark_sanctioned")
    ]


def test_a_corrected_event_is_scored_and_explained_with_its_corrected_fields(
    store: MemoryStore, workspace: Workspace
) -> None:
    correct_item("gap-1", {"end": "2023-09-03T00:00Z"}, workspace, store, author="a",
                 reason="r", recorded_ts=RECORDED)  # fmt: skip
    fleet = _fleet(store, workspace)
    # gap_duration_h lives in details, which corrections do not touch: still 40 h
    chain = explain_risk_reason(fleet, store, f"risk:{SHIP}:dark_sanctioned")
    [explanation] = chain.events
    assert explanation.event["end"] == "2023-09-03T00:00:00Z"
    assert explanation.event["correction"]["status"] == "corrected"
    assert chain.reason["points"] == 10.0
    dossier = build_dossier(fleet, resolve_vessel(str(SHIP), fleet.vessels, fleet.names,
                                                   fleet.pairings))  # fmt: skip
    [item] = dossier["corrections"]
    assert item["versions"][0]["changes"] == [
        {"field": "end_ts", "from": "2023-09-02T16:00:00Z", "to": "2023-09-03T00:00:00Z"}
    ]


def test_without_a_workspace_the_fleet_is_scored_as_stored(store: MemoryStore) -> None:
    fleet = _fleet(store, None)
    assert _scores(fleet) == {SHIP: 30.0, PARTNER: 60.0}
    assert fleet.workspace.histories == {}
    assert fleet.workspace.sightings.height == 0


def _version(
    number: int, status: str, fields: dict[str, object], kind: str = "event"
) -> ItemVersion:
    return ItemVersion(
        item_id="x", item_kind=kind, version=number, action="correct" if status == "corrected"
        else "dispute", status=status, author="ana", recorded_ts=RECORDED, reason=f"r{number}",
        fields=fields,
    )  # fmt: skip


def test_each_version_lists_what_it_changed_against_the_one_before() -> None:
    events = _events().head(1).with_columns(pl.lit("corrected").alias("status"))
    state = WorkspaceState(
        histories={
            "gap-1": (
                _version(1, "disputed", {}),
                _version(2, "corrected", {"lat": 42.5}),
                _version(3, "corrected", {"lat": 42.5, "port": "Najin"}),
                _version(4, "corrected", {"lat": None, "port": "Najin"}),
            )
        }
    )
    [item] = correction_records(
        state, events=events, original_events=_events().head(1), sighting_ids=[]
    )
    assert (item["item_id"], item["status"], item["version"]) == ("gap-1", "corrected", 4)
    assert [v["changes"] for v in item["versions"]] == [
        [],
        [{"field": "lat", "from": None, "to": 42.5}],
        [{"field": "port", "from": None, "to": "Najin"}],
        [{"field": "lat", "from": 42.5, "to": None}],
    ]
    assert [v["reason"] for v in item["versions"]] == ["r1", "r2", "r3", "r4"]


@settings(max_examples=20, deadline=None)
@given(disputed=st.sets(st.sampled_from(["gap-1", "match-1", "meet-1"])))
def test_disputing_events_never_raises_a_score_and_disputed_events_leave_every_reason(
    disputed: set[str],
) -> None:
    store = MemoryStore(statics=_statics(), events=_events())
    before = _scores(_fleet(store, None))
    with open_workspace("sqlite://") as workspace:
        for event_id in sorted(disputed):
            dispute_item(event_id, workspace, store, author="a", reason="r", recorded_ts=RECORDED)
        fleet = _fleet(store, workspace)
    after = _scores(fleet)
    assert all(after[mmsi] <= before[mmsi] for mmsi in before)
    cited = {e for ids in fleet.reasons["event_ids"].to_list() for e in ids}
    assert not cited & disputed
    assert fleet.events.filter(pl.col("status") == "disputed")["event_id"].sort().to_list() == (
        sorted(disputed)
    )
    if not disputed:
        assert after == before
