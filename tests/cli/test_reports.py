"""``darkfleet reports add`` end to end through the CLI's error handler (issue 5)."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from darkfleet import schema
from darkfleet.cli.main import main
from darkfleet.store import ParquetStore

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "reports"


@pytest.fixture(autouse=True)
def _no_default_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DARKFLEET_STORE", raising=False)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def test_json_output_has_language_and_claims(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        [
            "reports",
            "add",
            str(DATA / "de_pentagon_rajin.txt"),
            "--published",
            "2023-10-18",
            "--format",
            "json",
            "--dry-run",
        ],
        capsys,
    )
    assert code == 0, err
    payload = json.loads(out)
    assert "report_id" not in payload
    assert {claim["claim_id"] for claim in payload["claims"]} == {None}
    assert not (Path("darkfleet-data")).exists()
    assert payload["language"] == "de"
    assert payload["published"] == "2023-10-18"
    assert len(payload["claims"]) == 9
    maria = payload["claims"][6]
    assert maria["predicate"] == "visited"
    assert maria["certainty"] == "unverified"
    assert maria["time"] == {"phrase": "am Dienstag", "start": "2023-10-17", "end": "2023-10-17"}
    assert maria["places"] == [
        {
            "text": "Wostotschny",
            "name": "Vostochnyy",
            "kind": "port",
            "country": "RUS",
            "port_id": "RUS-VOSTOCHNYY",
        }
    ]
    assert "9 claims from" in err
    assert "printed only, not stored (--dry-run)" in err
    assert "no store at darkfleet-data" in err


def test_table_output_lists_each_claim(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        [
            "reports",
            "add",
            str(DATA / "en_white_house_briefing.txt"),
            "--published",
            "2023-10-13",
            "--dry-run",
        ],
        capsys,
    )
    assert code == 0, err
    assert "en_white_house_briefing.txt (en, published 2023-10-13)" in out
    assert "more_than 1,000 containers" in out
    assert "Najin (PRK-NAJIN)" in out
    assert "Tikhoretsk (other)" in out
    assert "denied -> #4" in out
    assert "2023-10-02..2023-10-08 (last week)" in out
    assert (
        "#6 Analysts believe the cargo ship Lady R (IMO 9161003) is likely to have visited" in out
    )
    assert "[assessed: believe]" in out


def test_html_page_uses_its_own_date_and_drops_boilerplate(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _run(
        ["reports", "add", str(DATA / "de_seoul_schaetzung.html"), "--format", "json"], capsys
    )
    assert code == 0, err
    payload = json.loads(out)
    assert payload["published"] == "2024-01-03"
    assert payload["title"] == "Geheimdienst: Tausende Container aus Nordkorea - Hafenblatt"
    assert len(payload["claims"]) == 4
    assert "Kekse" not in out
    assert "Panzer" not in out


def test_store_vessels_link_by_name_and_imo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ParquetStore(tmp_path / "store")
    statics = schema.conform(
        pl.DataFrame(
            {
                "mmsi": [273_000_001, 273_000_002],
                "ts": [datetime(2023, 10, 1, tzinfo=UTC)] * 2,
                "imo": [9161003, None],
                "name": ["LADY R", "ANGARA"],
                "msg_type": [5, 5],
            }
        ),
        schema.STATICS,
    )
    with store.begin_ingest(file_id="f" * 16, file="statics.nmea") as transaction:
        transaction.write("statics", statics)
        transaction.commit(summary={"lines": 2}, ingested_at=datetime(2024, 1, 2, tzinfo=UTC))
    code, out, err = _run(
        [
            "reports",
            "add",
            str(DATA / "en_white_house_briefing.txt"),
            "--store",
            str(tmp_path / "store"),
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    assert "no store" not in err
    claims = json.loads(out)["claims"]
    assert claims[2]["vessels"] == [
        {"text": "Angara", "name": "ANGARA", "imo": None, "mmsis": [273_000_002]}
    ]
    assert claims[6]["vessels"] == [
        {"text": "Lady R", "name": "LADY R", "imo": 9161003, "mmsis": [273_000_001]}
    ]


def test_language_option_overrides_detection(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        ["reports", "add", str(DATA / "de_pentagon_rajin.txt"), "--language", "en",
         "--format", "json"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["language"] == "en"


@pytest.mark.parametrize(
    ("content", "extra", "exit_code", "message"),
    [
        (b"", [], 3, "the file is empty; give an article as text or HTML"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", [], 3, "binary data (NUL bytes), not an article"),
        ("Bestätigt ist das nicht.".encode("cp1252"), [], 3,
         "line 1: not UTF-8 (byte offset 4) and no charset declared"),
        (b"Die Maria lief ein.", ["--encoding", "klingon-8"], 2,
         "--encoding: unknown encoding 'klingon-8'"),
        (b"Die Maria lief ein.", ["--published", "18.10.2023"], 2,
         "--published: '18.10.2023' is not an ISO 8601 date; write e.g. 2023-10-13"),
        (b"Die Maria lief ein.", ["--published", "2023-02-30"], 2,
         "--published: '2023-02-30' is not a calendar date"),
    ],
)  # fmt: skip
def test_bad_input_exits_with_one_line_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    extra: list[str],
    exit_code: int,
    message: str,
) -> None:
    article = tmp_path / "article.txt"
    article.write_bytes(content)
    code, out, err = _run(["reports", "add", str(article), *extra], capsys)
    assert code == exit_code
    assert out == ""
    assert err.startswith("Error: ")
    assert message in err


def test_named_encoding_reads_a_cp1252_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "article.txt"
    article.write_bytes(
        "Die Maria lief in Wostotschny ein. Bestätigt ist das nicht.".encode("cp1252")
    )
    code, out, err = _run(
        ["reports", "add", str(article), "--encoding", "cp1252", "--format", "json"], capsys
    )
    assert code == 0, err
    assert json.loads(out)["claims"][0]["certainty"] == "unverified"


class _Pages(http.server.BaseHTTPRequestHandler):
    """Serves the German HTML test article (declared cp1252) at /article; 404 elsewhere."""

    def do_GET(self) -> None:
        if self.path != "/article":
            self.send_error(404, "Not Found")
            return
        body = (DATA / "de_seoul_schaetzung.html").read_text(encoding="utf-8").encode("cp1252")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=windows-1252")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def loopback_site() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 (a random port) for the page fetch."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_url_is_fetched_decoded_by_its_charset_and_kept(
    loopback_site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{loopback_site}/article"
    code, out, err = _run(["reports", "add", url, "--dry-run", "--format", "json"], capsys)
    assert code == 0, err
    fetched = json.loads(out)
    local = _run(
        ["reports", "add", str(DATA / "de_seoul_schaetzung.html"), "--dry-run", "--format", "json"],
        capsys,
    )
    assert local[0] == 0, local[2]
    assert fetched["language"] == "de"
    assert fetched["claims"] == json.loads(local[1])["claims"]  # same text, umlauts intact


@pytest.mark.parametrize(
    ("path_or_url", "message"),
    [
        ("/missing", "the server answered 404"),
        ("ftp://127.0.0.1/article", "only http and https pages can be fetched"),
        ("http://127.0.0.1:9/article", "could not fetch the page"),
    ],
)
def test_a_page_that_cannot_be_fetched_is_an_input_error(
    loopback_site: str, path_or_url: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = loopback_site + path_or_url if path_or_url.startswith("/") else path_or_url
    code, out, err = _run(["reports", "add", url, "--dry-run"], capsys)
    assert code == 3
    assert out == ""
    assert message in err
    assert "save the page in a browser" in err


def test_a_missing_file_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["reports", "add", "nope.txt"], capsys)
    assert code == 3
    assert "Error: nope.txt: no such file" in err


def test_stdin_in_a_subprocess(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("DARKFLEET_STORE", None)
    result = subprocess.run(
        [sys.executable, "-m", "darkfleet", "reports", "add", "-", "--published", "2024-01-02",
         "--format", "json"],
        input=b"The cargo ship Maria left Vostochny last Friday.",
        capture_output=True,
        cwd=tmp_path,
        env=env,
        check=False,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    claim = json.loads(result.stdout)["claims"][0]
    assert (claim["predicate"], claim["vessels"][0]["name"], claim["time"]["start"]) == (
        "departed",
        "Maria",
        "2023-12-29",
    )
    assert b"1 claims from <stdin>" in result.stderr
