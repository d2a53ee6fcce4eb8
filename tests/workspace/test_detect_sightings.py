"""Sightings reach detection: ingest, sight the vessel at Najin inside its gap, detect,
explain, dispute, detect again; on SQLite (the store's default) and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from darkfleet.cli.main import main
from darkfleet.store import ParquetStore
from tests.nmea_scenario import GAP_START, SHUTTLE, write_dark_call_feed

SOURCE = "Commercial optical satellite image, analyst review"
SEEN_AT = GAP_START + timedelta(hours=30)


def ok(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    assert info.value.code == 0, err
    return out


def detect(store: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    out = ok(["detect", "--store", str(store), "--summary", "json", "--no-progress"], capsys)
    return json.loads(out)


def najin_call(store: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    out = ok(
        ["events", "--store", str(store), "--type", "dark_port_call", "--format", "jsonl"], capsys
    )
    calls = [json.loads(line) for line in out.splitlines()]
    assert {c["mmsi"] for c in calls} == {SHUTTLE}
    (call,) = [c for c in calls if c["details"]["port_id"] == "PRK-NAJIN"]
    others = [c for c in calls if c is not call]
    assert all(c["details"]["status"] == "possible" for c in others)  # only Najin was seen
    return call


@pytest.fixture
def store(tmp_path: Path, database_url: str, backend: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty store; the workspace is its SQLite file or a PostgreSQL database."""
    if backend == "postgresql":
        monkeypatch.setenv("DARKFLEET_DATABASE_URL", database_url)
    else:
        monkeypatch.delenv("DARKFLEET_DATABASE_URL", raising=False)
    return tmp_path / "store"


def test_a_sighting_confirms_the_call_and_its_dispute_takes_it_back(
    store: Path, tmp_path: Path, backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = write_dark_call_feed(tmp_path / "feed")
    ok(["ingest", str(feed), "--store", str(store), "--no-progress"], capsys)
    summary = detect(store, capsys)
    # no workspace yet: no sightings, no error, and no SQLite file made by detect
    assert summary["sightings"] == {
        "workspace": backend == "postgresql",
        "current": 0,
        "confirmed_calls": 0,
    }
    assert not (store / "workspace.sqlite").exists()
    possible = najin_call(store, capsys)
    assert possible["details"]["status"] == "possible"
    assert possible["details"]["sighting_ids"] == []
    assert possible["start"] == "2023-10-10T02:00:00Z"

    sighting_id = ok(
        ["sightings", "add", "--vessel", "LADY R (IMO 9161003)",
         "--time", SEEN_AT.isoformat().replace("+00:00", "Z"), "--port", "Rajin",
         "--source", SOURCE, "--observation", "cargo ship at the container pier",
         "--confidence", "high", "--author", "ana", "--store", str(store)],
        capsys,
    ).strip()  # fmt: skip
    summary = detect(store, capsys)
    assert summary["mode"] == "full"  # new sightings rerun dark_port_call (and shuttle)
    assert summary["sightings"] == {"workspace": True, "current": 1, "confirmed_calls": 1}
    confirmed = najin_call(store, capsys)
    assert confirmed["event_id"] == possible["event_id"]  # the same (gap, port), now seen
    assert confirmed["details"]["status"] == "confirmed"
    assert confirmed["details"]["sighting_ids"] == [sighting_id]
    assert detect(store, capsys)["mode"] == "up_to_date"

    explained = json.loads(
        ok(["explain", confirmed["event_id"], "--store", str(store), "--format", "json"], capsys)
    )
    (record,) = explained["sightings"]
    assert explained["missing_sighting_ids"] == []
    assert {k: record[k] for k in ("sighting_id", "start_ts", "port_id", "source", "author")} == {
        "sighting_id": sighting_id,
        "start_ts": "2023-10-11T08:00:00Z",
        "port_id": "PRK-NAJIN",
        "source": SOURCE,
        "author": "ana",
    }
    assert (record["confidence"], record["status"], record["version"]) == ("high", "original", 1)
    assert record["observation"] == "cargo ship at the container pier"
    assert {p["mmsi"] for p in explained["positions"]} == {SHUTTLE}  # the gap's edges
    table = ok(["explain", confirmed["event_id"], "--store", str(store)], capsys)
    sightings_part = table.split("sightings behind it")[1]
    for text in (sighting_id, "Najin (PRK-NAJIN)", "2023-10-11T08:00:00Z", "high", "ana"):
        assert text in sightings_part
    assert "!AIVDM,1,1" in table.split("sightings behind it")[0]  # raw lines of the gap's edges

    if backend == "sqlite":  # explain without the workspace that confirmed the call
        (store / "workspace.sqlite").rename(tmp_path / "aside.sqlite")
        args = ["explain", confirmed["event_id"], "--store", str(store)]
        assert json.loads(ok([*args, "--format", "json"], capsys))["missing_sighting_ids"] == [
            sighting_id
        ]
        assert f"Sighting {sighting_id} is not in this workspace" in ok(args, capsys)
        assert not (store / "workspace.sqlite").exists()  # explain made none
        (tmp_path / "aside.sqlite").rename(store / "workspace.sqlite")

    ok(["dispute", sighting_id, "--reason", "wrong pier", "--store", str(store)], capsys)
    summary = detect(store, capsys)
    assert summary["sightings"] == {"workspace": True, "current": 0, "confirmed_calls": 0}
    back = najin_call(store, capsys)
    assert (back["event_id"], back["details"]["status"]) == (possible["event_id"], "possible")
    assert back["details"]["sighting_ids"] == []

    # a correction resolves the dispute: the latest version counts, so it confirms again
    ok(
        ["correct", sighting_id, "--set", "confidence=medium", "--reason", "second image",
         "--store", str(store)],
        capsys,
    )  # fmt: skip
    assert detect(store, capsys)["sightings"]["confirmed_calls"] == 1
    again = najin_call(store, capsys)
    assert (again["details"]["status"], again["details"]["sighting_ids"]) == (
        "confirmed",
        [sighting_id],
    )


def test_detect_stops_when_the_named_workspace_cannot_be_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # rather than run without the team's sightings and silently unconfirm their calls
    store = tmp_path / "store"
    ok(
        ["ingest", str(write_dark_call_feed(tmp_path)), "--store", str(store), "--no-progress"],
        capsys,
    )
    monkeypatch.setenv("DARKFLEET_DATABASE_URL", "nonsense")
    with pytest.raises(SystemExit) as info:
        main(["detect", "--store", str(store), "--no-progress"])
    assert info.value.code == 2
    assert (
        "Error: $DARKFLEET_DATABASE_URL: 'nonsense' is not a database URL"
        in capsys.readouterr().err
    )
    assert ParquetStore(store, create=False).read_detect_state() is None  # nothing detected
