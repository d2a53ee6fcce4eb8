from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.detect.identity_change import IdentityChangeParams, detect_identity_changes
from darkfleet.errors import ConfigError, SchemaError
from darkfleet.testing import make_track

T0 = datetime(2023, 9, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
MMSI = 273_000_001


def statics(rows: list[dict[str, Any]], *, mmsi: int = MMSI) -> pl.DataFrame:
    """Static reports one hour apart, each row giving the fields it sets."""
    frame = pl.DataFrame(
        [{"mmsi": mmsi, "ts": T0 + i * HOUR, **row} for i, row in enumerate(rows)],
        infer_schema_length=None,
    )
    return schema.conform(frame, schema.STATICS)


def names(*values: str | None, mmsi: int = MMSI) -> pl.DataFrame:
    return statics([{"name": v} for v in values], mmsi=mmsi)


def all_details(events: pl.DataFrame) -> list[dict[str, Any]]:
    return [json.loads(d) for d in events["details"]]


def test_persistent_rename_is_one_event_between_last_old_and_first_new_report() -> None:
    events = detect_identity_changes(
        names("SPARTA IV", "SPARTA IV", "LADY R", "LADY R"), IdentityChangeParams()
    )
    assert events.height == 1
    assert events["start_ts"][0] == T0 + HOUR
    assert events["end_ts"][0] == T0 + 2 * HOUR
    info = all_details(events)[0]
    assert info == {
        "field": "name",
        "old": "SPARTA IV",
        "new": "LADY R",
        "old_first_seen_ts": "2023-09-01T00:00:00Z",
        "old_last_seen_ts": "2023-09-01T01:00:00Z",
        "new_first_seen_ts": "2023-09-01T02:00:00Z",
        "new_last_seen_ts": "2023-09-01T03:00:00Z",
        "n_reports_old": 2,
        "n_reports_new": 2,
    }
    assert events["type"][0] == "identity_change"
    assert events["lat"][0] is None


def test_single_report_of_another_value_is_noise() -> None:
    events = detect_identity_changes(
        names("ANGARA", "ANGARA", "ANGARX", "ANGARA", "ANGARA"), IdentityChangeParams()
    )
    assert events.is_empty()


def test_noise_is_reported_when_min_reports_is_one() -> None:
    events = detect_identity_changes(
        names("ANGARA", "ANGARX", "ANGARA"), IdentityChangeParams(min_reports=1)
    )
    assert [(d["old"], d["new"]) for d in all_details(events)] == [
        ("ANGARA", "ANGARX"),
        ("ANGARX", "ANGARA"),
    ]


def test_persistent_flapping_gives_one_event_per_switch() -> None:
    events = detect_identity_changes(names("A", "A", "B", "B", "A", "A"), IdentityChangeParams())
    assert [(d["old"], d["new"]) for d in all_details(events)] == [("A", "B"), ("B", "A")]


def test_names_are_normalised_before_comparing() -> None:
    events = detect_identity_changes(
        names("lady  r", " LADY R ", "Lady R", "LADY\tR"), IdentityChangeParams()
    )
    assert events.is_empty()


def test_not_available_values_are_ignored() -> None:
    rows = [
        {"imo": 9161003},
        {"imo": 9161003},
        {"imo": 0},
        {"imo": 0},
        {"imo": None},
        {"imo": 9161003},
    ]
    assert detect_identity_changes(statics(rows), IdentityChangeParams()).is_empty()
    rows = [{"ship_type": 70}, {"ship_type": 0}, {"ship_type": 0}, {"ship_type": 70}]
    assert detect_identity_changes(statics(rows), IdentityChangeParams()).is_empty()
    assert detect_identity_changes(names("X", "", "  ", "X"), IdentityChangeParams()).is_empty()


def test_changes_of_several_fields_at_once_are_separate_events_with_distinct_ids() -> None:
    rows = [
        {"name": "SPARTA IV", "callsign": "UBCT3", "imo": 9161003, "ship_type": 70},
        {"name": "SPARTA IV", "callsign": "UBCT3", "imo": 9161003, "ship_type": 70},
        {"name": "LADY R", "callsign": "UBCT4", "imo": 9074729, "ship_type": 79},
        {"name": "LADY R", "callsign": "UBCT4", "imo": 9074729, "ship_type": 79},
    ]
    events = detect_identity_changes(statics(rows), IdentityChangeParams())
    assert sorted(d["field"] for d in all_details(events)) == [
        "callsign",
        "imo",
        "name",
        "ship_type",
    ]
    assert events["event_id"].n_unique() == 4
    imo = next(d for d in all_details(events) if d["field"] == "imo")
    assert (imo["old"], imo["new"]) == ("9161003", "9074729")


def test_vessels_are_kept_apart() -> None:
    frame = pl.concat([names("A", "A"), names("B", "B", mmsi=273_000_002)])
    assert detect_identity_changes(frame, IdentityChangeParams()).is_empty()


def test_position_nearest_in_time_to_the_new_value_is_attached() -> None:
    positions = pl.concat(
        [
            make_track(mmsi=MMSI, start_ts=T0, n=1, lat=42.0, lon=132.0),
            make_track(
                mmsi=MMSI, start_ts=T0 + 2 * HOUR + timedelta(minutes=10), n=1, lat=42.5, lon=131.0
            ),
            make_track(mmsi=999, start_ts=T0 + 2 * HOUR, n=1, lat=10.0, lon=10.0),
        ]
    )
    events = detect_identity_changes(names("A", "A", "B", "B"), IdentityChangeParams(), positions)
    assert (events["lat"][0], events["lon"][0]) == (42.5, 131.0)


def test_position_beyond_tolerance_is_not_attached() -> None:
    positions = make_track(mmsi=MMSI, start_ts=T0 + 30 * HOUR, n=1)
    events = detect_identity_changes(names("A", "A", "B", "B"), IdentityChangeParams(), positions)
    assert events["lat"][0] is None


def test_empty_input_gives_empty_frame_with_full_schema() -> None:
    events = detect_identity_changes(schema.empty(schema.STATICS), IdentityChangeParams())
    assert events.schema == pl.Schema(schema.EVENTS)
    assert events.is_empty()


def test_shuffled_rows_give_the_same_events() -> None:
    frame = pl.concat([names("A", "A", "B", "B", "C", "C"), names("X", "X", "Y", "Y", mmsi=5)])
    expected = detect_identity_changes(frame, IdentityChangeParams())
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=7)
    assert_frame_equal(detect_identity_changes(shuffled, IdentityChangeParams()), expected)
    assert expected.height == 3


def test_missing_column_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="statics: missing column 'callsign'"):
        detect_identity_changes(names("A").drop("callsign"), IdentityChangeParams())


@pytest.mark.parametrize("value", [0, -1, 1001])
def test_out_of_range_min_reports_is_rejected(value: int) -> None:
    with pytest.raises(ConfigError, match="detect.identity_change.min_reports must be in"):
        IdentityChangeParams(min_reports=value)


def test_non_integer_min_reports_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="min_reports must be an int"):
        IdentityChangeParams(min_reports=2.5)  # type: ignore[arg-type]


def test_negative_tolerance_is_rejected() -> None:
    with pytest.raises(ConfigError, match="position_tolerance must be >= 0"):
        IdentityChangeParams(position_tolerance=timedelta(hours=-1))
