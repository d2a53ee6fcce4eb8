"""News reports and claims in the workspace, on SQLite and PostgreSQL (issue 5)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.exc import DBAPIError

from darkfleet.engine.reports import AddedReport, add_demo_report, add_report, demo_report_path
from darkfleet.errors import ConfigError, InputError
from darkfleet.fuse.claims import Report
from darkfleet.fuse.corrections import correct_item, dispute_item, find_item, item_history
from darkfleet.fuse.reports import (
    VESSEL_CLAIMS,
    claim_id,
    explain_claim,
    read_claims,
    read_vessel_claims,
    report_id,
    store_report,
)
from darkfleet.fuse.vessel_mentions import VesselIndex
from darkfleet.store import ParquetStore
from darkfleet.store.workspace import (
    Workspace,
    current_claims,
    current_revision,
    list_reports,
    open_workspace,
)
from tests.workspace._fleet import (
    ANGARA_IMO,
    ANGARA_MMSI,
    LADY_R_IMO,
    LADY_R_MMSI,
    make_store,
)

ADDED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
PUBLISHED = date(2023, 10, 13)


@pytest.fixture
def store(tmp_path: Path) -> ParquetStore:
    return make_store(tmp_path / "store")


@pytest.fixture
def workspace(database_url: str) -> Iterator[Workspace]:
    with open_workspace(database_url) as opened:
        yield opened


def add_demo(store: ParquetStore, workspace: Workspace, **changes: object) -> AddedReport:
    options: dict[str, object] = {
        "name": "statement.txt",
        "author": "ana",
        "added_ts": ADDED,
        "published": PUBLISHED,
        **changes,
    }
    return add_report(store, workspace, demo_report_path().read_bytes(), **options)  # type: ignore[arg-type]


def by_predicate(workspace: Workspace) -> dict[str, dict[str, object]]:
    return {row["predicate"]: row for row in read_claims(workspace).iter_rows(named=True)}


def test_the_demo_statement_is_stored_with_linked_claims(
    store: ParquetStore, workspace: Workspace
) -> None:
    added = add_demo(store, workspace, url="https://example.org/statement")
    stored = added.stored
    assert stored.is_new
    assert re.fullmatch(r"rpt-[0-9a-f]{20}", stored.record.report_id)
    assert stored.record.report_id == report_id(added.report.text)
    assert len(stored.claim_ids) == len(added.report.claims) == 7
    reports = list_reports(workspace)
    assert reports.select("file", "url", "published_date", "language", "author", "claims").row(
        0
    ) == ("statement.txt", "https://example.org/statement", PUBLISHED, "en", "ana", 7)
    assert reports["added_ts"].to_list() == [ADDED]
    claims = by_predicate(workspace)
    assert claims["loaded"]["vessels"] == [
        {"text": "Lady R", "name": "LADY R", "imo": LADY_R_IMO, "mmsi": LADY_R_MMSI},
        {"text": "Angara", "name": "ANGARA", "imo": ANGARA_IMO, "mmsi": ANGARA_MMSI},
    ]
    assert claims["loaded"]["source"] == "US Department of State"
    assert claims["loaded"]["sentence_index"] == 2  # after the title line and claim 0
    assert (claims["loaded"]["time_start_date"], claims["loaded"]["time_end_date"]) == (
        date(2023, 9, 7),
        date(2023, 10, 1),
    )
    assert [p["port_id"] for p in claims["loaded"]["places"]] == ["PRK-NAJIN"]  # type: ignore[union-attr]
    delivered = read_claims(workspace).filter(pl.col("claim_index") == 0).row(0, named=True)
    assert (
        delivered["quantity_qualifier"],
        delivered["quantity_value"],
        delivered["quantity_unit"],
    ) == ("more_than", 1000.0, "containers")
    # Two store vessels are called MARIA: the claim keeps the text, unlinked.
    assert claims["transported"]["vessels"] == [
        {"text": "Maria", "name": "Maria", "imo": None, "mmsi": None}
    ]
    assert claims["visited"]["certainty"] == "unverified"
    denial = claims["denied"]
    assert denial["refers_to_claim_id"] == claims["visited"]["claim_id"]
    assert {row["status"] for row in claims.values()} == {"original"}


def test_the_same_text_again_adds_nothing_and_says_so(
    store: ParquetStore, workspace: Workspace
) -> None:
    first = add_demo(store, workspace)
    again = add_demo(store, workspace, name="copy.txt", author="bob", added_ts=datetime.now(UTC))
    assert not again.stored.is_new
    assert again.stored.record == first.stored.record  # the earlier copy: ana, statement.txt
    assert again.stored.claim_ids == first.stored.claim_ids
    assert list_reports(workspace).height == 1
    assert current_claims(workspace).height == 7


def test_the_same_text_with_another_publication_date_is_refused(
    store: ParquetStore, workspace: Workspace
) -> None:
    add_demo(store, workspace)
    with pytest.raises(
        ConfigError, match=r"stored already with publication date 2023-10-13, not 2023-10-20"
    ):
        add_demo(store, workspace, published=date(2023, 10, 20))
    assert current_claims(workspace).height == 7


def test_an_empty_main_text_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    empty = Report(language="en", title=None, published=None, text=" \n", claims=())
    index = VesselIndex.from_store(ParquetStore(tmp_path / "unused-store", create=True))
    with pytest.raises(InputError, match="empty.txt: the main text is empty"):
        store_report(
            empty, workspace, index, file="empty.txt", url=None, author="a", added_ts=ADDED
        )
    assert list_reports(workspace).height == 0


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE reports SET title = 'x'",
        "DELETE FROM reports",
        "UPDATE claim_versions SET certainty = 'asserted'",
        "DELETE FROM claim_versions",
    ],
)
def test_reports_and_claims_are_append_only(
    store: ParquetStore, workspace: Workspace, statement: str
) -> None:
    add_demo(store, workspace)
    with pytest.raises(DBAPIError, match="append-only"), workspace.engine.begin() as conn:
        conn.execute(sa.text(statement))
    assert current_claims(workspace).height == 7


def test_dispute_and_correct_a_claim_keep_its_history(
    store: ParquetStore, workspace: Workspace
) -> None:
    add_demo(store, workspace)
    loaded = by_predicate(workspace)["loaded"]["claim_id"]
    assert isinstance(loaded, str)
    assert find_item(loaded, workspace, store) == "claim"
    dispute_item(loaded, workspace, store, author="bob", reason="wrong ship", recorded_ts=ADDED)
    assert read_vessel_claims(workspace, mmsis=[ANGARA_MMSI])["predicate"].to_list() == [
        "unloaded"
    ]  # the disputed claim left the dossier's evidence
    version = correct_item(
        loaded,
        {"vessels": "IMO 9179842; Maia-1", "time": "2023-09-07", "quantity": "about 500 containers",
         "certainty": "assessed", "places": "Rajin; Sea of Japan; Atlantis"},
        workspace, store, author="bob", reason="re-read the statement", recorded_ts=ADDED,
    )  # fmt: skip
    assert (version.version, version.status, version.action) == (3, "corrected", "correct")
    fields = version.fields
    assert fields["vessels"] == [
        {"text": "IMO 9179842", "name": "IMO 9179842", "imo": ANGARA_IMO, "mmsi": ANGARA_MMSI},
        {"text": "Maia-1", "name": "Maia-1", "imo": None, "mmsi": None},
    ]
    assert (fields["time_start_date"], fields["time_end_date"]) == ("2023-09-07", "2023-09-07")
    assert (fields["quantity_qualifier"], fields["quantity_value"]) == ("about", 500.0)
    assert [(p["name"], p["kind"], p["port_id"]) for p in fields["places"]] == [
        ("Najin", "port", "PRK-NAJIN"),
        ("Sea of Japan", "other", None),
        ("Atlantis", "other", None),
    ]
    assert fields["sentence"].startswith("According to the State Department")
    history = item_history(loaded, workspace, store)
    assert history.kind == "claim"
    assert [(v.action, v.status, v.author) for v in history.versions] == [
        ("add", "original", "ana"),
        ("dispute", "disputed", "bob"),
        ("correct", "corrected", "bob"),
    ]
    current = read_vessel_claims(workspace, mmsis=[ANGARA_MMSI])
    assert current.filter(pl.col("claim_id") == loaded)["certainty"].to_list() == ["assessed"]
    assert read_vessel_claims(workspace, mmsis=[LADY_R_MMSI])["predicate"].to_list() == ["visited"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colour": "red"}, "--set colour: a claim has no correctable field 'colour'"),
        ({"time": "last week"}, "--set time: 'last week' is not a date or span"),
        ({"time": "2023-09-09..2023-09-07"}, "ends before it starts"),
        ({"quantity": "lots of containers"}, "--set quantity: 'lots of containers' is not"),
        ({"quantity": "roughly 5 crates"}, "qualifiers: more_than"),
        ({"certainty": "sure"}, "--set certainty: 'sure' is not one of asserted"),
        ({"predicate": "sailed"}, "--set predicate: 'sailed' is not one of"),
    ],
)
def test_bad_claim_corrections_are_refused(
    store: ParquetStore, workspace: Workspace, changes: dict[str, str], message: str
) -> None:
    add_demo(store, workspace)
    loaded = by_predicate(workspace)["loaded"]["claim_id"]
    assert isinstance(loaded, str)
    with pytest.raises(ConfigError, match=re.escape(message)):
        correct_item(loaded, changes, workspace, store, author="a", reason="r", recorded_ts=ADDED)
    assert len(item_history(loaded, workspace, store).versions) == 1


def test_vessel_claims_for_the_dossier(store: ParquetStore, workspace: Workspace) -> None:
    add_demo(store, workspace)
    lady_r = read_vessel_claims(workspace, mmsis=[LADY_R_MMSI])
    assert lady_r.schema == pl.Schema(VESSEL_CLAIMS)
    assert lady_r.select("predicate", "certainty", "mmsi", "imo", "vessel_text").rows() == [
        ("loaded", "asserted", LADY_R_MMSI, LADY_R_IMO, "Lady R"),
        ("visited", "unverified", LADY_R_MMSI, LADY_R_IMO, "Lady R"),
    ]
    assert lady_r["port_ids"].to_list() == [["PRK-NAJIN"], ["PRK-NAJIN"]]
    assert lady_r["published_date"].to_list() == [PUBLISHED] * 2
    assert lady_r["report_file"].to_list() == ["statement.txt"] * 2
    by_imo = read_vessel_claims(workspace, imos=[ANGARA_IMO])
    assert by_imo["predicate"].to_list() == ["loaded", "unloaded"]
    assert read_vessel_claims(workspace, mmsis=[1]).height == 0
    assert read_vessel_claims(workspace).height == 0


def test_explain_a_claim_and_its_report(store: ParquetStore, workspace: Workspace) -> None:
    added = add_demo(store, workspace)
    first = added.stored.claim_ids[1]
    chain = explain_claim(workspace, first)
    assert chain.report == added.stored.record
    assert [c["claim_id"] for c in chain.claims] == [first]
    assert chain.claims[0]["sentence"] == added.report.claims[1].sentence
    assert len(chain.versions) == 1
    whole = explain_claim(workspace, added.stored.record.report_id)
    assert [c["claim_id"] for c in whole.claims] == list(added.stored.claim_ids)
    for unknown in ("clm-00000000000000000000", "rpt-00000000000000000000", "nonsense"):
        with pytest.raises(ConfigError, match=f"no claim or report has the id '{unknown}'"):
            explain_claim(workspace, unknown)


@given(st.text(min_size=1), st.text(min_size=1))
def test_ids_are_stable_and_follow_the_content(first: str, second: str) -> None:
    assert report_id(first) == report_id(first)
    assert re.fullmatch(r"rpt-[0-9a-f]{20}", report_id(first))
    assert claim_id("rpt-x", 0, first) == claim_id("rpt-x", 0, first)
    if first != second:
        assert report_id(first) != report_id(second)
        assert claim_id("rpt-x", 0, first) != claim_id("rpt-x", 0, second)
    assert claim_id("rpt-x", 0, first) != claim_id("rpt-x", 1, first)


def test_add_demo_report_is_the_demo_statement(store: ParquetStore, workspace: Workspace) -> None:
    added = add_demo_report(store, workspace, added_ts=ADDED)
    assert added.stored.record.file == "rajin_shuttle_statement.txt"
    assert added.stored.record.published_date == PUBLISHED
    assert added.stored.record.author == "darkfleet demo"
    assert not add_demo_report(store, workspace, added_ts=ADDED).stored.is_new


def test_a_workspace_at_revision_0003_upgrades_and_takes_reports(
    database_url: str, store: ParquetStore
) -> None:
    with open_workspace(database_url, revision="0003") as old:
        assert "reports" not in sa.inspect(old.engine).get_table_names()
        old.append_annotation(
            "ev1", item_kind="event", fields={}, action="dispute", status="disputed",
            author="ana", recorded_ts=ADDED, reason="r",
        )  # fmt: skip
    with open_workspace(database_url) as upgraded:
        assert current_revision(upgraded.engine) == "0004"
        assert upgraded.current_annotations()["item_id"].to_list() == ["ev1"]
        assert add_demo(store, upgraded).stored.is_new
        assert current_claims(upgraded).height == 7


def test_an_empty_workspace_has_no_claims(store: ParquetStore, workspace: Workspace) -> None:
    assert read_vessel_claims(workspace, mmsis=[LADY_R_MMSI]).schema == pl.Schema(VESSEL_CLAIMS)
    assert read_vessel_claims(workspace, mmsis=[LADY_R_MMSI]).height == 0
    assert read_claims(workspace, vessel="LADY R").height == 0
    assert list_reports(workspace).height == 0
