"""Disputes and corrections: the events overlay and the history invariant, both backends."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from darkfleet import schema
from darkfleet.errors import ConfigError, SchemaError
from darkfleet.fuse.corrections import (
    EVENT_STATUS,
    apply_event_corrections,
    correct_item,
    dispute_item,
    item_history,
    parse_assignments,
)
from darkfleet.fuse.sightings import add_sighting, read_current_sightings
from darkfleet.fuse.vessel_mentions import VesselIndex
from darkfleet.store import ParquetStore
from darkfleet.store.workspace import Workspace, open_workspace
from tests.workspace._fleet import GAP_EVENT, VISIT_EVENT, events, make_store

RECORDED = datetime(2026, 1, 2, tzinfo=UTC)
_examples = itertools.count()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ParquetStore:
    return make_store(tmp_path_factory.mktemp("store") / "s")


@pytest.fixture
def workspace(database_url: str) -> Iterator[Workspace]:
    with open_workspace(database_url) as opened:
        yield opened


def test_an_untouched_events_frame_gets_status_original(workspace: Workspace) -> None:
    frame = apply_event_corrections(events(), workspace.current_annotations("event"))
    assert frame.columns == [*schema.EVENTS, *EVENT_STATUS]
    assert frame["status"].to_list() == ["original", "original"]
    assert frame.drop(list(EVENT_STATUS)).equals(events())


def test_corrections_and_disputes_overlay_the_events(
    workspace: Workspace, store: ParquetStore
) -> None:
    dispute_item(GAP_EVENT, workspace, store, author="ana", reason="outage", recorded_ts=RECORDED)
    correct_item(
        VISIT_EVENT,
        {"port": "Rajin", "country": "PRK", "lat": "", "start": "2023-10-08T06:00+03:00"},
        workspace,
        store,
        author="ben",
        reason="the pier is Rajin's",
        recorded_ts=RECORDED,
    )
    frame = apply_event_corrections(events(), workspace.current_annotations("event"))
    gap, visit = frame.to_dicts()
    assert (gap["status"], gap["status_version"], gap["status_reason"]) == ("disputed", 1, "outage")
    assert gap["lat"] == 42.9  # a dispute changes no field
    assert (visit["status"], visit["status_author"]) == ("corrected", "ben")
    assert (visit["port"], visit["country"], visit["lat"], visit["lon"]) == (
        "Rajin", "PRK", None, 133.05,
    )  # fmt: skip
    assert visit["start_ts"] == datetime(2023, 10, 8, 3, tzinfo=UTC)
    assert visit["end_ts"] == datetime(2023, 10, 9, tzinfo=UTC)


def test_a_later_correction_keeps_earlier_corrected_fields(
    workspace: Workspace, store: ParquetStore
) -> None:
    for changes in ({"port": "Rajin"}, {"score": "0.5"}):
        correct_item(
            VISIT_EVENT, changes, workspace, store, author="a", reason="r", recorded_ts=RECORDED
        )
    history = item_history(VISIT_EVENT, workspace, store)
    assert [dict(v.fields) for v in history.versions] == [
        {"port": "Rajin"},
        {"port": "Rajin", "score": 0.5},
    ]
    assert history.original is not None
    assert history.original["port"] == "Vostochnyy"


def test_the_overlay_needs_an_events_frame(workspace: Workspace) -> None:
    with pytest.raises(SchemaError, match="events: missing column 'event_id'"):
        apply_event_corrections(pl.DataFrame({"x": [1]}), workspace.current_annotations())


@pytest.mark.parametrize(
    ("assignments", "message"),
    [
        ([], "nothing to correct"),
        (["=x"], "write field=value"),
        (["port=a", "PORT=b"], "--set port given twice"),
    ],
)
def test_parse_assignments_refuses(assignments: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_assignments(assignments)


def test_an_event_of_a_later_detection_run_keeps_its_history(
    tmp_path: Path, workspace: Workspace
) -> None:
    store = make_store(tmp_path / "s")
    dispute_item(GAP_EVENT, workspace, store, author="a", reason="r", recorded_ts=RECORDED)
    store.replace_events(events().filter(pl.col("event_id") != GAP_EVENT))
    history = item_history(GAP_EVENT, workspace, store)
    assert (history.kind, history.original, len(history.versions)) == ("event", None, 1)


_SIGHTING_CHANGES = st.one_of(
    st.just(("dispute", {})),
    st.builds(lambda c: ("correct", {"confidence": c}), st.sampled_from(["low", "medium", "high"])),
    st.builds(lambda t: ("correct", {"observation": t}), st.text("abc xyz", max_size=8)),
    st.builds(
        lambda h: (
            "correct",
            {"time": (datetime(2023, 10, 5, tzinfo=UTC) + timedelta(hours=h)).isoformat()},
        ),
        st.integers(0, 48),
    ),  # fmt: skip
)


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(_SIGHTING_CHANGES, max_size=6))
def test_any_sequence_of_changes_keeps_every_version_and_the_last_is_current(
    workspace: Workspace, store: ParquetStore, changes: list[tuple[str, dict[str, str]]]
) -> None:
    raw = {"vessel": "LADY R", "time": "2023-10-05T06:30Z", "port": "Rajin",
           "source": f"example {next(_examples)}"}  # fmt: skip
    sighting_id, _ = add_sighting(
        raw, workspace, VesselIndex.from_store(store), author="a", recorded_ts=RECORDED
    )
    for number, (action, fields) in enumerate(changes):
        when = RECORDED + timedelta(minutes=number + 1)
        if action == "dispute":
            dispute_item(
                sighting_id, workspace, store, author="b", reason=f"{number}", recorded_ts=when
            )
        else:
            correct_item(
                sighting_id, fields, workspace, store, author="c", reason=f"{number}",
                recorded_ts=when,
            )  # fmt: skip
    history = item_history(sighting_id, workspace, store).versions
    assert [v.version for v in history] == list(range(1, len(changes) + 2))
    assert [v.reason for v in history[1:]] == [str(n) for n in range(len(changes))]
    assert [v.action for v in history[1:]] == [action for action, _ in changes]
    current = workspace.current_sightings().filter(pl.col("sighting_id") == sighting_id)
    last = history[-1]
    assert current.select("version", "status").row(0) == (last.version, last.status)
    assert current["confidence"].item() == last.fields["confidence"]
    assert current["observation"].item() == last.fields["observation"]
    for version, (action, fields) in zip(history[1:], changes, strict=True):
        for name, value in fields.items():
            key = "start_ts" if name == "time" else name
            expected = value.replace("+00:00", "Z") if name == "time" else value.strip()
            assert version.fields[key] == expected, (action, name)
    in_contract = sighting_id in read_current_sightings(workspace)["sighting_id"].to_list()
    assert in_contract == (last.status != "disputed")
