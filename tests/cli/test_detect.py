"""End-to-end: ingest a generated NMEA scenario, detect, list and explain events."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from darkfleet.cli.main import main
from tests.nmea_scenario import DARK, MEET_A, MEET_B, write_scenario

REQUIRED = {"event_id", "type", "mmsi", "start", "end", "lat", "lon"}
OPTIONAL = {"other_mmsi", "port", "country", "score", "details"}


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


def ok(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run(args, capsys)
    assert code == 0, err
    return out


def ingest(paths: list[Path], store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ok(["ingest", *map(str, paths), "--store", str(store), "--no-progress"], capsys)


def detect(store: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    return json.loads(ok(["detect", "--store", str(store), "--summary", "json", *extra], capsys))


def jsonl(store: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict]:
    out = ok(["events", "--store", str(store), "--format", "jsonl", *extra], capsys)
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_scenario(tmp_path_factory.mktemp("nmea"))


@pytest.fixture
def detected(
    scenario: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Path:
    store = tmp_path / "store"
    ingest(list(scenario), store, capsys)
    detect(store, capsys)
    return store


def test_detect_finds_the_planted_gap_near_a_port_and_the_encounter(
    detected: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = jsonl(detected, capsys)
    gaps = [e for e in events if e["type"] == "gap" and e["mmsi"] == DARK]
    assert len(gaps) == 1
    gap = gaps[0]
    assert (gap["start"], gap["end"]) == ("2023-10-01T06:00:00Z", "2023-10-01T18:00:00Z")
    assert gap["details"]["open"] is False
    assert gap["details"]["starts_near_port"] == "Vostochnyy"
    assert "RUS-VOSTOCHNYY" in {p["port_id"] for p in gap["details"]["sensitive_ports_reachable"]}
    encounters = [e for e in events if e["type"] == "encounter"]
    assert [(e["mmsi"], e["other_mmsi"]) for e in encounters] == [(MEET_A, MEET_B)]
    assert encounters[0]["details"]["duration_h"] == pytest.approx(12.0)
    changes = [e for e in events if e["type"] == "identity_change"]
    assert [(c["details"]["old"], c["details"]["new"]) for c in changes] == [("ANGARA", "LADY R")]


def test_events_jsonl_follows_the_event_contract(
    detected: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = ok(["events", "--store", str(detected), "--format", "jsonl"], capsys)
    lines = out.splitlines()
    assert len(lines) >= 4
    records = [json.loads(line) for line in lines]
    for line, record in zip(lines, records, strict=True):
        assert REQUIRED <= set(record) <= REQUIRED | OPTIONAL
        assert list(record) == sorted(record)  # stable key order in the text
        assert line == json.dumps(record, sort_keys=True, ensure_ascii=False)
        assert record["start"].endswith("Z")
        assert record["end"].endswith("Z")
        assert isinstance(record["details"], dict)
        assert all(record[key] is not None for key in OPTIONAL & set(record))
    keys = [(r["start"], r["mmsi"], r["event_id"]) for r in records]
    assert keys == sorted(keys)


def test_events_filters_and_formats(detected: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert {e["type"] for e in jsonl(detected, capsys, "--type", "gap")} == {"gap"}
    # --mmsi matches either side of an encounter
    assert {e["type"] for e in jsonl(detected, capsys, "--mmsi", str(MEET_B))} >= {"encounter"}
    late = jsonl(detected, capsys, "--since", "2023-10-01T19:00Z")
    assert all(e["end"] >= "2023-10-01T19:00:00Z" for e in late)
    boxed = jsonl(detected, capsys, "--bbox", "133.9,39.9,134.1,40.1")
    assert boxed
    assert all(e["mmsi"] in (MEET_A, MEET_B) for e in boxed)
    assert len(jsonl(detected, capsys, "--limit", "1")) == 1
    geo = json.loads(ok(["events", "--store", str(detected), "--format", "geojson"], capsys))
    assert geo["type"] == "FeatureCollection"
    assert {f["geometry"]["type"] for f in geo["features"]} == {"Point"}
    csv_text = ok(["events", "--store", str(detected), "--format", "csv"], capsys)
    assert csv_text.splitlines()[0].startswith("event_id,type,mmsi,start,end,lat,lon")
    table = ok(["events", "--store", str(detected)], capsys)
    assert "encounter" in table


def test_detect_again_without_new_files_does_nothing(
    detected: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (detected / "events" / "events.parquet").read_bytes()
    summary = detect(detected, capsys)
    assert summary["mode"] == "up_to_date"
    assert summary["positions_read"] == 0
    assert (detected / "events" / "events.parquet").read_bytes() == before
    text = ok(["detect", "--store", str(detected)], capsys)
    assert "nothing to do" in text


def test_incremental_detect_equals_detect_over_everything(
    scenario: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path_a, path_b = scenario
    step = tmp_path / "step"
    ingest([path_a], step, capsys)
    assert detect(step, capsys)["mode"] == "full"
    open_gap = [e for e in jsonl(step, capsys, "--type", "gap") if e["mmsi"] == DARK]
    assert [g["details"]["open"] for g in open_gap] == [True]
    ingest([path_b], step, capsys)
    summary = detect(step, capsys)
    assert summary["mode"] == "incremental"
    assert summary["new_files"] == 1
    # dark-leg reasoning looked at the closed gap again (the summary reports its cost)
    assert summary["dark_legs"]["gaps"] >= 1
    assert set(summary["dark_legs"]) == {"gaps", "routes_computed", "routes_reused"}
    closed = [e for e in jsonl(step, capsys, "--type", "gap") if e["mmsi"] == DARK]
    assert [g["details"]["open"] for g in closed] == [False]
    assert closed[0]["event_id"] == open_gap[0]["event_id"]  # same start: same id

    whole = tmp_path / "whole"
    ingest([path_a, path_b], whole, capsys)
    detect(whole, capsys)
    assert jsonl(step, capsys) == jsonl(whole, capsys)
    step_events = pl.read_parquet(step / "events" / "events.parquet")
    whole_events = pl.read_parquet(whole / "events" / "events.parquet")
    assert step_events.equals(whole_events)


def test_changed_parameters_rerun_everything(
    detected: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {e["event_id"] for e in jsonl(detected, capsys, "--type", "gap")}
    summary = detect(detected, capsys, "--set", "gap.min_gap=5h")
    assert summary["mode"] == "full"
    after = {e["event_id"] for e in jsonl(detected, capsys, "--type", "gap")}
    assert after
    assert not before & after  # the fingerprint is part of every id


def test_only_runs_the_named_detectors(
    scenario: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    ingest(list(scenario), store, capsys)
    detect(store, capsys, "--only", "gap,encounter")
    assert {e["type"] for e in jsonl(store, capsys)} == {"gap", "encounter"}


def test_explain_shows_parameters_positions_and_raw_lines(
    detected: Path, scenario: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    gap = next(e for e in jsonl(detected, capsys, "--type", "gap") if e["mmsi"] == DARK)
    out = ok(["explain", gap["event_id"], "--store", str(detected), "--format", "json"], capsys)
    explanation = json.loads(out)
    assert explanation["event"] == gap
    assert explanation["detector"]["params"]["min_gap"] == "6h"
    assert len(explanation["detector"]["fingerprint"]) == 16
    positions = explanation["positions"]
    assert {p["mmsi"] for p in positions} == {DARK}
    assert all("2023-09-30T18" <= p["ts"] <= "2023-10-02T06" for p in positions)
    path_a, path_b = scenario
    lines = {
        str(path_a): path_a.read_text().splitlines(),
        str(path_b): gzip.open(path_b, "rt").read().splitlines(),
    }
    assert {p["file"] for p in positions} == set(lines)  # both files, one of them gzip
    for p in positions:
        assert p["raw"] == lines[p["file"]][p["line_no"] - 1]
    table = ok(["explain", gap["event_id"], "--store", str(detected)], capsys)
    assert "min_gap" in table
    assert "a.nmea:" in table


def test_explain_without_the_input_file_still_lists_file_and_line(
    scenario: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    moved = tmp_path / "moved.nmea"
    shutil.copy(scenario[0], moved)
    store = tmp_path / "store"
    ingest([moved], store, capsys)
    detect(store, capsys)
    moved.unlink()
    event = jsonl(store, capsys, "--type", "encounter")[0]
    out = ok(["explain", event["event_id"], "--store", str(store), "--format", "json"], capsys)
    positions = json.loads(out)["positions"]
    assert {p["mmsi"] for p in positions} == {MEET_A, MEET_B}
    assert all(p["raw"] is None and p["line_no"] >= 1 for p in positions)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["explain", "0123456789abcdef0123"], 2, "no event with id"),
        (["events", "--type", "gapp"], 2, "is not one of"),
        (["events", "--since", "yesterday"], 2, "not an ISO 8601 time"),
        (["events", "--since", "2023-10-01T00:00"], 2, "no UTC offset"),
        (["events", "--bbox", "1,2,3"], 2, "W,S,E,N"),
        (["detect", "--only", "gaps"], 2, "is not one of"),
        (["detect", "--set", "gap.min_gapp=8h"], 2, "did you mean 'min_gap'"),
        (["detect", "--set", "gap.min_gap=-1h"], 2, "min_gap"),
        (["detect", "--as-of", "2023-10-01"], 0, ""),
    ],
)
def test_errors_exit_with_style_codes(
    detected: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    got, _, err = run([*args, "--store", str(detected)], capsys)
    assert got == code, err
    if code:
        assert err.startswith("Error: ")
        assert message in err


def test_missing_store_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["detect"], ["events"], ["explain", "abc"]):
        code, _, err = run([*command, "--store", str(tmp_path / "none")], capsys)
        assert code == 4
        assert "no darkfleet store" in err


def test_bad_config_file_key_and_section_exit_2(
    detected: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_key = tmp_path / "key.toml"
    bad_key.write_text('[detect.gap]\nmin_gapp = "8h"\n')
    code, _, err = run(["detect", "--store", str(detected), "--config", str(bad_key)], capsys)
    assert code == 2
    assert "did you mean 'min_gap'" in err
    bad_section = tmp_path / "section.toml"
    bad_section.write_text('[detect.gaps]\nmin_gap = "8h"\n')
    code, _, err = run(["detect", "--store", str(detected), "--config", str(bad_section)], capsys)
    assert code == 2
    assert "did you mean 'gap'" in err
    code, _, err = run(["config", "show", "--config", str(tmp_path / "none.toml")], capsys)
    assert code == 2
    assert "does not exist" in err


def test_config_show_names_each_values_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "darkfleet.toml"
    config.write_text('[detect.gap]\nmin_gap = "8h"\n')
    out = ok(
        [
            "config",
            "show",
            "--config",
            str(config),
            "--set",
            "encounter.max_distance_m=300",
            "--format",
            "json",
        ],
        capsys,
    )
    rows = {(r["detector"], r["key"]): (r["value"], r["source"]) for r in json.loads(out)}
    assert rows[("gap", "min_gap")] == ("8h", "file")
    assert rows[("encounter", "max_distance_m")] == ("300.0", "flag")
    assert rows[("loitering", "min_duration")] == ("4h", "default")
    assert "min_gap" in ok(["config", "show"], capsys)
