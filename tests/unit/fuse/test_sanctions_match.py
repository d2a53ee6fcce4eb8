"""Screening: true matches, near misses, false friends, MMSI validity in time, scripts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from darkfleet import schema
from darkfleet.errors import ConfigError
from darkfleet.fuse.identity import identity_periods
from darkfleet.fuse.sanctions.formats import ENTRY_COLUMNS
from darkfleet.fuse.sanctions.match import ScreenParams, ScreenResult, screen_vessels
from darkfleet.reference import load_mid_table

T0 = datetime(2023, 9, 1, tzinfo=UTC)
RUSSIAN, PANAMA = 273_100_001, 351_200_002


def statics(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Static reports; each row gives mmsi, day (offset from T0) and identity fields."""
    frame = pl.DataFrame(
        [
            {**{k: v for k, v in r.items() if k != "day"}, "ts": T0 + timedelta(days=r["day"])}
            for r in rows
        ]
    )
    frame = frame.with_columns(
        pl.lit("f1").alias("file_id"), pl.int_range(pl.len()).alias("line_no")
    )
    return schema.conform(frame, schema.STATICS)


def entries(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return schema.conform(pl.DataFrame([{"list": "l", **r} for r in rows]), ENTRY_COLUMNS)


def screen(reports: list[dict[str, Any]], listed: list[dict[str, Any]], **kw: Any) -> ScreenResult:
    periods = identity_periods(statics(reports), load_mid_table())
    return screen_vessels(periods, entries(listed), **kw)


def details(result: ScreenResult) -> list[dict[str, Any]]:
    return [json.loads(d) for d in result.events["details"].to_list()]


def test_imo_match_is_strong_and_spans_the_time_the_imo_was_reported() -> None:
    found = screen(
        [
            {"mmsi": PANAMA, "day": 0, "name": "SOMETHING ELSE", "imo": 9161003},
            {"mmsi": PANAMA, "day": 5, "name": "SOMETHING ELSE", "imo": 9161003},
            {"mmsi": PANAMA, "day": 9, "name": "SOMETHING ELSE"},
        ],
        [{"entry_id": "e1", "name": "LADY R", "imo": 9161003, "flag": "RUS", "programs": ["P"]}],
    )
    event = found.events.row(0, named=True)
    assert (event["type"], event["mmsi"], event["score"]) == ("sanctions_match", PANAMA, 1.0)
    assert (event["start_ts"], event["end_ts"]) == (T0, T0 + timedelta(days=5))
    info = details(found)[0]
    assert info == {
        "corroboration": ["imo 9161003"],
        "entry_flag": "RUS",
        "entry_id": "e1",
        "entry_imo": 9161003,
        "entry_mmsi": None,
        "entry_name": "LADY R",
        "list": "l",
        "match_score": 100.0,
        "matched_on": "imo",
        "programs": ["P"],
        "source_url": None,
    }
    assert list(json.loads(event["details"])) == sorted(info)  # canonical key order


def test_name_match_needs_corroboration_and_reports_it() -> None:
    reports = [
        {
            "mmsi": RUSSIAN,
            "day": 0,
            "name": "LADY R",
            "ship_type": 70,
            "callsign": "ubct3",
            "length_m": 120,
        },
    ]
    listed = [
        {
            "entry_id": "e1",
            "name": "M/V Lady-R",
            "flag": "RUS",
            "vessel_type": "Ro-Ro Cargo",
            "callsign": "UBCT3",
            "gross_tonnage": 7260.0,
        }
    ]
    found = screen(reports, listed)
    info = details(found)[0]
    assert info["matched_on"] == "name"
    assert info["corroboration"] == [
        "name LADY R (100.0)",
        "flag RUS",
        "type cargo",
        "size 120 m fits 7260 GT",
        "callsign UBCT3",
    ]
    assert found.events["score"].to_list() == [0.8]
    assert found.near_misses.height == 0


def test_similar_name_without_corroboration_is_a_near_miss_not_a_match() -> None:
    found = screen(
        [{"mmsi": PANAMA, "day": 0, "name": "LADY R", "ship_type": 30}],
        [{"entry_id": "e1", "name": "LADY R", "flag": "RUS", "vessel_type": "General cargo"}],
    )
    assert found.events.height == 0
    miss = found.near_misses.row(0, named=True)
    assert (miss["mmsi"], miss["entry_id"], miss["name_score"]) == (PANAMA, "e1", 100.0)
    assert miss["reason"].startswith("name similar (100.0), but too little corroborates it")
    assert miss["corroboration"] == ["name LADY R (100.0)"]


def test_one_weak_corroborator_is_not_enough_two_are() -> None:
    reports = [{"mmsi": RUSSIAN, "day": 0, "name": "LADY R", "ship_type": 70}]
    flag_only = screen(reports, [{"entry_id": "e1", "name": "LADY R", "flag": "RUS"}])
    assert flag_only.events.height == 0
    assert flag_only.near_misses["corroboration"].to_list() == [["name LADY R (100.0)", "flag RUS"]]
    both = screen(
        reports, [{"entry_id": "e1", "name": "LADY R", "flag": "RUS", "vessel_type": "Ro-Ro"}]
    )
    assert details(both)[0]["corroboration"] == ["name LADY R (100.0)", "flag RUS", "type cargo"]
    assert both.events["score"].to_list() == [0.7]


def test_a_call_sign_alone_corroborates() -> None:
    found = screen(
        [{"mmsi": PANAMA, "day": 0, "name": "LADY R", "callsign": "UBCT3"}],
        [{"entry_id": "e1", "name": "LADY R", "callsign": "ubct3", "flag": "RUS"}],
    )
    assert details(found)[0]["corroboration"] == ["name LADY R (100.0)", "callsign UBCT3"]


def test_false_friend_same_name_different_imo_never_matches() -> None:
    found = screen(
        [{"mmsi": RUSSIAN, "day": 0, "name": "MARIA", "imo": 9074729, "ship_type": 70}],
        [
            {
                "entry_id": "e1",
                "name": "MARIA",
                "imo": 9181663,
                "flag": "RUS",
                "vessel_type": "General cargo",
            }
        ],
    )
    assert found.events.height == 0
    miss = found.near_misses.row(0, named=True)
    assert miss["vessel_imos"] == [9074729]
    assert miss["entry_imo"] == 9181663
    assert "reported IMO 9074729 and the entry has IMO 9181663" in miss["reason"]
    assert miss["corroboration"] == ["name MARIA (100.0)", "flag RUS", "type cargo"]


def test_mmsi_match_is_valid_only_while_the_vessel_held_the_listed_identity() -> None:
    reports = [
        {"mmsi": RUSSIAN, "day": 0, "name": "ANGARA"},
        {"mmsi": RUSSIAN, "day": 10, "name": "ANGARA"},
        {"mmsi": RUSSIAN, "day": 20, "name": "FISHER KING"},  # MMSI reassigned later
        {"mmsi": RUSSIAN, "day": 30, "name": "FISHER KING"},
    ]
    found = screen(reports, [{"entry_id": "e1", "name": "ANGARA", "mmsi": RUSSIAN}])
    event = found.events.row(0, named=True)
    assert details(found)[0]["matched_on"] == "mmsi"
    assert details(found)[0]["entry_mmsi"] == RUSSIAN
    assert event["score"] == 0.9
    assert (event["start_ts"], event["end_ts"]) == (T0, T0 + timedelta(days=10))


def test_mmsi_held_by_a_ship_with_another_imo_is_a_near_miss() -> None:
    found = screen(
        [{"mmsi": RUSSIAN, "day": 0, "name": "FISHER KING", "imo": 9074729}],
        [{"entry_id": "e1", "name": "ANGARA", "mmsi": RUSSIAN, "imo": 9179842}],
    )
    assert found.events.height == 0
    assert found.near_misses["reason"].to_list() == [
        "MMSI matches, but the vessel reported IMO 9074729 and the entry has IMO 9179842 "
        "(MMSI reassigned or cloned?)"
    ]


def test_mmsi_seen_only_in_positions_is_a_near_miss() -> None:
    periods = identity_periods(statics([]), load_mid_table())
    seen = pl.DataFrame(
        {"mmsi": [RUSSIAN], "first_seen": [T0], "last_seen": [T0]},
        schema={"mmsi": pl.Int64, "first_seen": schema.UTC_US, "last_seen": schema.UTC_US},
    )
    found = screen_vessels(
        periods, entries([{"entry_id": "e1", "name": "ANGARA", "mmsi": RUSSIAN}]), seen=seen
    )
    assert found.events.height == 0
    assert found.vessels == 1
    assert "no name or IMO the vessel reported agrees" in found.near_misses["reason"][0]


def test_cyrillic_list_names_match_latin_ais_names() -> None:
    found = screen(
        [{"mmsi": RUSSIAN, "day": 0, "name": "MARIYA", "ship_type": 70}],
        [{"entry_id": "e1", "name": "Мария", "flag": "RUS", "vessel_type": "General cargo"}],
    )
    assert details(found)[0]["corroboration"] == [
        "name MARIYA (100.0)",
        "flag RUS",
        "type cargo",
    ]


def test_transliteration_variants_within_the_name_threshold() -> None:
    found = screen(
        [{"mmsi": RUSSIAN, "day": 0, "name": "MARIA", "ship_type": 70}],
        [{"entry_id": "e1", "name": "Мария", "flag": "RUS", "vessel_type": "General cargo"}],
    )
    assert details(found)[0]["corroboration"][0] == "name MARIA (90.9)"


def test_former_name_of_the_vessel_corroborates() -> None:
    found = screen(
        [
            {"mmsi": PANAMA, "day": 0, "name": "POLAR DAWN"},
            {"mmsi": PANAMA, "day": 40, "name": "NORTHERN STAR 7"},
        ],
        [
            {
                "entry_id": "e1",
                "name": "NORTHERN STAR 7",
                "previous_names": ["Polar Dawn"],
                "flag": "RUS",
            }
        ],
    )
    event = found.events.row(0, named=True)
    assert details(found)[0]["corroboration"] == [
        "name NORTHERN STAR 7 (100.0)",
        "former name POLAR DAWN",
    ]
    assert event["start_ts"] == T0 + timedelta(days=40)  # the time it held the listed name


def test_one_event_per_vessel_and_entry_with_the_strongest_rule() -> None:
    found = screen(
        [{"mmsi": RUSSIAN, "day": 0, "name": "LADY R", "imo": 9161003}],
        [{"entry_id": "e1", "name": "LADY R", "imo": 9161003, "mmsi": RUSSIAN, "flag": "RUS"}],
    )
    assert found.events.height == 1
    assert details(found)[0]["corroboration"] == [
        "imo 9161003",
        f"mmsi {RUSSIAN}",
        "name LADY R (100.0)",
        "flag RUS",
    ]
    assert found.matches.select("vessel_name", "entry_name", "matched_on").row(0) == (
        "LADY R",
        "LADY R",
        "imo",
    )
    assert found.matches["event_id"].to_list() == found.events["event_id"].to_list()


def test_event_ids_are_stable_and_differ_per_entry() -> None:
    reports = [{"mmsi": RUSSIAN, "day": 0, "name": "LADY R", "imo": 9161003}]
    listed = [
        {"entry_id": "e1", "name": "LADY R", "imo": 9161003},
        {"entry_id": "e2", "name": "LADY R", "imo": 9161003},
    ]
    first, again = screen(reports, listed), screen(reports, listed)
    assert first.events["event_id"].to_list() == again.events["event_id"].to_list()
    assert first.events["event_id"].n_unique() == 2


def test_no_entries_or_no_vessels_give_empty_frames_with_the_schema() -> None:
    found = screen([], [])
    assert found.events.schema == pl.Schema(schema.EVENTS)
    assert found.events.height == found.near_misses.height == found.matches.height == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_name_score", 40.0), ("length_per_tonnage_root", 0.0), ("size_tolerance_ratio", 1.0)],
)
def test_bad_parameters_are_refused(field: str, value: float) -> None:
    with pytest.raises(ConfigError, match=field):
        ScreenParams(**{field: value})
