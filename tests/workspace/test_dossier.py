"""Dossiers, scores and evidence chains read the workspace: SQLite and PostgreSQL, via the CLI.

Issue 5 ("Corrections", "Evidence chains"): a disputed event is shown but gives no
points, a corrected one counts with its corrected fields, sightings and every change's
history appear in the dossier, and ``darkfleet explain risk:...`` prints a reason's chain.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from darkfleet import schema
from darkfleet.store import ParquetStore
from tests.workspace._fleet import ANGARA_MMSI, GAP_EVENT, LADY_R_MMSI, VISIT_EVENT, make_store
from tests.workspace.test_cli import ok, run

DARK_CHAIN = f"risk:{LADY_R_MMSI}:dark_sanctioned"
VISIT_CHAIN = f"risk:{LADY_R_MMSI}:sanctioned_port_visit"


def scored_events() -> pl.DataFrame:
    """LADY R: 96 dark hours with Najin in reach (24 points) and a call at Najin (20)."""
    gap = {"gap_duration_h": 96.0, "sensitive_ports_reachable": [
        {"country": "PRK", "name": "Najin"}, {"country": "RUS", "name": "Vostochnyy"}]}  # fmt: skip
    frame = pl.DataFrame(
        {
            "event_id": [GAP_EVENT, VISIT_EVENT],
            "type": ["gap", "port_visit"],
            "mmsi": [LADY_R_MMSI, LADY_R_MMSI],
            "start_ts": [datetime(2023, 10, 3, tzinfo=UTC), datetime(2023, 10, 8, tzinfo=UTC)],
            "end_ts": [datetime(2023, 10, 7, tzinfo=UTC), datetime(2023, 10, 9, tzinfo=UTC)],
            "lat": [42.9, 42.24],
            "lon": [132.5, 130.3],
            "port": [None, "Najin"],
            "country": [None, "PRK"],
            "details": [
                json.dumps(gap, sort_keys=True),
                json.dumps({"dwell_h": 24.0, "port_id": "PRK-NAJIN"}, sort_keys=True),
            ],
        }
    )
    return schema.conform(frame, schema.EVENTS)


def make_scored_store(root: Path) -> str:
    make_store(root).replace_events(scored_events())
    return str(root)


@pytest.fixture
def store(tmp_path: Path, database_url: str, backend: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The fleet with scored events; the workspace is its SQLite file or a PostgreSQL one."""
    if backend == "postgresql":
        monkeypatch.setenv("DARKFLEET_DATABASE_URL", database_url)
    else:
        monkeypatch.delenv("DARKFLEET_DATABASE_URL", raising=False)
    return make_scored_store(tmp_path / "store")


def dossier(store: str, capsys: pytest.CaptureFixture[str], query: str = "LADY R") -> dict:
    return json.loads(ok(["vessel", query, "--store", store, "--format", "json"], capsys))


def reasons(found: dict) -> dict[str, dict]:
    return {r["rule"]: r for r in found["risk"]["reasons"]}


def test_disputing_an_event_drops_its_points_and_the_dossier_shows_the_dispute(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = dossier(store, capsys)
    assert before["risk"]["score"] == 44.0
    assert reasons(before)["dark_sanctioned"]["event_ids"] == [GAP_EVENT]
    assert reasons(before)["dark_sanctioned"]["chain_id"] == DARK_CHAIN
    assert (before["sightings"], before["corrections"]) == ([], [])
    ok(["dispute", GAP_EVENT, "--reason", "receiver outage", "--author", "ana",
        "--store", store], capsys)  # fmt: skip
    after = dossier(store, capsys)
    assert after["risk"]["score"] == 20.0
    assert list(reasons(after)) == ["sanctioned_port_visit"]
    [gap] = after["events"]["gap"]
    assert gap["correction"] == {
        "status": "disputed", "version": 1, "author": "ana", "reason": "receiver outage",
    }  # fmt: skip
    assert "correction" not in after["events"]["port_visit"][0]
    [item] = after["corrections"]
    assert (item["item_id"], item["kind"], item["type"], item["status"]) == (
        GAP_EVENT, "event", "gap", "disputed",
    )  # fmt: skip
    [version] = item["versions"]
    assert (version["action"], version["author"], version["reason"], version["changes"]) == (
        "dispute", "ana", "receiver outage", [],
    )  # fmt: skip
    assert version["recorded"].endswith("Z")
    ranked = json.loads(ok(["vessels", "--store", store, "--format", "json"], capsys))
    assert (ranked[0]["mmsi"], ranked[0]["risk"]["score"]) == (LADY_R_MMSI, 20.0)
    table = ok(["vessel", "LADY R", "--store", store], capsys)
    assert f"{GAP_EVENT} (disputed)" in table
    assert "receiver outage" in table
    assert VISIT_CHAIN in table
    assert DARK_CHAIN not in table


def test_a_corrected_event_counts_with_its_corrected_values_and_keeps_its_history(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(["correct", VISIT_EVENT, "--set", "port=Vostochnyy", "--set", "country=RUS",
        "--reason", "berth is Vostochny's", "--author", "ben", "--store", store], capsys)  # fmt: skip
    found = dossier(store, capsys)
    assert found["risk"]["score"] == 24.0  # the Najin call is now a Russian one
    assert "sanctioned_port_visit" not in reasons(found)
    [visit] = found["port_visits"]
    assert (visit["port"], visit["country"], visit["correction"]["status"]) == (
        "Vostochnyy", "RUS", "corrected",
    )  # fmt: skip
    [item] = found["corrections"]
    assert item["versions"][0]["changes"] == [
        {"field": "country", "from": "PRK", "to": "RUS"},
        {"field": "port", "from": "Najin", "to": "Vostochnyy"},
    ]
    # moving the event to another vessel moves its points; both dossiers show the history
    ok(["correct", VISIT_EVENT, "--set", f"mmsi={ANGARA_MMSI}", "--set", "country=PRK",
        "--reason", "it was ANGARA", "--author", "cleo", "--store", store], capsys)  # fmt: skip
    lady_r, angara = dossier(store, capsys), dossier(store, capsys, str(ANGARA_MMSI))
    assert lady_r["risk"]["score"] == 24.0
    assert "port_visit" not in lady_r["events"]
    assert [v["changes"] for v in lady_r["corrections"][0]["versions"]][1] == [
        {"field": "country", "from": "RUS", "to": "PRK"},
        {"field": "mmsi", "from": LADY_R_MMSI, "to": ANGARA_MMSI},
    ]
    assert reasons(angara)["sanctioned_port_visit"]["event_ids"] == [VISIT_EVENT]
    assert [c["version"] for c in angara["corrections"]] == [2]


def test_correcting_a_sighting_changes_the_dossier(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sighting_id = ok(
        ["sightings", "add", "--vessel", "LADY R (IMO 9161003)", "--time", "2023-10-05T06:30Z",
         "--port", "Rajin", "--source", "Maxar", "--confidence", "high", "--author", "ana",
         "--store", store],
        capsys,
    ).strip()  # fmt: skip
    [seen] = dossier(store, capsys)["sightings"]
    assert (seen["sighting_id"], seen["status"], seen["version"]) == (sighting_id, "original", 1)
    assert (seen["port_id"], seen["start"], seen["confidence"]) == (
        "PRK-NAJIN", "2023-10-05T06:30:00Z", "high",
    )  # fmt: skip
    assert dossier(store, capsys)["corrections"] == []
    ok(["correct", sighting_id, "--set", "time=2023-10-05T07:00Z", "--set", "confidence=low",
        "--reason", "second pass", "--author", "ben", "--store", store], capsys)  # fmt: skip
    found = dossier(store, capsys)
    [seen] = found["sightings"]
    assert (seen["status"], seen["version"], seen["start"], seen["confidence"]) == (
        "corrected", 2, "2023-10-05T07:00:00Z", "low",
    )  # fmt: skip
    [item] = found["corrections"]
    assert (item["kind"], item["status"]) == ("sighting", "corrected")
    assert [(v["action"], v["author"]) for v in item["versions"]] == [
        ("add", "ana"), ("correct", "ben"),
    ]  # fmt: skip
    assert item["versions"][1]["changes"] == [
        {"field": "confidence", "from": "high", "to": "low"},
        {"field": "end_ts", "from": "2023-10-05T06:30:00Z", "to": "2023-10-05T07:00:00Z"},
        {"field": "start_ts", "from": "2023-10-05T06:30:00Z", "to": "2023-10-05T07:00:00Z"},
    ]
    ok(["dispute", sighting_id, "--reason", "cloud", "--store", store], capsys)
    [seen] = dossier(store, capsys)["sightings"]
    assert (seen["status"], seen["version"]) == ("disputed", 3)
    table = ok(["vessel", "LADY R", "--store", store], capsys)
    assert sighting_id in table
    assert "disputed v3" in table
    assert "confidence: high -> low" in table


def test_explain_a_risk_reason_prints_its_chain(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    chain = json.loads(ok(["explain", DARK_CHAIN, "--store", store, "--format", "json"], capsys))
    assert (chain["chain_id"], chain["mmsis"], chain["rule"]) == (
        DARK_CHAIN, [LADY_R_MMSI], "dark_sanctioned",
    )  # fmt: skip
    assert (chain["reason"]["points"], chain["reason"]["units"]) == (24.0, 96.0)
    weights = chain["weights"]
    assert (weights["points_field"], weights["points"]) == ("dark_sanctioned_points_per_h", 0.25)
    assert (weights["max_field"], weights["max_points"]) == ("dark_sanctioned_max_points", 40.0)
    assert [f["event_id"] for f in chain["findings"]] == [GAP_EVENT]
    [event] = chain["events"]
    assert event["event"]["event_id"] == GAP_EVENT
    assert set(event) == {"event", "detector", "positions", "sightings", "missing_sighting_ids"}
    table = ok(["explain", DARK_CHAIN, "--store", store], capsys)
    assert f"Risk reason {DARK_CHAIN}" in table
    assert "dark_sanctioned_points_per_h = 0.25" in table
    assert f"Evidence 1 of 1: event {GAP_EVENT}" in table
    # a corrected event is explained as scored; a disputed one leaves the chain
    ok(["correct", VISIT_EVENT, "--set", "port=Rajin", "--reason", "alias", "--store", store],
       capsys)  # fmt: skip
    chain = json.loads(ok(["explain", VISIT_CHAIN, "--store", store, "--format", "json"], capsys))
    assert chain["events"][0]["event"]["port"] == "Rajin"
    assert chain["events"][0]["event"]["correction"]["status"] == "corrected"
    ok(["dispute", GAP_EVENT, "--reason", "outage", "--store", store], capsys)
    code, _, err = run(["explain", DARK_CHAIN, "--store", store], capsys)
    assert code == 2
    assert err.startswith(
        f"Error: '{DARK_CHAIN}': rule 'dark_sanctioned' gives this vessel no points (its "
        f"reasons: {VISIT_CHAIN})"
    )


@pytest.mark.parametrize(
    ("chain_id", "message"),
    [
        ("risk:abc:shuttle", "Error: 'risk:abc:shuttle': 'abc' is not an MMSI (1 to 9 digits)"),
        ("risk:273610000", "Error: 'risk:273610000' is not a risk reason id; write risk:<mmsi>"),
        (
            "risk:273610000:dark_sanctiond",
            "Error: 'risk:273610000:dark_sanctiond': 'dark_sanctiond' is not a risk rule; did "
            "you mean 'dark_sanctioned'?",
        ),
        (
            "risk:999999999:shuttle",
            "Error: 'risk:999999999:shuttle': no vessel with MMSI 999999999",
        ),
        (
            f"risk:{LADY_R_MMSI}:shuttle",
            f"Error: 'risk:{LADY_R_MMSI}:shuttle': rule 'shuttle' gives this vessel no points "
            f"(its reasons: {DARK_CHAIN}, {VISIT_CHAIN})",
        ),
    ],
)
def test_bad_risk_reason_ids_are_refused_with_the_fix(
    store: str, chain_id: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["explain", chain_id, "--store", store], capsys)
    assert (code, out) == (2, "")
    assert err.startswith(message)


def test_without_a_workspace_nothing_is_created_and_events_count_as_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DARKFLEET_DATABASE_URL", raising=False)
    store = make_scored_store(tmp_path / "store")
    found = dossier(store, capsys)
    assert found["risk"]["score"] == 44.0
    assert (found["sightings"], found["corrections"]) == ([], [])
    assert all("correction" not in e for es in found["events"].values() for e in es)
    ok(["vessels", "--store", store], capsys)
    ok(["explain", DARK_CHAIN, "--store", store], capsys)
    assert not (tmp_path / "store" / "workspace.sqlite").exists()
    assert ParquetStore(Path(store), create=False).scan("events").collect().height == 2


def test_the_dossier_and_the_chain_are_the_same_on_every_read(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(["dispute", VISIT_EVENT, "--reason", "outage", "--store", store], capsys)
    ok(["correct", GAP_EVENT, "--set", "lat=42.8", "--reason", "fix", "--store", store], capsys)
    reads = [
        ok(["vessel", "LADY R", "--store", store, "--format", "json"], capsys),
        ok(["explain", DARK_CHAIN, "--store", store, "--format", "json"], capsys),
        ok(["vessels", "--store", store, "--format", "json"], capsys),
    ]
    again = [
        ok(["vessel", "LADY R", "--store", store, "--format", "json"], capsys),
        ok(["explain", DARK_CHAIN, "--store", store, "--format", "json"], capsys),
        ok(["vessels", "--store", store, "--format", "json"], capsys),
    ]
    assert reads == again
    assert json.loads(reads[0])["events"]["gap"][0]["lat"] == 42.8


def test_a_confirmed_call_whose_sighting_is_disputed_counts_as_possible(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sighting_id = ok(
        ["sightings", "add", "--vessel", "LADY R", "--time", "2023-10-05T06:30Z", "--port",
         "Rajin", "--source", "Maxar", "--store", store],
        capsys,
    ).strip()  # fmt: skip
    details = {"gap_event_id": GAP_EVENT, "port_id": "PRK-NAJIN", "sighting_ids": [sighting_id],
               "status": "confirmed"}  # fmt: skip
    call = (
        scored_events()
        .head(1)
        .with_columns(
            pl.lit("c" * 20).alias("event_id"),
            pl.lit("dark_port_call").alias("type"),
            pl.lit("Najin").alias("port"),
            pl.lit("PRK").alias("country"),
            pl.lit(json.dumps(details, sort_keys=True)).alias("details"),
        )
    )
    ParquetStore(Path(store), create=False).replace_events(call, types=["dark_port_call"])
    before = dossier(store, capsys)
    assert reasons(before)["dark_port_call_confirmed"]["points"] == 25.0
    assert before["port_visits"][0]["confirmation_disputed"] is False
    ok(["dispute", sighting_id, "--reason", "wrong pier", "--store", store], capsys)
    after = dossier(store, capsys)
    assert "dark_port_call_confirmed" not in reasons(after)
    assert reasons(after)["dark_port_call"]["event_ids"] == ["c" * 20]
    assert after["risk"]["score"] == before["risk"]["score"] - 15.0
    call_record = next(v for v in after["port_visits"] if v["type"] == "dark_port_call")
    assert (call_record["status"], call_record["confirmation_disputed"]) == ("confirmed", True)
    assert call_record["sighting_ids"] == [sighting_id]
    table = ok(["vessel", "LADY R", "--store", store], capsys)
    assert "confirmed (sightings disputed: counts as possible)" in table


def test_a_dark_port_call_of_a_disputed_gap_gives_no_points(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    details = {"gap_event_id": GAP_EVENT, "port_id": "PRK-NAJIN", "sighting_ids": [],
               "status": "possible"}  # fmt: skip
    call = (
        scored_events()
        .head(1)
        .with_columns(
            pl.lit("c" * 20).alias("event_id"),
            pl.lit("dark_port_call").alias("type"),
            pl.lit("Najin").alias("port"),
            pl.lit(json.dumps(details, sort_keys=True)).alias("details"),
        )
    )
    ParquetStore(Path(store), create=False).replace_events(call, types=["dark_port_call"])
    before = dossier(store, capsys)
    assert reasons(before)["dark_port_call"]["event_ids"] == ["c" * 20]
    assert before["port_visits"][0]["gap_disputed"] is False
    ok(["dispute", GAP_EVENT, "--reason", "receiver outage", "--store", store], capsys)
    after = dossier(store, capsys)
    assert set(reasons(after)) == {"sanctioned_port_visit"}
    assert after["risk"]["score"] == 20.0
    call_record = next(v for v in after["port_visits"] if v["type"] == "dark_port_call")
    assert (call_record["gap_event_id"], call_record["gap_disputed"]) == (GAP_EVENT, True)
    assert "correction" not in call_record  # the call itself was not disputed
    table = ok(["vessel", "LADY R", "--store", store], capsys)
    assert "possible (gap disputed: no points)" in table


def test_a_bad_database_url_stops_the_dossier_instead_of_ignoring_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = make_scored_store(tmp_path / "store")
    monkeypatch.setenv("DARKFLEET_DATABASE_URL", "nonsense")
    for args in (["vessel", "LADY R"], ["vessels"], ["explain", DARK_CHAIN]):
        code, out, err = run([*args, "--store", store], capsys)
        assert (code, out) == (2, "")
        assert err.startswith("Error: $DARKFLEET_DATABASE_URL: 'nonsense' is not a database URL")
