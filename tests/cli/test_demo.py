"""`darkfleet demo` replays the shuttle scenario and puts the shuttle ships first."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from darkfleet.cli.main import main
from darkfleet.store import ParquetStore

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
    assert "shuttle pattern" in reasons
    assert "possible dark port call" in reasons
    encounters = events.filter(pl.col("type") == "encounter")
    pair_mids = {
        (str(a)[:3], str(b)[:3]) for a, b in encounters.select("mmsi", "other_mmsi").iter_rows()
    }
    assert ("273", "445") in pair_mids  # the Russian ship and the DPRK-flagged tanker
