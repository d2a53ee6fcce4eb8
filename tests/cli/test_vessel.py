"""End-to-end: `darkfleet vessel` dossiers and `darkfleet vessels` ranking on a small store."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from darkfleet import schema
from darkfleet.cli.main import main
from darkfleet.store import ParquetStore
from tests.cli.test_detect import ok, run
from tests.nmea_scenario import SEA, T0, _position, _static

LADY_R, RED_STAR, MARIA_A, MARIA_B = 273_100_001, 445_100_001, 273_100_002, 351_100_003
MATCH_ID = "sanctions-lady-r-0001"


def _lines() -> list[str]:
    """Four vessels at sea, reporting every 10 min for 3 h, each with two static reports."""
    vessels = [
        (LADY_R, "LADY R", 9_161_003, 0.0),
        (RED_STAR, "[RED] STAR", 9_000_003, 0.5),
        (MARIA_A, "MARIA", 9_181_663, 1.0),
        (MARIA_B, "MARIA", 9_179_842, 1.5),
    ]
    rows = []
    for i, (mmsi, name, imo, offset) in enumerate(vessels):
        for step in range(19):
            ts = T0 + timedelta(minutes=10 * step)
            rows.append((ts, _position(mmsi, ts, SEA[0] + offset, SEA[1], 8.0)))
        for k in range(2):
            ts = T0 + timedelta(minutes=5 + 60 * k)
            rows.append((ts, _static(mmsi, ts, name, 1 + i * 2 + k, imo=imo, callsign=f"AB{i}")))
    rows.sort(key=lambda row: row[0])
    return [line for _, lines in rows for line in lines]


def _add_sanctions_match(store_dir: Path) -> None:
    """A sanctions_match event as the screening step writes it (COMMON.md contract)."""
    details = {
        "list": "demo",
        "entry_id": "demo-lady-r",
        "entry_name": "LADY R",
        "matched_on": "imo",
        "match_score": 100,
        "corroboration": ["imo", "name"],
        "entry_imo": 9_161_003,
        "entry_mmsi": None,
        "entry_flag": "PAN",
        "programs": ["RUSSIA-EO14024"],
        "source_url": None,
    }
    event = pl.DataFrame(
        {
            "event_id": [MATCH_ID],
            "type": ["sanctions_match"],
            "mmsi": [LADY_R],
            "start_ts": [T0],
            "end_ts": [T0 + timedelta(hours=3)],
            "score": [1.0],
            "details": [json.dumps(details, sort_keys=True)],
        }
    )
    store = ParquetStore(store_dir, create=False)
    store.replace_events(schema.conform(event, schema.EVENTS), types=["sanctions_match"])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("vessel")
    feed = folder / "feed.nmea"
    feed.write_text("\n".join(_lines()) + "\n")
    root = folder / "store"
    for args in (
        ["ingest", str(feed), "--store", str(root), "--no-progress"],
        ["detect", "--store", str(root), "--no-progress", "--summary", "json"],
    ):
        with pytest.raises(SystemExit) as info:
            main(args)
        assert info.value.code == 0
    _add_sanctions_match(root)
    return root


def test_dossier_json_has_identity_events_sanctions_and_risk_with_evidence(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dossier = json.loads(
        ok(["vessel", "LADY R", "--store", str(store), "--format", "json"], capsys)
    )
    assert {"identity", "events", "sanctions", "risk", "links", "port_visits"} <= set(dossier)
    assert (dossier["matched_on"], dossier["mmsis"], dossier["imos"]) == (
        "name",
        [LADY_R],
        [9_161_003],
    )
    names = [p for p in dossier["identity"]["periods"] if p["field"] == "name"]
    assert [(p["value"], p["reports"]) for p in names] == [("LADY R", 2)]
    assert names[0]["first_seen"] == "2023-10-01T00:05:00Z"
    assert names[0]["last_seen"] == "2023-10-01T01:05:00Z"
    assert names[0]["first_line_no"] < names[0]["last_line_no"]
    flags = [p["value"] for p in dossier["identity"]["periods"] if p["field"] == "flag"]
    assert flags == ["RUS"]
    assert [(p["imo"], p["mmsi"], p["flag"]) for p in dossier["identity"]["imo_pairings"]] == [
        (9_161_003, LADY_R, "RUS")
    ]
    assert dossier["events"]["sanctions_match"][0]["event_id"] == MATCH_ID
    [match] = dossier["sanctions"]
    assert (match["event_id"], match["entry_name"], match["entry_flag"]) == (
        MATCH_ID,
        "LADY R",
        "PAN",
    )
    risk = dossier["risk"]
    assert risk["score"] == 70.0
    assert [(r["rule"], r["points"], r["event_ids"]) for r in risk["reasons"]] == [
        ("sanctions_match", 60.0, [MATCH_ID]),
        ("sanctions_flag_mismatch", 10.0, [MATCH_ID]),
    ]
    assert len(risk["params_fingerprint"]) == 16


def test_an_imo_query_with_or_without_prefix_gives_the_same_dossier(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    by_name = json.loads(
        ok(["vessel", "LADY R", "--store", str(store), "--format", "json"], capsys)
    )
    for query in ("IMO 9161003", "9161003", str(LADY_R)):
        dossier = json.loads(
            ok(["vessel", query, "--store", str(store), "--format", "json"], capsys)
        )
        assert dossier["risk"] == by_name["risk"]
        assert dossier["identity"] == by_name["identity"]


def test_a_dprk_flagged_vessel_scores_its_flag_with_the_reports_behind_it(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dossier = json.loads(
        ok(["vessel", str(RED_STAR), "--store", str(store), "--format", "json"], capsys)
    )
    [reason] = dossier["risk"]["reasons"]
    assert (reason["rule"], reason["points"], dossier["risk"]["score"]) == (
        "sanctioned_flag",
        30.0,
        30.0,
    )
    [period] = reason["periods"]
    assert (period["mmsi"], period["field"], period["value"]) == (RED_STAR, "flag", "PRK")
    assert period["first_line_no"] <= period["last_line_no"]


def test_the_table_shows_names_with_brackets_as_they_are(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = ok(["vessel", "RED STAR", "--store", str(store)], capsys)
    assert "[RED] STAR" in out
    assert "Risk reasons" in out
    assert "sanctioned_flag" in out
    assert "Identity timeline" in out
    assert "Sanctions matches: none" in out


def test_an_ambiguous_name_lists_the_candidates_and_exits_2(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["vessel", "maria", "--store", str(store)], capsys)
    assert code == 2
    assert out == ""
    assert "'maria' fits 2 vessels; pick one and give its MMSI or IMO" in err
    assert f"{MARIA_A}  IMO 9181663" in err
    assert f"{MARIA_B}  IMO 9179842" in err


def test_nothing_found_exits_2_with_a_clear_message(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["vessel", "IMO 9999993", "--store", str(store)], capsys)
    assert code == 2
    assert "Error: no vessel in the store reported IMO 9999993" in err
    code, _, err = run(["vessel", "QUEEN MARY", "--store", str(store)], capsys)
    assert code == 2
    assert "no vessel named like 'QUEEN MARY'" in err


def test_vessels_sort_risk_lists_the_riskiest_first(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = json.loads(ok(["vessels", "--store", str(store), "--format", "json"], capsys))
    assert [v["mmsi"] for v in listed] == [LADY_R, RED_STAR, MARIA_A, MARIA_B]
    assert [v["risk"]["score"] for v in listed] == [70.0, 30.0, 0.0, 0.0]
    assert listed[0]["risk"]["reasons"][0]["event_ids"] == [MATCH_ID]
    assert listed[2]["risk"]["reasons"] == []
    by_name = json.loads(
        ok(["vessels", "--store", str(store), "--format", "json", "--sort", "name"], capsys)
    )
    assert [v["name"] for v in by_name] == ["LADY R", "MARIA", "MARIA", "[RED] STAR"]
    limited = json.loads(
        ok(["vessels", "--store", str(store), "--format", "json", "--limit", "1"], capsys)
    )
    assert [v["mmsi"] for v in limited] == [LADY_R]


def test_vessels_csv_and_table(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = ok(["vessels", "--store", str(store), "--format", "csv", "--sort", "mmsi"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [int(r["mmsi"]) for r in rows] == sorted([LADY_R, RED_STAR, MARIA_A, MARIA_B])
    lady = next(r for r in rows if int(r["mmsi"]) == LADY_R)
    assert (lady["risk_score"], lady["reasons"]) == (
        "70.0",
        "sanctions_match 60; sanctions_flag_mismatch 10",
    )
    table = ok(["vessels", "--store", str(store)], capsys)
    assert "4 of 4 vessels, by risk" in table
    assert table.index("LADY R") < table.index("[RED] STAR") < table.index("MARIA")


def test_risk_weights_from_a_config_file_change_the_dossier(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "darkfleet.toml"
    config.write_text("[risk]\nsanctions_match_points = 50\nsanctions_flag_mismatch_points = 0\n")
    dossier = json.loads(
        ok(
            [
                "vessel",
                "LADY R",
                "--store",
                str(store),
                "--config",
                str(config),
                "--format",
                "json",
            ],
            capsys,
        )
    )
    assert dossier["risk"]["score"] == 50.0
    bad = tmp_path / "bad.toml"
    bad.write_text("[risk]\nsanctions_match_points = 500\n")
    code, _, err = run(["vessels", "--store", str(store), "--config", str(bad)], capsys)
    assert code == 2
    assert "risk.sanctions_match_points must be >= 0 and <= 100.0 points, got 500" in err
    assert str(bad) in err


def test_a_missing_store_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["vessels", "--store", str(tmp_path / "nowhere")], capsys)
    assert code == 4
    assert "Error:" in err


def test_each_reason_names_its_chain_and_explain_follows_it_to_the_raw_lines(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dossier = json.loads(
        ok(["vessel", "LADY R", "--store", str(store), "--format", "json"], capsys)
    )
    assert [r["chain_id"] for r in dossier["risk"]["reasons"]] == [
        f"risk:{LADY_R}:sanctions_match",
        f"risk:{LADY_R}:sanctions_flag_mismatch",
    ]
    listed = json.loads(ok(["vessels", "--store", str(store), "--format", "json"], capsys))
    assert listed[0]["risk"]["reasons"][0]["chain_id"] == f"risk:{LADY_R}:sanctions_match"
    table = ok(["vessel", "LADY R", "--store", str(store)], capsys)
    assert f"risk:{LADY_R}:sanctions_flag_mismatch" in table
    chain_id = f"risk:{LADY_R}:sanctions_match"
    chain = json.loads(ok(["explain", chain_id, "--store", str(store), "--format", "json"], capsys))
    assert chain["reason"] == dossier["risk"]["reasons"][0]
    assert chain["weights"]["points_field"] == "sanctions_match_points"
    assert (chain["weights"]["is_once"], chain["weights"]["max_field"]) == (True, None)
    [event] = chain["events"]
    assert event["event"]["event_id"] == MATCH_ID
    # the event's positions with the raw NMEA lines, as `darkfleet explain EVENT_ID` shows
    single = json.loads(
        ok(["explain", MATCH_ID, "--store", str(store), "--format", "json"], capsys)
    )
    assert event["positions"] == single["positions"]
    assert len(event["positions"]) == 19
    assert all("!AIVDM" in p["raw"] for p in event["positions"])
    out = ok(["explain", chain_id, "--store", str(store)], capsys)
    assert f"Evidence 1 of 1: event {MATCH_ID}" in out
    assert "19 positions behind it" in out
    assert "sanctions_match_points = 60" in out


def test_explain_a_flag_reason_shows_the_reports_behind_the_flag(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chain_id = f"risk:{RED_STAR}:sanctioned_flag"
    chain = json.loads(ok(["explain", chain_id, "--store", str(store), "--format", "json"], capsys))
    assert chain["events"] == []
    [period] = chain["periods"]
    assert (period["mmsi"], period["field"], period["value"]) == (RED_STAR, "flag", "PRK")
    assert period["first_file"].endswith("feed.nmea")
    assert "!AIVDM" in period["first_raw"]
    assert "!AIVDM" in period["last_raw"]
    out = ok(["explain", chain_id, "--store", str(store)], capsys)
    assert "Identity periods behind it" in out
    assert "sanctioned_flag_points = 30" in out


def test_explain_a_reason_uses_the_weights_of_the_config_file(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "darkfleet.toml"
    config.write_text("[risk]\nsanctions_match_points = 50\n")
    chain = json.loads(
        ok(["explain", f"risk:{LADY_R}:sanctions_match", "--store", str(store), "--config",
            str(config), "--format", "json"], capsys)
    )  # fmt: skip
    assert (chain["reason"]["points"], chain["weights"]["points"]) == (50.0, 50.0)
