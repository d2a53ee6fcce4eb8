"""Sightings from CSV and JSON on both backends: validation, resolution, idempotence."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from darkfleet import schema
from darkfleet.errors import DecodeError, SchemaError
from darkfleet.fuse.sightings import (
    FieldError,
    add_sighting,
    build_sighting,
    import_sightings,
    read_current_sightings,
    sighting_evidence,
)
from darkfleet.fuse.vessel_mentions import VesselIndex
from darkfleet.store.workspace import Workspace, open_workspace
from tests.workspace._fleet import ANGARA_IMO, ANGARA_MMSI, LADY_R_IMO, LADY_R_MMSI, make_store

RECORDED = datetime(2026, 1, 2, tzinfo=UTC)
GOOD_CSV = """time,start,end,vessel,port,lat,lon,source,observation,confidence
2023-10-05T06:30Z,,,LADY R (IMO 9161003),Rajin,,,Maxar WorldView-3,containers on deck,high
,2023-10-08T00:00Z,2023-10-09T12:00Z,ANGARA,,42.76,133.05,Planet SkySat,"at berth, hatches open",
2023-10-20T03:00+09:00,,,IMO 9191151,Najin,,,Airbus Pleiades,,low
"""


@pytest.fixture(scope="module")
def vessels(tmp_path_factory: pytest.TempPathFactory) -> VesselIndex:
    return VesselIndex.from_store(make_store(tmp_path_factory.mktemp("store") / "s"))


@pytest.fixture
def workspace(database_url: str) -> Iterator[Workspace]:
    with open_workspace(database_url) as opened:
        yield opened


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def do_import(path: Path, workspace: Workspace, vessels: VesselIndex):  # type: ignore[no-untyped-def]
    return import_sightings(path, workspace, vessels, author="ana", recorded_ts=RECORDED)


def test_a_csv_imports_into_the_sightings_contract(
    tmp_path: Path, workspace: Workspace, vessels: VesselIndex
) -> None:
    result = do_import(write(tmp_path, "s.csv", GOOD_CSV), workspace, vessels)
    assert (len(result.added), result.already_present, result.errors) == (3, 0, [])
    assert result.unresolved_mmsi == 1
    frame = read_current_sightings(workspace)
    schema.require(frame, schema.SIGHTINGS, what="sightings")
    assert frame.columns == list(schema.SIGHTINGS)
    rows = frame.to_dicts()
    assert [r["vessel_text"] for r in rows] == ["LADY R (IMO 9161003)", "ANGARA", "IMO 9191151"]
    lady, angara, maia = rows
    assert (lady["mmsi"], lady["imo"], lady["port"], lady["port_id"]) == (
        LADY_R_MMSI, LADY_R_IMO, "Najin", "PRK-NAJIN",
    )  # fmt: skip
    assert lady["start_ts"] == lady["end_ts"] == datetime(2023, 10, 5, 6, 30, tzinfo=UTC)
    assert (lady["lat"], lady["lon"], lady["confidence"]) == (None, None, "high")
    assert (angara["mmsi"], angara["imo"]) == (ANGARA_MMSI, ANGARA_IMO)
    assert (angara["lat"], angara["lon"], angara["port"]) == (42.76, 133.05, None)
    assert angara["end_ts"] == datetime(2023, 10, 9, 12, tzinfo=UTC)
    assert (angara["observation"], angara["confidence"]) == ("at berth, hatches open", "medium")
    assert (maia["mmsi"], maia["imo"]) == (None, 9191151)
    assert maia["start_ts"] == datetime(2023, 10, 19, 18, tzinfo=UTC)  # +09:00 to UTC
    assert all(r["sighting_id"].startswith("sgt-") for r in rows)


def test_reimporting_the_same_file_adds_nothing(
    tmp_path: Path, workspace: Workspace, vessels: VesselIndex
) -> None:
    path = write(tmp_path, "s.csv", GOOD_CSV)
    first = do_import(path, workspace, vessels)
    second = do_import(path, workspace, vessels)
    assert (len(second.added), second.already_present) == (0, 3)
    assert read_current_sightings(workspace)["sighting_id"].sort().to_list() == sorted(first.added)
    assert all(len(workspace.sighting_history(sid)) == 1 for sid in first.added)


def test_the_same_sightings_as_json_get_the_same_ids(
    tmp_path: Path, workspace: Workspace, vessels: VesselIndex
) -> None:
    records = [
        {"time": "2023-10-05T06:30Z", "vessel": "LADY R (IMO 9161003)", "port": "Rajin",
         "source": "Maxar WorldView-3", "observation": "containers on deck", "confidence": "high"},
        {"start": "2023-10-08T00:00Z", "end": "2023-10-09T12:00Z", "vessel": "ANGARA",
         "lat": 42.76, "lon": 133.05, "source": "Planet SkySat",
         "observation": "at berth, hatches open"},
    ]  # fmt: skip
    from_csv = do_import(write(tmp_path, "s.csv", GOOD_CSV), workspace, vessels)
    from_json = do_import(
        write(tmp_path, "s.json", json.dumps({"sightings": records})), workspace, vessels
    )
    assert (len(from_json.added), from_json.already_present) == (0, 2)
    assert len(from_csv.added) == 3


def test_a_row_repeated_in_one_file_is_added_once(
    tmp_path: Path, workspace: Workspace, vessels: VesselIndex
) -> None:
    header, row = GOOD_CSV.splitlines()[:2]
    result = do_import(write(tmp_path, "s.csv", f"{header}\n{row}\n{row}\n"), workspace, vessels)
    assert (len(result.added), result.already_present) == (1, 1)


BAD_ROWS = [
    ("2023-13-05T06:30Z,ANGARA,Rajin,src,", "line 2: field 'time': '2023-13-05T06:30Z' is not an ISO 8601 time"),
    ("2023-10-05T06:30,ANGARA,Rajin,src,", "line 2: field 'time': '2023-10-05T06:30' has no UTC offset; add one"),
    ("2023-10-05T06:30Z,ANGARA,Atlantis,src,", "line 2: field 'port': 'Atlantis' is not a port of the built-in gazetteer"),
    ("2023-10-05T06:30Z,SEA GHOST,Rajin,src,", "line 2: field 'vessel': vessel 'SEA GHOST' matches no name"),
    ("2023-10-05T06:30Z,MARIA,Rajin,src,", "line 2: field 'vessel': vessel 'MARIA' is ambiguous"),
    ("2023-10-05T06:30Z,ANGARA,Rajin,src,sure", "line 2: field 'confidence': 'sure' is not one of low, medium, high"),
    ("2023-10-05T06:30Z,ANGARA,Rajin,,", "line 2: field 'source': missing; say who saw it"),
    (",ANGARA,Rajin,src,", "line 2: field 'time': missing; give time, or start and end"),
    ("2023-10-05T06:30Z,,Rajin,src,", "line 2: field 'vessel': missing; name the vessel"),
    ("2023-10-05T06:30Z,ANGARA,,src,", "line 2: field 'port': missing; say where"),
    ("2023-10-05T06:30Z,ANGARA,Rajin,src,low,extra", "line 2: 6 cells but the header has 5"),
]  # fmt: skip


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_a_bad_row_is_reported_with_file_line_and_field_and_good_rows_still_import(
    tmp_path: Path, workspace: Workspace, vessels: VesselIndex, row: str, message: str
) -> None:
    good = "2023-10-05T06:30Z,LADY R,Rajin,Maxar,high"
    path = write(tmp_path, "s.csv", f"time,vessel,port,source,confidence\n{row}\n{good}\n")
    result = do_import(path, workspace, vessels)
    assert len(result.errors) == 1
    assert result.errors[0].startswith(f"{path}: {message}")
    assert len(result.added) == 1
    assert read_current_sightings(workspace)["mmsi"].to_list() == [LADY_R_MMSI]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"lat": "91", "lon": "130"}, "field 'lat': '91' is outside -90..90 degrees"),
        ({"lat": "42", "lon": "east"}, "field 'lon': 'east' is not a number"),
        ({"lat": "42"}, "field 'lon': missing; give lat and lon together"),
        ({"start": "2023-10-05T00:00Z"}, "field 'end': missing; give both start and end"),
        (
            {"start": "2023-10-05T00:00Z", "end": "2023-10-04T00:00Z"},
            "field 'end': 2023-10-04T00:00Z is before start 2023-10-05T00:00Z",
        ),
        ({"confidance": "low"}, "field 'confidance': unknown field; did you mean 'confidence'?"),
    ],
)
def test_field_errors(vessels: VesselIndex, fields: dict[str, str], message: str) -> None:
    raw: dict[str, str | None] = {"vessel": "ANGARA", "source": "s", "port": None}
    if "start" not in fields:
        raw["time"] = "2023-10-05T00:00Z"
    if "lat" not in fields:
        raw["port"] = "Rajin"
    with pytest.raises(FieldError) as info:
        build_sighting({**raw, **fields}, vessels)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("time,port,source", "line 1 (header): missing column(s) vessel;"),
        ("vessel,port,source", "missing column(s) time (or start and end);"),
        ("time,vessel,source", "missing column(s) port (or lat and lon);"),
        ("time,vessel,port", "missing column(s) source;"),
        ("time,vessel,port,source,note", "unknown column 'note' (did you mean 'notes'?)|unknown column 'note'"),
        ("time,vessel,prot,source", "unknown column 'prot' (did you mean 'port'?)"),
    ],
)  # fmt: skip
def test_a_header_without_required_columns_imports_nothing(
    tmp_path: Path, workspace: Workspace, vessels: VesselIndex, header: str, message: str
) -> None:
    path = write(tmp_path, "s.csv", f"{header}\n1,2,3\n")
    with pytest.raises(SchemaError) as info:
        do_import(path, workspace, vessels)
    assert str(info.value).startswith(f"{path}: ")
    assert any(part in str(info.value) for part in message.split("|"))
    assert "see docs/workspace.md" in str(info.value)
    assert workspace.current_sightings().is_empty()


@pytest.mark.parametrize(
    ("name", "text", "error", "message"),
    [
        ("s.json", "[{", DecodeError, "line 1: not valid JSON"),
        ("s.json", '{"time": 1}', SchemaError, "JSON must be an array of sighting objects"),
        ("s.json", "[1]", SchemaError, "record 1 is not an object"),
        ("s.json", "[]", SchemaError, "holds no sightings"),
        ("s.csv", "time,vessel,port,source\n", SchemaError, "holds no sightings"),
    ],
)
def test_unusable_files_are_refused_whole(
    tmp_path: Path,
    workspace: Workspace,
    vessels: VesselIndex,
    name: str,
    text: str,
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        do_import(write(tmp_path, name, text), workspace, vessels)


def test_a_json_value_that_is_neither_text_nor_number_rejects_its_record(
    tmp_path: Path, workspace: Workspace, vessels: VesselIndex
) -> None:
    records = [
        {"time": "2023-10-05T06:30Z", "vessel": "ANGARA", "port": "Rajin", "source": ["x"]},
        {"time": "2023-10-05T06:30Z", "vessel": "ANGARA", "port": "Rajin", "source": "y"},
    ]
    path = write(tmp_path, "s.json", json.dumps(records))
    result = do_import(path, workspace, vessels)
    assert result.errors == [f"{path}: record 1: field 'source': ['x'] must be text or a number"]
    assert len(result.added) == 1


def test_add_records_one_sighting_once(workspace: Workspace, vessels: VesselIndex) -> None:
    raw = {"vessel": "273630000", "time": "2023-10-05T06:30Z", "lat": "42.25", "lon": "130.29",
           "source": "Planet"}  # fmt: skip
    first = add_sighting(raw, workspace, vessels, author="ana", recorded_ts=RECORDED)
    again = add_sighting(raw, workspace, vessels, author="ben", recorded_ts=RECORDED)
    assert first[0] == again[0]
    assert (first[1], again[1]) == (True, False)
    history = workspace.sighting_history(first[0])
    assert [(v.action, v.author, v.reason) for v in history] == [("add", "ana", "added by hand")]


def test_disputed_sightings_leave_the_contract_frame(
    tmp_path: Path, workspace: Workspace, vessels: VesselIndex
) -> None:
    result = do_import(write(tmp_path, "s.csv", GOOD_CSV), workspace, vessels)
    current = workspace.current_sighting(result.added[0])
    assert current is not None
    workspace.append_sighting_version(
        result.added[0], current[1], action="dispute", status="disputed", author="ben",
        recorded_ts=RECORDED, reason="cloud",
    )  # fmt: skip
    frame = read_current_sightings(workspace)
    assert result.added[0] not in frame["sighting_id"].to_list()
    assert frame.height == 2
    only_angara = read_current_sightings(workspace, mmsis=[ANGARA_MMSI])
    assert only_angara["vessel_text"].to_list() == ["ANGARA"]
    assert workspace.current_sightings().filter(pl.col("status") == "disputed").height == 1


def test_sighting_evidence_shows_current_fields_and_who_recorded_it(
    tmp_path: Path, workspace: Workspace, vessels: VesselIndex
) -> None:
    result = do_import(write(tmp_path, "s.csv", GOOD_CSV), workspace, vessels)
    first, second = result.added[0], result.added[1]
    current = workspace.current_sighting(first)
    assert current is not None
    later = datetime(2026, 1, 3, tzinfo=UTC)
    corrected = replace(current[1], confidence="low")
    workspace.append_sighting_version(
        first, corrected, action="correct", status="corrected", author="ben",
        recorded_ts=later, reason="haze",
    )  # fmt: skip
    records = sighting_evidence(workspace, [second, "sgt-unknown", first])
    assert [r["sighting_id"] for r in records] == [second, first]  # order given, unknown left out
    record = records[1]
    assert (record["author"], record["recorded"]) == ("ana", "2026-01-02T00:00:00Z")
    assert (record["status"], record["version"], record["confidence"]) == ("corrected", 2, "low")
    assert (record["port_id"], record["start_ts"]) == ("PRK-NAJIN", "2023-10-05T06:30:00Z")
    assert record["source"] == "Maxar WorldView-3"
    assert sighting_evidence(workspace, []) == []
