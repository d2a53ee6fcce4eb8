"""End-to-end tests of darkfleet ingest / info / rejects on small real logs."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from darkfleet.cli.main import main
from darkfleet.store import ParquetStore

NMEA = Path(__file__).resolve().parent.parent / "data" / "nmea"
CSV = Path(__file__).resolve().parent.parent / "data" / "csv"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


def ingest_json(
    paths: list[str], store: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> dict:
    code, out, err = run(
        ["ingest", *paths, "--store", str(store), "--summary", "json", "--no-progress", *extra],
        capsys,
    )
    assert code == 0, err
    return json.loads(out)


def by_file(summary: dict) -> dict[str, dict]:
    return {Path(item["file"]).name: item for item in summary["files"]}


def test_ingest_takes_receive_times_from_each_files_own_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = sorted(str(p) for p in NMEA.glob("*") if p.suffix != ".md")
    summary = ingest_json(files, tmp_path / "store", capsys)
    files_summary = by_file(summary)
    assert set(files_summary["uscg-2006-07-15.ais"]["timestamps_from"]) == {"uscg"}
    assert set(files_summary["dma-pghp-2010-06-11-head600.txt"]["timestamps_from"]) == {"pghp"}
    assert set(files_summary["libais-tagblock.nmea"]["timestamps_from"]) == {"tag"}
    # gpsd's log has no receive times at all: they come from its type-4 base stations.
    assert set(files_summary["gpsd-type6-fid55.log"]["timestamps_from"]) == {"type4"}
    assert files_summary["gpsd-type6-fid55.log"]["first_ts"].startswith("2018-08-09")
    assert files_summary["uscg-2006-07-15.ais"]["first_ts"].startswith("2006-07-15")


def test_ingest_conserves_every_line_and_the_store_holds_what_the_summary_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    summary = ingest_json([str(NMEA / "gpsd-type6-fid55.log")], store, capsys)
    total = summary["total"]
    parquet = ParquetStore(store, create=False)
    assert parquet.scan("positions").collect().height == total["positions"]
    assert parquet.scan("statics").collect().height == total["statics"]
    assert parquet.scan("others").collect().height == total["others"]
    assert parquet.scan("rejects").collect().height == total["rejects"]
    # every non-blank line is a message's line, a reject or a counted duplicate's line
    assert total["messages"] + total["duplicates"] > 0
    positions = parquet.scan("positions").collect()
    assert positions["ts"].null_count() == 0
    assert positions["source"].null_count() == 0
    # positions are sorted by (mmsi, ts) inside each stored part
    for path in parquet.part_paths("positions"):
        part = pl.read_parquet(path)
        assert part.equals(part.sort("mmsi", "ts"))


def test_reingesting_the_same_file_adds_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    path = str(NMEA / "uscg-2006-07-15.ais")
    first = ingest_json([path], store, capsys)
    before = ParquetStore(store, create=False).scan("positions").collect().height
    second = ingest_json([path], store, capsys)
    after = ParquetStore(store, create=False).scan("positions").collect().height
    assert first["files_skipped"] == 0
    assert second["files_skipped"] == 1
    assert second["total"]["positions"] == 0
    assert before == after == first["total"]["positions"]


def test_compressed_archives_and_stdin_give_the_same_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = NMEA / "uscg-2006-07-15.ais"
    gz = tmp_path / "log.ais.gz"
    gz.write_bytes(gzip.compress(source.read_bytes()))
    plain = ingest_json([str(source)], tmp_path / "a", capsys)["total"]
    zipped = ingest_json([str(gz)], tmp_path / "b", capsys)["total"]
    with source.open("rb") as stdin_bytes:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stdin_bytes))
        piped = ingest_json(["-"], tmp_path / "c", capsys)["total"]
    for key in ("positions", "statics", "others", "rejects", "duplicates"):
        assert plain[key] == zipped[key] == piped[key], key


def test_lines_without_any_time_are_rejected_unless_a_time_is_assumed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "no-times.nmea"
    log.write_text(
        "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n"
        "!AIVDM,1,1,,A,133m@ogP00PD;88MD5MTDww@2D7k,0*46\n"
    )
    summary = ingest_json([str(log)], tmp_path / "a", capsys)
    assert summary["total"]["positions"] == 0
    assert summary["total"]["rejects_by_reason"] == {"no timestamp": 2}
    code, out, _ = run(["rejects", "--store", str(tmp_path / "a"), "--format", "jsonl"], capsys)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["line_no"] for row in rows] == [1, 2]
    assert "--assume-time" in rows[0]["detail"]
    assert rows[0]["raw"].startswith("!AIVDM,1,1,,A,13HOI")
    assumed = ingest_json([str(log)], tmp_path / "b", capsys, "--assume-time", "2012-03-14T12:00Z")
    assert assumed["total"]["positions"] == 2
    assert assumed["total"]["timestamps_from"] == {"assumed": 2}


def test_duplicates_heard_by_two_receivers_are_dropped_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sentence = "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23"
    log = tmp_path / "two-receivers.nmea"
    lines = []
    for station, epoch in (("rA", 1_600_000_000), ("rB", 1_600_000_002), ("rA", 1_600_000_400)):
        tag = f"s:{station},c:{epoch}"
        checksum = 0
        for char in tag:
            checksum ^= ord(char)
        lines.append(f"\\{tag}*{checksum:02X}\\{sentence}")
    log.write_text("\n".join(lines) + "\n")
    total = ingest_json([str(log)], tmp_path / "s", capsys)["total"]
    assert total["duplicates"] == 1  # the second, 2 s later; the third is 400 s later
    assert total["positions"] == 2


def test_csv_exports_are_recognised_from_their_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = ingest_json(
        [str(CSV / "dma_aisdk_2018-06-01_head.csv"), str(CSV / "noaa_20230111_sample.csv")],
        tmp_path / "s",
        capsys,
    )
    formats = {Path(f["file"]).name: f["format"] for f in summary["files"]}
    assert formats == {"dma_aisdk_2018-06-01_head.csv": "dma", "noaa_20230111_sample.csv": "noaa"}
    positions = ParquetStore(tmp_path / "s", create=False).scan("positions").collect()
    row = positions.filter(pl.col("mmsi") == 367752440).sort("ts").row(0, named=True)
    assert (row["lat"], row["lon"], row["heading_deg"]) == (43.07917, -70.75733, 95)


def test_any_csv_loads_through_a_column_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = ingest_json(
        [str(CSV / "evergiven_suez_head.csv")],
        tmp_path / "s",
        capsys,
        "--format",
        "csv",
        "--columns",
        "mmsi=ID,ts=ais_pos_timestamp,lat=latitude,lon=longitude,ts_format=%d/%m/%Y %H:%M",
    )
    assert summary["total"]["positions"] > 0


def test_unknown_csv_without_mapping_names_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("a,b,c\n1,2,3\n")
    code, _, err = run(["ingest", str(path), "--store", str(tmp_path / "s")], capsys)
    assert code == 3
    assert "odd.csv" in err
    assert "--columns" in err


def test_missing_input_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        ["ingest", str(tmp_path / "nope.nmea"), "--store", str(tmp_path / "s")], capsys
    )
    assert code == 3
    assert err.startswith("Error: ")
    assert "nope.nmea" in err


def test_naive_assume_time_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        [
            "ingest",
            str(NMEA / "uscg-2006-07-15.ais"),
            "--store",
            str(tmp_path / "s"),
            "--assume-time",
            "2012-03-14T12:00",
        ],
        capsys,
    )
    assert code == 2
    assert "UTC offset" in err


def test_reject_ratio_above_the_limit_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "bad.nmea"
    log.write_text("!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*00\n")  # wrong checksum
    code, _, err = run(
        [
            "ingest",
            str(log),
            "--store",
            str(tmp_path / "s"),
            "--assume-time",
            "2020-01-01T00:00Z",
            "--max-reject-ratio",
            "0.5",
            "--no-progress",
        ],
        capsys,
    )
    assert code == 3
    assert "above --max-reject-ratio" in err
    code, out, _ = run(
        ["rejects", "--store", str(tmp_path / "s"), "--reason", "checksum", "--format", "jsonl"],
        capsys,
    )
    assert json.loads(out)["reason"] == "checksum"


def test_info_reports_what_was_ingested(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s"
    total = ingest_json([str(NMEA / "uscg-2006-07-15.ais")], store, capsys)["total"]
    code, out, _ = run(["info", "--store", str(store), "--format", "json"], capsys)
    assert code == 0
    info = json.loads(out)
    assert info["rows"]["positions"] == total["positions"]
    assert info["files_ingested"] == 1
    assert info["first_ts"].startswith("2006-07-15")
    code, out, _ = run(["info", "--store", str(store)], capsys)
    assert code == 0
    assert "positions rows" in out


def test_info_on_a_missing_store_is_a_store_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["info", "--store", str(tmp_path / "none")], capsys)
    assert code == 4
    assert "darkfleet ingest" in err


def test_installed_command_ingests_end_to_end(tmp_path: Path) -> None:
    exe = shutil.which("darkfleet") or str(Path(sys.executable).parent / "darkfleet")
    result = subprocess.run(
        [exe, "ingest", str(NMEA / "libais-tagblock.nmea"), "--store", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Ingest summary" in result.stdout


def test_ais_on_a_boats_bus_takes_the_time_of_the_nearest_gps_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "bus.nmea"
    log.write_text(
        "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n"  # before any fix: takes the next
        "$GPRMC,120000,A,5310.8115,N,00525.7025,E,0.0,0.0,160414,0.7,E,A*11\n"
        "!AIVDM,1,1,,A,133m@ogP00PD;88MD5MTDww@2D7k,0*46\n"
        "$GPZDA,120130,16,04,2014,-02,00*62\n"
        "!AIVDM,1,1,,B,15N0>s?P00G?k7RKAC4h;ww00@C:,0*1C\n"
    )
    store = tmp_path / "s"
    summary = ingest_json([str(log)], store, capsys)
    assert summary["total"]["timestamps_from"] == {"gps": 3}
    positions = ParquetStore(store, create=False).scan("positions").collect().sort("line_no")
    assert [ts.strftime("%H:%M:%S") for ts in positions["ts"]] == [
        "12:00:00",
        "12:00:00",
        "12:01:30",
    ]
