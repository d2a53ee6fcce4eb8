"""End-to-end: darkfleet sanctions load/list, darkfleet screen, and detect's screening step."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from darkfleet.cli.main import main
from tests.nmea_scenario import DARK, MEET_A, write_scenario

DATA = Path(__file__).resolve().parents[1] / "data" / "sanctions"

LIST = """name,imo,mmsi,flag,list,reason,vessel_type
ANGARA,9179842,,RU,,IMO match expected,Ro-Ro cargo
LADY R,9161003,,RU,,same name as DARK's later name but another IMO,Ro-Ro cargo
GHOST,,{meet_a},RU,,MMSI of a vessel that sends no static reports,
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


def ok(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    code, out, err = run(args, capsys)
    assert code == 0, err
    return out, err


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_scenario(tmp_path_factory.mktemp("nmea"))


@pytest.fixture
def ingested(
    scenario: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Path:
    store = tmp_path / "store"
    ok(["ingest", *map(str, scenario), "--store", str(store), "--no-progress"], capsys)
    return store


def write_list(folder: Path) -> Path:
    path = folder / "watch.csv"
    path.write_text(LIST.format(meet_a=MEET_A))
    return path


def test_load_names_rejected_rows_and_loads_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    out, err = ok(["sanctions", "load", str(DATA / "watchlist.csv"), "--store", str(store)], capsys)
    assert "Loaded 3 vessel entries into list watchlist" in out
    assert "Loaded 1 vessel entries into list other_list" in out
    assert "4 rows rejected; 0 records that are not vessels skipped." in out
    rejected = [line for line in err.splitlines() if line.startswith("Rejected: ")]
    assert len(rejected) == 4
    assert f"{DATA / 'watchlist.csv'}:5: field imo: '91610X3'" in rejected[0]


def test_load_ofac_and_ftm_files_and_list_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "store")
    out, _ = ok(["sanctions", "load", str(DATA / "sdn.csv"), "--store", store], capsys)
    assert "Loaded 3 vessel entries into list us_ofac_sdn" in out
    assert "2 rows rejected; 2 records that are not vessels skipped." in out
    out, _ = ok(
        ["sanctions", "load", str(DATA / "vessels.ftm.json"), "--list", "os", "--store", store],
        capsys,
    )
    assert "3 records that are not vessels skipped" in out
    listing = json.loads(ok(["sanctions", "list", "--store", store, "--format", "json"], capsys)[0])
    summary = {row["list"]: row for row in listing["lists"]}
    assert summary["os"]["entries"] == 2
    assert summary["os"]["format"] == "ftm"
    assert summary["us_ofac_sdn"]["with_imo"] == 3
    assert summary["us_ofac_sdn"]["rejected"] == 2
    assert summary["us_ofac_sdn"]["last_loaded"].endswith("Z")
    table, _ = ok(["sanctions", "list", "--store", store, "--list", "os"], capsys)
    assert "Entries of os" in table
    assert "NORTHERN STAR 7" in table


def test_reload_replaces_the_list_and_keeps_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "store")
    first = write_list(tmp_path)
    ok(["sanctions", "load", str(first), "--store", store], capsys)
    second = tmp_path / "second" / "watch.csv"
    second.parent.mkdir()
    second.write_text("name,imo,mmsi,flag,list,reason\nANGARA,9179842,,RU,,kept\n")
    out, _ = ok(["sanctions", "load", str(second), "--store", store], capsys)
    assert "1 vessel entries into list watch" in out
    assert "1 added, 3 removed since the last version" in out  # ANGARA's row changed
    listing = json.loads(
        ok(["sanctions", "list", "--store", store, "--list", "watch", "--format", "json"], capsys)[
            0
        ]
    )
    assert listing["lists"][0]["entries"] == 1
    assert listing["lists"][0]["removed"] == 3
    assert listing["lists"][0]["loads"] == 2
    assert [e["name"] for e in listing["entries"]] == ["ANGARA"]


def test_screen_finds_the_imo_match_and_lists_near_misses(
    ingested: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(ingested)
    ok(["sanctions", "load", str(write_list(tmp_path)), "--store", store], capsys)
    result = json.loads(ok(["screen", "--store", store, "--format", "json"], capsys)[0])
    assert result["lists"] == ["watch"]
    assert [(m["mmsi"], m["entry_name"], m["matched_on"]) for m in result["matches"]] == [
        (DARK, "ANGARA", "imo")
    ]
    misses = {m["entry_name"]: m for m in result["near_misses"]}
    assert set(misses) == {"LADY R", "GHOST"}
    assert "reported IMO 9179842 and the entry has IMO 9161003" in misses["LADY R"]["reason"]
    assert misses["GHOST"]["mmsi"] == MEET_A
    events = [
        json.loads(line)
        for line in ok(
            ["events", "--store", store, "--type", "sanctions_match", "--format", "jsonl"], capsys
        )[0].splitlines()
    ]
    assert len(events) == 1
    event = events[0]
    assert (event["mmsi"], event["start"], event["end"]) == (
        DARK,
        "2023-10-01T01:00:00Z",
        "2023-10-01T19:00:00Z",
    )
    assert event["score"] == 1.0
    assert set(event["details"]) == {
        "list",
        "entry_id",
        "entry_name",
        "matched_on",
        "match_score",
        "corroboration",
        "entry_imo",
        "entry_mmsi",
        "entry_flag",
        "programs",
        "source_url",
    }
    assert event["details"]["corroboration"] == [
        "imo 9179842",
        "name ANGARA (100.0)",
        "flag RUS",
        "type cargo",
    ]
    # screening again replaces the events instead of adding copies
    ok(["screen", "--store", store, "--format", "json"], capsys)
    again = ok(
        ["events", "--store", store, "--type", "sanctions_match", "--format", "jsonl"], capsys
    )
    assert len(again[0].splitlines()) == 1


def test_screen_csv_and_table_outputs(
    ingested: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(ingested)
    ok(["sanctions", "load", str(write_list(tmp_path)), "--store", store], capsys)
    out, _ = ok(["screen", "--store", store, "--format", "csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["kind"] for r in rows] == ["match", "near_miss", "near_miss"]
    assert rows[0]["corroboration"] == "imo 9179842; name ANGARA (100.0); flag RUS; type cargo"
    out, _ = ok(["screen", "--store", store, "--format", "csv", "--no-near-misses"], capsys)
    assert len(out.splitlines()) == 2
    table, _ = ok(["screen", "--store", store], capsys)
    assert "1 matches, 2 near misses" in table
    assert "Near misses (review by hand" in table


def test_screen_without_lists_does_nothing_and_says_so(
    ingested: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, err = ok(["screen", "--store", str(ingested), "--format", "json"], capsys)
    assert "No sanctions lists loaded: nothing to screen" in err
    assert json.loads(out) == {"lists": [], "matches": [], "near_misses": []}


def test_detect_screens_as_its_last_step(
    ingested: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(ingested)
    summary = json.loads(ok(["detect", "--store", store, "--summary", "json"], capsys)[0])
    assert summary["sanctions"] == {"lists": [], "matches": 0, "near_misses": 0}
    ok(["sanctions", "load", str(write_list(tmp_path)), "--store", store], capsys)
    summary = json.loads(ok(["detect", "--store", store, "--summary", "json"], capsys)[0])
    assert summary["sanctions"] == {"lists": ["watch"], "matches": 1, "near_misses": 2}
    assert summary["events_total"]["sanctions_match"] == 1
    assert summary["events_total"]["gap"] >= 1  # detection's own events are kept


def test_list_and_screen_refuse_a_missing_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (["sanctions", "list"], ["screen"]):
        code, _, err = run([*args, "--store", str(tmp_path / "none")], capsys)
        assert code == 4
        assert err.startswith("Error: no darkfleet store at")


def test_load_refuses_an_unknown_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    odd = tmp_path / "odd.txt"
    odd.write_text("hello\n")
    code, _, err = run(["sanctions", "load", str(odd), "--store", str(tmp_path / "s")], capsys)
    assert code == 3
    assert "cannot tell the list format" in err


def test_list_says_when_nothing_or_no_such_list_is_loaded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "store")
    ok(["sanctions", "load", str(DATA / "sdn.csv"), "--store", store], capsys)
    out, _ = ok(["sanctions", "list", "--store", store, "--list", "nope"], capsys)
    assert out.startswith("No list named nope")
    empty = tmp_path / "empty"
    ok(["sanctions", "load", str(DATA / "sdn.csv"), "--store", str(empty), "--list", "x"], capsys)
    listing = json.loads(
        ok(["sanctions", "list", "--store", str(empty), "--format", "json"], capsys)[0]
    )
    assert [row["list"] for row in listing["lists"]] == ["x"]


def test_screen_and_detect_read_their_thresholds_from_the_sanctions_section(
    ingested: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(ingested)
    misspelt = tmp_path / "misspelt.csv"
    misspelt.write_text(
        "name,imo,mmsi,flag,list,reason,vessel_type\nANGARRA,,,RU,watch,a typo,Ro-Ro cargo\n"
    )
    ok(["sanctions", "load", str(misspelt), "--store", store], capsys)

    def matched(args: list[str]) -> list[str]:
        result = json.loads(ok(["screen", "--store", store, "--format", "json", *args], capsys)[0])
        return [m["matched_on"] for m in result["matches"]]

    # "ANGARRA" ~ "ANGARA" scores 92.3: a name match with corroboration at the default 88
    assert matched([]) == ["name"]
    strict = tmp_path / "strict.toml"
    strict.write_text("[sanctions]\nmin_name_score = 95\n")
    assert matched(["--config", str(strict)]) == []
    ok(["detect", "--store", store, "--config", str(strict)], capsys)
    events = ok(
        ["events", "--store", store, "--type", "sanctions_match", "--format", "jsonl"], capsys
    )
    assert events[0].strip() == ""
    rows = json.loads(
        ok(["config", "show", "--config", str(strict), "--format", "json"], capsys)[0]
    )
    sanctions = {r["key"]: (r["value"], r["source"]) for r in rows if r["detector"] == "sanctions"}
    assert sanctions["min_name_score"] == ("95.0", "file")
    assert sanctions["size_tolerance_ratio"] == ("0.15", "default")


def test_screen_refuses_a_bad_sanctions_section(
    ingested: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for text, expected in [
        ("[sanctions]\nmin_name_score = 40\n", "within 50-100"),
        ("[sanctions]\nmin_name_scor = 90\n", "did you mean 'min_name_score'"),
        ("sanctions = 3\n", "write [sanctions]"),
    ]:
        config = tmp_path / "bad.toml"
        config.write_text(text)
        code, _, err = run(["screen", "--store", str(ingested), "--config", str(config)], capsys)
        assert code == 2, text
        assert expected in err, err
        assert "bad.toml" in err, err
