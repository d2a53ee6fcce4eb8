"""End to end through the CLI, on SQLite (the store's default) and PostgreSQL."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest

from darkfleet.cli.main import main
from tests.workspace._fleet import GAP_EVENT, LADY_R_MMSI, make_store
from tests.workspace.test_sightings import GOOD_CSV


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


@pytest.fixture
def store(tmp_path: Path, database_url: str, backend: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store with the fleet; the workspace is its SQLite file or a PostgreSQL database."""
    root = tmp_path / "store"
    make_store(root)
    if backend == "postgresql":
        monkeypatch.setenv("DARKFLEET_DATABASE_URL", database_url)
    else:
        monkeypatch.delenv("DARKFLEET_DATABASE_URL", raising=False)
    return str(root)


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "imagery.csv"
    path.write_text(GOOD_CSV)
    return path


def listed(store: str, capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict]:
    return json.loads(
        ok(["sightings", "list", "--store", store, "--format", "json", *extra], capsys)
    )


def test_import_list_and_reimport(
    store: str, csv_file: Path, backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = ok(["sightings", "import", str(csv_file), "--store", store], capsys)
    assert out.strip() == (
        f"{csv_file}: 3 sightings imported, 0 already present, 0 rows rejected; "
        "1 name an IMO the store has no MMSI for"
    )
    again = json.loads(
        ok(["sightings", "import", str(csv_file), "--store", store, "--format", "json"], capsys)
    )
    assert (again["added"], again["already_present"], again["rejected"]) == (0, 3, 0)
    sightings = listed(store, capsys)
    assert [s["vessel_text"] for s in sightings] == [
        "LADY R (IMO 9161003)",
        "ANGARA",
        "IMO 9191151",
    ]
    assert sightings[0]["start"] == "2023-10-05T06:30:00Z"
    assert {s["status"] for s in sightings} == {"original"}
    assert (Path(store) / "workspace.sqlite").exists() == (backend == "sqlite")
    table = ok(["sightings", "list", "--store", store], capsys)
    assert "3 sightings" in table
    assert "LADY R (IMO 9161003)" in table


def test_list_filters_by_vessel(
    store: str, csv_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(["sightings", "import", str(csv_file), "--store", store], capsys)
    for query in ("LADY R", "IMO 9161003", str(LADY_R_MMSI)):
        assert [s["mmsi"] for s in listed(store, capsys, "--vessel", query)] == [LADY_R_MMSI]
    assert [s["imo"] for s in listed(store, capsys, "--vessel", "9191151")] == [9191151]
    code, _, err = run(["sightings", "list", "--store", store, "--vessel", "SEA GHOST"], capsys)
    assert code == 2
    assert err.startswith("Error: --vessel: vessel 'SEA GHOST' matches no name")


def test_bad_rows_are_listed_and_good_rows_imported(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "time,vessel,port,source,confidence\n"
        "2023-10-05T06:30Z,LADY R,Rajin,Maxar,high\n"
        "yesterday,LADY R,Rajin,Maxar,high\n"
        "2023-10-05T06:30Z,LADY R,Atlantis,Maxar,high\n"
    )
    code, out, err = run(["sightings", "import", str(path), "--store", store], capsys)
    assert code == 3
    assert out.startswith(f"{path}: 1 sightings imported, 0 already present, 2 rows rejected")
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"{path}: line 3: field 'time': 'yesterday' is not an ISO 8601")
    assert lines[1].startswith(f"{path}: line 4: field 'port': 'Atlantis' is not a port")
    assert lines[2] == (
        f"Error: {path}: 2 of 3 rows rejected (listed above); fix them and import the file "
        "again (rows already imported are not added twice)"
    )
    assert len(listed(store, capsys)) == 1


def test_a_file_missing_columns_is_an_input_error(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("when,vessel,port,source\n2023-10-05T06:30Z,LADY R,Rajin,Maxar\n")
    code, _, err = run(["sightings", "import", str(path), "--store", store], capsys)
    assert code == 3
    assert err.startswith(
        f"Error: {path}: line 1 (header): missing column(s) time (or start and end); "
        "unknown column 'when'"
    )


def test_add_prints_the_id_and_is_idempotent(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["sightings", "add", "--vessel", "LADY R (IMO 9161003)", "--time", "2023-10-05T06:30Z",
            "--port", "Rason", "--source", "Maxar", "--confidence", "high", "--store", store,
            "--author", "ana"]  # fmt: skip
    sighting_id = ok(args, capsys).strip()
    assert sighting_id.startswith("sgt-")
    code, out, err = run(args, capsys)
    assert (code, out.strip()) == (0, sighting_id)
    assert "already in the workspace; nothing added" in err
    [sighting] = listed(store, capsys)
    assert (sighting["port_id"], sighting["mmsi"]) == ("PRK-NAJIN", LADY_R_MMSI)
    history = json.loads(ok(["history", sighting_id, "--store", store, "--format", "json"], capsys))
    assert [(v["action"], v["author"]) for v in history["versions"]] == [("add", "ana")]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--time", "05/10/2023", "--port", "Rajin"], "Error: --time: '05/10/2023' is not an ISO 8601 time"),
        (["--time", "2023-10-05T06:30Z", "--port", "Atlantis"], "Error: --port: 'Atlantis' is not a port"),
        (["--time", "2023-10-05T06:30Z", "--lat", "42.2"], "Error: --lon: missing; give lat and lon together"),
        (["--port", "Rajin"], "Error: --time: missing; give time, or start and end"),
    ],
)  # fmt: skip
def test_add_errors_name_the_option(
    store: str, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["sightings", "add", "--vessel", "LADY R", "--source", "Maxar", "--store", store]
    code, _, err = run([*args, *extra], capsys)
    assert code == 2
    assert err.startswith(message)


def test_add_an_unresolvable_vessel(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        ["sightings", "add", "--vessel", "MARIA", "--time", "2023-10-05T06:30Z", "--port",
         "Rajin", "--source", "Maxar", "--store", store],
        capsys,
    )  # fmt: skip
    assert code == 2
    assert err.startswith("Error: --vessel: vessel 'MARIA' is ambiguous: 2 vessels")


def test_bad_confidence_is_a_usage_error(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        ["sightings", "add", "--vessel", "LADY R", "--time", "2023-10-05T06:30Z", "--port",
         "Rajin", "--source", "Maxar", "--confidence", "sure", "--store", store],
        capsys,
    )  # fmt: skip
    assert code == 2
    assert "'sure' is not one of 'low', 'medium', 'high'" in err


def test_dispute_correct_and_history_of_a_sighting(
    store: str, csv_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(["sightings", "import", str(csv_file), "--store", store, "--author", "ana"], capsys)
    sighting_id = listed(store, capsys, "--vessel", "LADY R")[0]["sighting_id"]
    out = ok(["dispute", sighting_id, "--reason", "cloud over the pier", "--store", store], capsys)
    assert out.strip() == f"{sighting_id}: disputed (version 2)"
    assert listed(store, capsys, "--vessel", "LADY R")[0]["status"] == "disputed"
    out = ok(
        ["correct", sighting_id, "--set", "confidence=low", "--set", "time=2023-10-05T07:00Z",
         "--reason", "second image", "--store", store, "--author", "cleo"],
        capsys,
    )  # fmt: skip
    assert out.strip() == f"{sighting_id}: corrected (version 3)"
    [current] = listed(store, capsys, "--vessel", "LADY R")
    assert (current["status"], current["version"], current["confidence"]) == ("corrected", 3, "low")
    assert current["start"] == current["end"] == "2023-10-05T07:00:00Z"
    history = json.loads(ok(["history", sighting_id, "--store", store, "--format", "json"], capsys))
    assert history["kind"] == "sighting"
    assert [(v["version"], v["action"], v["status"], v["author"], v["reason"])
            for v in history["versions"]] == [
        (1, "import", "original", "ana", "imported from imagery.csv"),
        (2, "dispute", "disputed", getpass.getuser(), "cloud over the pier"),
        (3, "correct", "corrected", "cleo", "second image"),
    ]  # fmt: skip
    assert history["versions"][0]["fields"]["confidence"] == "high"
    table = ok(["history", sighting_id, "--store", store], capsys)
    assert "3 versions" in table
    assert "confidence=low" in table


def test_dispute_correct_and_history_of_an_event(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(["dispute", GAP_EVENT, "--reason", "receiver outage", "--store", store], capsys)
    ok(["correct", GAP_EVENT, "--set", "port=Rajin", "--set", "country=KP", "--set", "lat=",
        "--reason", "imagery", "--store", store], capsys)  # fmt: skip
    history = json.loads(ok(["history", GAP_EVENT, "--store", store, "--format", "json"], capsys))
    assert history["kind"] == "event"
    assert history["original"]["type"] == "gap"
    assert history["original"]["start_ts"] == "2023-10-03T00:00:00Z"
    assert [(v["version"], v["status"], v["fields"]) for v in history["versions"]] == [
        (1, "disputed", {}),
        (2, "corrected", {"country": "PRK", "lat": None, "port": "Rajin"}),
    ]
    table = ok(["history", GAP_EVENT, "--store", store], capsys)
    assert "darkfleet detect" in table
    assert "country=PRK" in table


@pytest.mark.parametrize("command", [["dispute"], ["correct", "--set", "port=Rajin"], ["history"]])
def test_an_unknown_id_is_refused(
    store: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run([command[0], "sgt-nothing", *command[1:], "--reason", "r", "--store", store]
                       if command[0] != "history" else ["history", "sgt-nothing", "--store", store],
                       capsys)  # fmt: skip
    assert code == 2
    assert err.startswith(
        "Error: no sighting, claim or event has the id 'sgt-nothing'; find ids with "
        "`darkfleet sightings list`, `darkfleet claims` and `darkfleet events`"
    )


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("colour=red", "Error: --set colour: an event has no correctable field 'colour'"),
        ("lat=95", "Error: --set lat: '95' is not valid (outside -90..90)"),
        ("start=tomorrow", "Error: --set start: 'tomorrow' is not valid"),
        ("country=XX", "Error: --set country: 'XX' is not valid (not an ISO 3166"),
        ("port", "Error: --set 'port': write field=value"),
    ],
)
def test_bad_event_corrections_are_refused(
    store: str, assignment: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        ["correct", GAP_EVENT, "--set", assignment, "--reason", "r", "--store", store], capsys
    )
    assert code == 2
    assert err.startswith(message)


def test_bad_sighting_corrections_are_refused(
    store: str, csv_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ok(["sightings", "import", str(csv_file), "--store", store], capsys)
    sighting_id = listed(store, capsys, "--vessel", "LADY R")[0]["sighting_id"]
    for assignment, message in [
        ("port=Atlantis", "Error: --set port: 'Atlantis' is not a port"),
        ("vessel=MARIA", "Error: --set vessel: vessel 'MARIA' is ambiguous"),
        ("confidence=sure", "Error: --set confidence: 'sure' is not one of low, medium, high"),
        ("mmsi=1", "Error: --set mmsi: a sighting has no field 'mmsi'"),
    ]:
        code, _, err = run(
            ["correct", sighting_id, "--set", assignment, "--reason", "r", "--store", store], capsys
        )
        assert (code, err[: len(message)]) == (2, message)
    assert len(json.loads(ok(["history", sighting_id, "--store", store, "--format", "json"],
                             capsys))["versions"]) == 1  # fmt: skip


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        ("nonsense", 2, "Error: $DARKFLEET_DATABASE_URL: 'nonsense' is not a database URL"),
        (
            "mysql://ana@db/x",
            2,
            "Error: $DARKFLEET_DATABASE_URL: database 'mysql' is not supported",
        ),
        (
            "postgresql://ana:pw@127.0.0.1:1/x?connect_timeout=2",
            4,
            "Error: cannot open the workspace database postgresql+psycopg://ana:***@127.0.0.1:1/x",
        ),
    ],
)
def test_a_bad_database_url(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    code: int,
    message: str,
) -> None:
    make_store(tmp_path / "s")
    monkeypatch.setenv("DARKFLEET_DATABASE_URL", url)
    got, _, err = run(["sightings", "list", "--store", str(tmp_path / "s")], capsys)
    assert got == code
    assert err.startswith(message)
