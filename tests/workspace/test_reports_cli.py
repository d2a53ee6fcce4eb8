"""``reports add|list``, ``claims``, ``explain`` and corrections of claims through the CLI.

Runs on SQLite (the store's default) and PostgreSQL (``$DARKFLEET_DATABASE_URL``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from darkfleet.engine.reports import demo_report_path
from tests.workspace._fleet import ANGARA_MMSI, LADY_R_MMSI, make_store
from tests.workspace.test_cli import ok, run

ARTICLE = str(demo_report_path())


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


def add(store: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[dict[str, Any], str]:
    code, out, err = run(
        ["reports", "add", ARTICLE, "--published", "2023-10-13", "--store", store,
         "--author", "ana", "--format", "json", *extra],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    return json.loads(out), err


def claims(store: str, capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict[str, Any]]:
    return json.loads(ok(["claims", "--store", store, "--format", "json", *extra], capsys))


def test_add_stores_once_and_lists(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    payload, err = add(store, capsys, "--url", "https://example.org/statement")
    report_id = payload["report_id"]
    assert re.fullmatch(r"rpt-[0-9a-f]{20}", report_id)
    assert payload["is_new"] is True
    assert err.strip() == f"7 claims from {ARTICLE} (language en); stored as {report_id}"
    ids = [claim["claim_id"] for claim in payload["claims"]]
    maria = payload["claims"][3]
    # The extractor matches MARIA to both store ships of that name; the stored link is
    # stricter: an ambiguous name stays unlinked.
    assert maria["vessels"][0]["mmsis"] == [273_640_000, 273_650_000]
    assert maria["vessel_links"] == [{"text": "Maria", "name": "Maria", "imo": None, "mmsi": None}]
    assert payload["claims"][1]["vessel_links"][0]["mmsi"] == LADY_R_MMSI
    assert all(re.fullmatch(r"clm-[0-9a-f]{20}", cid) for cid in ids)
    again, err = add(store, capsys)
    assert again["is_new"] is False
    assert [claim["claim_id"] for claim in again["claims"]] == ids
    assert f"already stored as {report_id} (added by ana at " in err
    assert err.rstrip().endswith("nothing added")
    code, table, err = run(
        ["reports", "add", ARTICLE, "--published", "2023-10-13", "--store", store], capsys
    )
    assert code == 0, err
    assert f"#1 {ids[1]} According to the State Department" in table
    assert "not linked" in table  # Maria: ambiguous in the store
    reports = json.loads(ok(["reports", "list", "--store", store, "--format", "json"], capsys))
    assert [
        (r["report_id"], r["claims"], r["published"], r["url"], r["author"]) for r in reports
    ] == [(report_id, 7, "2023-10-13", "https://example.org/statement", "ana")]
    table = ok(["reports", "list", "--store", store], capsys)
    assert "1 reports" in table
    assert report_id in table
    listed = claims(store, capsys)
    assert [c["claim_id"] for c in listed] == ids
    assert listed[0]["quantity"] == {
        "phrase": "more than 1,000 containers",
        "value": 1000,
        "unit": "containers",
        "qualifier": "more_than",
    }


def test_claims_filter_by_vessel_and_certainty(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    add(store, capsys)
    lady_r = claims(store, capsys, "--vessel", "LADY R")
    assert [(c["predicate"], c["certainty"]) for c in lady_r] == [
        ("loaded", "asserted"),
        ("visited", "unverified"),
    ]
    assert lady_r[0]["vessels"][0]["mmsi"] == LADY_R_MMSI
    angara = claims(store, capsys, "--vessel", "IMO 9179842")
    assert [c["predicate"] for c in angara] == ["loaded", "unloaded"]
    assert angara[1]["vessels"][0]["mmsi"] == ANGARA_MMSI
    # MARIA is ambiguous in the store and MAIA-1 unknown: matched by the name as written.
    assert [c["predicate"] for c in claims(store, capsys, "--vessel", "Maria")] == ["transported"]
    maia = claims(store, capsys, "--vessel", "maia 1")
    assert [(c["certainty"], c["vessels"][0]["mmsi"]) for c in maia] == [("assessed", None)]
    hedged = claims(store, capsys, "--certainty", "assessed", "--certainty", "denied")
    assert [c["certainty"] for c in hedged] == ["assessed", "denied"]
    assert claims(store, capsys, "--vessel", "NO SUCH SHIP") == []
    table = ok(["claims", "--store", store, "--vessel", "LADY R"], capsys)
    assert "2 claims" in table
    assert "LADY R (IMO 9161003," in table
    assert "MMSI 273610000)" in table


def test_explain_prints_the_chain(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    payload, _ = add(store, capsys)
    loaded = payload["claims"][1]
    chain = json.loads(
        ok(["explain", loaded["claim_id"], "--store", store, "--format", "json"], capsys)
    )
    assert chain["claim"]["sentence"] == loaded["sentence"]
    assert chain["claim"]["source"] == "US Department of State"
    assert chain["report"]["report_id"] == payload["report_id"]
    assert chain["report"]["file"] == ARTICLE
    assert chain["report"]["published"] == "2023-10-13"
    assert [v["action"] for v in chain["versions"]] == ["add"]
    table = ok(["explain", loaded["claim_id"], "--store", store], capsys)
    assert f"#2: {loaded['sentence']}" in table
    assert 'US Department of State ("According to the State Department")' in table
    assert "From report " + payload["report_id"] in table
    assert "273610000" in table
    unlinked = ok(["explain", payload["claims"][3]["claim_id"], "--store", store], capsys)
    assert "not linked (unknown or ambiguous name)" in unlinked
    report = json.loads(
        ok(["explain", payload["report_id"], "--store", store, "--format", "json"], capsys)
    )
    assert len(report["claims"]) == 7
    assert "7 claims of this report" in ok(
        ["explain", payload["report_id"], "--store", store], capsys
    )


def test_dispute_correct_and_history_of_a_claim(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    payload, _ = add(store, capsys)
    claim_id = payload["claims"][4]["claim_id"]  # Maia-1, assessed
    assert ok(["dispute", claim_id, "--reason", "no imagery", "--store", store, "--author", "bob"],
              capsys).strip() == f"{claim_id}: disputed (version 2)"  # fmt: skip
    assert claims(store, capsys, "--vessel", "Maia-1")[0]["status"] == "disputed"
    out = ok(["correct", claim_id, "--set", "certainty=unverified", "--set", "quantity=",
              "--reason", "only one source", "--store", store, "--author", "bob"], capsys)  # fmt: skip
    assert out.strip() == f"{claim_id}: corrected (version 3)"
    current = claims(store, capsys, "--vessel", "Maia-1")[0]
    assert (current["status"], current["version"], current["certainty"], current["quantity"]) == (
        "corrected",
        3,
        "unverified",
        None,
    )
    history = json.loads(ok(["history", claim_id, "--store", store, "--format", "json"], capsys))
    assert history["kind"] == "claim"
    assert [(v["action"], v["author"]) for v in history["versions"]] == [
        ("add", "ana"),
        ("dispute", "bob"),
        ("correct", "bob"),
    ]
    assert "certainty=unverified" in ok(["history", claim_id, "--store", store], capsys)


def test_dry_run_stores_nothing(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    table = ok(["reports", "add", ARTICLE, "--store", store, "--dry-run"], capsys)
    assert "LADY R (IMO 9161003)" in table
    payload, err = add(store, capsys, "--dry-run")
    assert "printed only, not stored (--dry-run)" in err
    assert "report_id" not in payload
    assert {claim["vessel_links"] for claim in payload["claims"]} == {None}
    assert json.loads(ok(["reports", "list", "--store", store, "--format", "json"], capsys)) == []


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["explain", "clm-00000000000000000000"], 2,
         "Error: no claim or report has the id 'clm-00000000000000000000'"),
        (["correct", "clm-00000000000000000000", "--set", "certainty=denied", "--reason", "r"], 2,
         "Error: no sighting, claim or event has the id 'clm-00000000000000000000'"),
        (["reports", "add", ARTICLE, "--published", "2023-13-01"], 2,
         "Error: --published: '2023-13-01' is not a calendar date"),
        (["reports", "add", ARTICLE, "--published", "2023-10-20"], 2,
         "is stored already with publication date 2023-10-13, not 2023-10-20"),
        (["claims", "--certainty", "sure"], 2, "Invalid value for '--certainty'"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_clear_error(
    store: str,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    exit_code: int,
    message: str,
) -> None:
    add(store, capsys)
    code, out, err = run([*args, "--store", store], capsys)
    assert code == exit_code
    assert out == ""
    assert message in err


def test_a_bad_claim_correction_names_the_field(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    payload, _ = add(store, capsys)
    code, _, err = run(
        ["correct", payload["claims"][1]["claim_id"], "--set", "time=Tuesday", "--reason", "r",
         "--store", store],
        capsys,
    )  # fmt: skip
    assert code == 2
    assert err.startswith("Error: --set time: 'Tuesday' is not a date or span; write e.g.")


def test_an_empty_article_is_an_input_error(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, out, err = run(["reports", "add", str(empty), "--store", store], capsys)
    assert code == 3
    assert out == ""
    assert "the file is empty" in err
    assert json.loads(ok(["reports", "list", "--store", store, "--format", "json"], capsys)) == []


def test_the_dossier_shows_a_vessels_claims_until_disputed(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    payload, _ = add(store, capsys)
    lady_r = [c for c in payload["claims"] if any(
        link["mmsi"] == LADY_R_MMSI for link in c["vessel_links"] or [])]  # fmt: skip
    assert lady_r, "the statement names LADY R"

    def dossier_claims() -> list[dict[str, Any]]:
        dossier = json.loads(
            ok(["vessel", str(LADY_R_MMSI), "--store", store, "--format", "json"], capsys)
        )
        return list(dossier["claims"])

    shown = dossier_claims()
    assert [c["claim_id"] for c in shown] == [c["claim_id"] for c in lady_r]
    assert {c["report_id"] for c in shown} == {payload["report_id"]}
    assert all(c["published_date"] == "2023-10-13" for c in shown)
    assert all(c["mmsi"] == LADY_R_MMSI for c in shown)
    table = ok(["vessel", str(LADY_R_MMSI), "--store", store], capsys)
    assert "Claims in reports" in table
    assert lady_r[0]["claim_id"] in table
    ok(["dispute", lady_r[0]["claim_id"], "--reason", "misread", "--store", store], capsys)
    assert [c["claim_id"] for c in dossier_claims()] == [c["claim_id"] for c in lady_r[1:]]
