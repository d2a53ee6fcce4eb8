"""`darkfleet demo` replays the shuttle scenario, puts the shuttle ships first and shows a
dark port call at Rajin confirmed by an analyst's sighting next to a possible one."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from darkfleet.cli.main import main
from darkfleet.fuse.sightings import read_current_sightings
from darkfleet.geodesy import haversine_m
from darkfleet.store import ParquetStore
from darkfleet.store.workspace import open_workspace, workspace_url

SHUTTLE_SHIPS = {"ANGARA", "LADY R", "MAIA-1", "MARIA"}


@pytest.mark.slow
def test_demo_finds_the_shuttle_ships_dark_near_dprk_ports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["demo", "--out", str(tmp_path / "demo")])
    assert info.value.code == 0
    out = capsys.readouterr().out
    ranking = out.split("Vessels to look at first")[1].split("Why")[0]
    rows = [line.split("│") for line in ranking.splitlines() if line.strip()[:1].isdigit()]
    top_names = {cells[2].strip() for cells in rows[:4]}
    assert top_names == SHUTTLE_SHIPS  # the four shuttle ships, ahead of everyone else
    scores = [float(cells[4]) for cells in rows]
    assert scores == sorted(scores, reverse=True)
    assert min(scores[:4]) > max(scores[4:])
    reasons = out.split("Why")[1]
    assert "gap with a port of a sanctioned country in reach" in reasons
    assert "Najin" in reasons

    vessels = pl.read_ndjson(tmp_path / "demo" / "vessels.jsonl")
    shuttle_mmsis = vessels.filter(pl.col("role") == "shuttle")["mmsi"].to_list()
    assert len(shuttle_mmsis) == 4
    events = ParquetStore(tmp_path / "demo" / "store", create=False).scan("events").collect()
    for mmsi in shuttle_mmsis:
        gaps = events.filter((pl.col("mmsi") == mmsi) & (pl.col("type") == "gap"))
        assert gaps.height >= 2, mmsi
        reachable = [
            {p["port_id"] for p in json.loads(d)["sensitive_ports_reachable"]}
            for d in gaps["details"].to_list()
        ]
        assert all("PRK-NAJIN" in ports for ports in reachable), mmsi
    # the shuttle ships call at Rajin dark: found through their dark port calls (issue 3/5)
    truth = pl.read_ndjson(tmp_path / "demo" / "truth.jsonl")
    planted = set(truth.filter(pl.col("type") == "shuttle")["mmsi"].to_list())
    shuttles = events.filter(pl.col("type") == "shuttle")
    assert set(shuttles["mmsi"].to_list()) == planted == set(shuttle_mmsis)
    calls = events.filter(pl.col("type") == "dark_port_call")
    assert set(calls["mmsi"].to_list()) == set(shuttle_mmsis)  # none for ordinary traffic
    # every planted dark call has a detected call at that very port over its time
    planted_calls = truth.filter(pl.col("type") == "dark_port_call").with_columns(
        pl.col("start", "end").str.to_datetime(time_zone="UTC")
    )
    assert planted_calls.height >= 4
    for call in planted_calls.iter_rows(named=True):
        candidates = calls.filter(
            (pl.col("mmsi") == call["mmsi"])
            & (pl.col("start_ts") <= call["start"])
            & (pl.col("end_ts") >= call["end"])
        )
        assert candidates.height, call
        distance_km = (
            haversine_m(
                candidates["lat"].to_numpy(), candidates["lon"].to_numpy(), call["lat"], call["lon"]
            )
            / 1000.0
        )
        assert distance_km.min() < 10.0, call  # the planted port itself, not a neighbour
    assert "shuttle pattern" in reasons
    assert "possible dark port call" in reasons
    # the analyst's image of one planted dark call at Najin confirms it (issue 5)
    confirmed = calls.filter(pl.col("details").str.json_path_match("$.status") == "confirmed")
    assert confirmed.height == 1
    call = confirmed.row(0, named=True)
    details = json.loads(call["details"])
    (sighting_id,) = details["sighting_ids"]
    planted = truth.filter((pl.col("type") == "dark_port_call") & (pl.col("port") == "NAJIN"))
    first = planted.sort("start", "mmsi").row(0, named=True)
    assert (call["mmsi"], details["port_id"]) == (first["mmsi"], "PRK-NAJIN")
    call_start, call_end = (
        datetime.fromisoformat(first[key].replace("Z", "+00:00")) for key in ("start", "end")
    )
    assert call["start_ts"] <= call_start
    assert call_end <= call["end_ts"]
    with open_workspace(workspace_url(tmp_path / "demo" / "store", None)) as workspace:
        sightings = read_current_sightings(workspace)
    assert sightings["sighting_id"].to_list() == [sighting_id]
    seen = sightings.row(0, named=True)
    assert call_start <= seen["start_ts"] <= call_end
    assert (seen["mmsi"], seen["port_id"], seen["confidence"]) == (
        call["mmsi"],
        "PRK-NAJIN",
        "high",
    )
    assert "satellite image" in seen["source"]
    section = out.split("Dark port calls")[1].split("What the statement claims")[0]
    rows = [line.split("│") for line in section.splitlines() if "│" in line]
    assert [cells[0].strip() for cells in rows] == ["confirmed", "possible"]
    (confirmed_row, possible_row) = rows
    assert "Najin" in confirmed_row[2]
    assert "Najin" in possible_row[2]
    assert confirmed_row[6].strip() == sighting_id
    assert possible_row[6].strip() == "-"
    assert confirmed_row[7].strip() == details["gap_event_id"]
    assert confirmed_row[4].strip() == f"{details['required_speed_knots']:.1f}"
    assert confirmed_row[8].strip() == call["event_id"]
    assert possible_row[1].strip() in SHUTTLE_SHIPS - {confirmed_row[1].strip()}
    assert f"Sighting {sighting_id}: " in section
    assert "confirmed dark port call: Najin" in reasons
    # the bundled statement's claims, linked to the shuttle ships, with who says so and
    # how sure they are (issue 5)
    said = out.split("What the statement claims")[1].split("Next:")[0]
    claim_rows = [line.split("│") for line in said.splitlines() if "clm-" in line]
    assert {cells[1].strip() for cells in claim_rows} >= {"asserted", "assessed", "unverified"}
    assert {cells[0].strip() for cells in claim_rows} >= {"ANGARA", "MARIA", "MAIA-1", "LADY R"}
    assert "US Department of State" in said
    encounters = events.filter(pl.col("type") == "encounter")
    pair_mids = {
        (str(a)[:3], str(b)[:3]) for a, b in encounters.select("mmsi", "other_mmsi").iter_rows()
    }
    assert ("273", "445") in pair_mids  # the Russian ship and the DPRK-flagged tanker
    # run again in the same folder: the demo's own store is rebuilt, the same findings
    with pytest.raises(SystemExit) as again:
        main(["demo", "--out", str(tmp_path / "demo")])
    assert again.value.code == 0
    rerun = capsys.readouterr()
    assert rerun.out.splitlines()[0] == out.splitlines()[0]  # same lines, events, matches
    assert "replacing the previous demo store" in rerun.err
