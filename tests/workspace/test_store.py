"""The workspace database on SQLite and PostgreSQL: migrations, append-only versions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from darkfleet.errors import ConfigError, StoreError
from darkfleet.store.workspace import (
    SightingFields,
    current_revision,
    open_workspace,
    workspace_url,
)

T0 = datetime(2023, 10, 5, 6, 30, tzinfo=UTC)
RECORDED = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
LADY_R = SightingFields(
    vessel_text="LADY R (IMO 9161003)",
    mmsi=273845000,
    imo=9161003,
    start_ts=T0,
    end_ts=T0 + timedelta(hours=2),
    lat=None,
    lon=None,
    port="Najin",
    port_id="PRK-NAJIN",
    source="Maxar WorldView-3",
    observation="containers on deck at the pier",
    confidence="high",
)


def test_open_migrates_a_new_database_to_the_newest_revision(database_url: str) -> None:
    with open_workspace(database_url) as workspace:
        assert current_revision(workspace.engine) == "0004"
        names = set(sa.inspect(workspace.engine).get_table_names())
        views = set(sa.inspect(workspace.engine).get_view_names())
    assert {"sighting_versions", "annotation_versions", "alembic_version"} <= names
    assert {"reports", "claim_versions"} <= names
    assert {"current_sightings", "current_annotations", "current_claims"} <= views


def test_a_database_made_at_revision_0001_upgrades_and_keeps_its_sightings(
    database_url: str,
) -> None:
    with open_workspace(database_url, revision="0001") as old:
        assert current_revision(old.engine) == "0001"
        assert "annotation_versions" not in sa.inspect(old.engine).get_table_names()
        old.add_sightings(
            {"sgt-1": LADY_R}, action="import", author="ana", recorded_ts=RECORDED, reason="r"
        )
    with open_workspace(database_url) as workspace:
        assert current_revision(workspace.engine) == "0004"
        assert workspace.current_sightings()["sighting_id"].to_list() == ["sgt-1"]
        workspace.append_annotation(
            "ev1",
            item_kind="event",
            fields={},
            action="dispute",
            status="disputed",
            author="ana",
            recorded_ts=RECORDED,
            reason="wrong vessel",
        )
        assert workspace.current_annotations()["status"].to_list() == ["disputed"]
    with open_workspace(database_url) as again:  # opening at head again changes nothing
        assert current_revision(again.engine) == "0004"


def test_sightings_round_trip_with_utc_times_and_nulls(database_url: str) -> None:
    with open_workspace(database_url) as workspace:
        added = workspace.add_sightings(
            {"sgt-1": LADY_R}, action="import", author="ana", recorded_ts=RECORDED, reason="r"
        )
        assert added == ["sgt-1"]
        current = workspace.current_sighting("sgt-1")
    assert current is not None
    version, fields = current
    assert fields == LADY_R
    assert fields.start_ts.tzinfo is UTC
    assert (version.version, version.action, version.status) == (1, "import", "original")
    assert version.recorded_ts == RECORDED


def test_adding_the_same_sighting_ids_again_adds_nothing(database_url: str) -> None:
    other = replace(LADY_R, vessel_text="ANGARA", mmsi=None, imo=9179842)
    with open_workspace(database_url) as workspace:
        first = workspace.add_sightings(
            {"a": LADY_R, "b": other},
            action="import",
            author="ana",
            recorded_ts=RECORDED,
            reason="r",
        )
        second = workspace.add_sightings(
            {"b": other, "c": other},
            action="import",
            author="ana",
            recorded_ts=RECORDED,
            reason="r",
        )
        assert (first, second) == (["a", "b"], ["c"])
        assert workspace.current_sightings()["sighting_id"].to_list() == ["a", "b", "c"]


def test_versions_are_kept_in_order_and_the_last_is_current(database_url: str) -> None:
    with open_workspace(database_url) as workspace:
        workspace.add_sightings(
            {"s": LADY_R}, action="import", author="ana", recorded_ts=RECORDED, reason="seen"
        )
        disputed = workspace.append_sighting_version(
            "s",
            LADY_R,
            action="dispute",
            status="disputed",
            author="ben",
            recorded_ts=RECORDED + timedelta(days=1),
            reason="cloud cover",
        )
        corrected = workspace.append_sighting_version(
            "s",
            replace(LADY_R, confidence="low"),
            action="correct",
            status="corrected",
            author="cleo",
            recorded_ts=RECORDED + timedelta(days=2),
            reason="re-read the image",
        )
        history = workspace.sighting_history("s")
        current = workspace.current_sightings()
    assert (disputed, corrected) == (2, 3)
    assert [(v.version, v.action, v.status, v.author, v.reason) for v in history] == [
        (1, "import", "original", "ana", "seen"),
        (2, "dispute", "disputed", "ben", "cloud cover"),
        (3, "correct", "corrected", "cleo", "re-read the image"),
    ]
    assert [v.fields["confidence"] for v in history] == ["high", "high", "low"]
    assert history[0].fields["start_ts"] == "2023-10-05T06:30:00Z"
    assert current.select("version", "status", "confidence").row(0) == (3, "corrected", "low")


def test_current_sightings_filters_by_mmsi_or_imo(database_url: str) -> None:
    angara = replace(LADY_R, vessel_text="ANGARA", mmsi=None, imo=9179842)
    with open_workspace(database_url) as workspace:
        workspace.add_sightings(
            {"l": LADY_R, "a": angara}, action="add", author="ana", recorded_ts=RECORDED, reason="r"
        )
        assert workspace.current_sightings(mmsi=273845000)["sighting_id"].to_list() == ["l"]
        assert workspace.current_sightings(imo=9179842)["sighting_id"].to_list() == ["a"]
        assert workspace.current_sightings(mmsi=1)["sighting_id"].to_list() == []


def test_annotations_keep_every_version(database_url: str) -> None:
    with open_workspace(database_url) as workspace:
        for number, (status, fields) in enumerate(
            [("disputed", {}), ("corrected", {"lat": 42.3}), ("corrected", {"lat": 42.4})]
        ):
            workspace.append_annotation(
                "ev1",
                item_kind="event",
                fields=fields,
                action="dispute" if status == "disputed" else "correct",
                status=status,  # type: ignore[arg-type]
                author="ana",
                recorded_ts=RECORDED + timedelta(hours=number),
                reason=f"r{number}",
            )
        history = workspace.annotation_history("ev1")
        current = workspace.current_annotations("event")
        assert workspace.annotation_history("nothing") == []
    assert [v.version for v in history] == [1, 2, 3]
    assert [v.fields for v in history] == [{}, {"lat": 42.3}, {"lat": 42.4}]
    assert current.select("item_id", "version", "fields").row(0) == ("ev1", 3, '{"lat":42.4}')


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE sighting_versions SET reason = 'x'",
        "DELETE FROM sighting_versions",
        "UPDATE annotation_versions SET reason = 'x'",
        "DELETE FROM annotation_versions",
    ],
)
def test_the_database_refuses_to_rewrite_or_delete_a_version(
    database_url: str, statement: str
) -> None:
    with open_workspace(database_url) as workspace:
        workspace.add_sightings(
            {"s": LADY_R}, action="add", author="ana", recorded_ts=RECORDED, reason="r"
        )
        workspace.append_annotation(
            "ev1",
            item_kind="event",
            fields={},
            action="dispute",
            status="disputed",
            author="ana",
            recorded_ts=RECORDED,
            reason="r",
        )
        with pytest.raises(DBAPIError, match="append-only"), workspace.engine.begin() as conn:
            conn.execute(sa.text(statement))
        assert workspace.sighting_history("s")[0].reason == "r"


def test_a_version_needs_an_author_and_a_reason(database_url: str) -> None:
    with open_workspace(database_url) as workspace:
        with pytest.raises(StoreError, match="author and a reason"):
            workspace.add_sightings(
                {"s": LADY_R}, action="add", author=" ", recorded_ts=RECORDED, reason="r"
            )
        with pytest.raises(StoreError, match="no sighting 'nope'"):
            workspace.append_sighting_version(
                "nope",
                LADY_R,
                action="correct",
                status="corrected",
                author="a",
                recorded_ts=RECORDED,
                reason="r",
            )


def test_naive_times_are_refused(database_url: str) -> None:
    naive = replace(LADY_R, start_ts=datetime(2023, 10, 5))
    with open_workspace(database_url) as workspace, pytest.raises(sa.exc.StatementError):
        workspace.add_sightings(
            {"s": naive}, action="add", author="a", recorded_ts=RECORDED, reason="r"
        )


def test_the_default_workspace_is_sqlite_in_the_store(tmp_path) -> None:
    url = workspace_url(tmp_path, None)
    assert url == f"sqlite:///{tmp_path.resolve()}/workspace.sqlite"
    with open_workspace(url):
        pass
    assert (tmp_path / "workspace.sqlite").is_file()
    assert workspace_url(tmp_path, "postgresql://db/x") == "postgresql://db/x"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "is not a database URL; write e.g. postgresql://"),
        ("mysql://ana@db/x", "database 'mysql' is not supported"),
        ("postgresql+nosuchdriver://db/x", "cannot use postgresql\\+nosuchdriver"),
    ],
)
def test_bad_database_urls_are_config_errors(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        open_workspace(url, where="$DARKFLEET_DATABASE_URL")


def test_an_unreachable_server_is_a_store_error_without_the_password() -> None:
    with pytest.raises(StoreError) as info:
        open_workspace(
            "postgresql://ana:s3cret@127.0.0.1:1/darkfleet?connect_timeout=2",
            where="$DARKFLEET_DATABASE_URL",
        )
    message = str(info.value)
    assert "s3cret" not in message
    assert "postgresql+psycopg://ana:***@127.0.0.1:1/darkfleet" in message
    assert "$DARKFLEET_DATABASE_URL" in message
    assert "check that the server runs" in message


def test_a_sqlite_workspace_in_a_missing_folder_is_a_store_error(tmp_path) -> None:
    with pytest.raises(StoreError, match="does not exist; create it"):
        open_workspace(f"sqlite:///{tmp_path / 'missing' / 'w.sqlite'}")
