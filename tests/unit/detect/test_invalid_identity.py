from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from darkfleet import schema
from darkfleet.detect.invalid_identity import (
    InvalidIdentityParams,
    classify_mmsi,
    detect_invalid_identities,
    imo_check_digit,
    is_valid_imo,
    mmsi_mid,
)
from darkfleet.errors import ConfigError, SchemaError
from darkfleet.reference import load_mid_table
from darkfleet.testing import make_track

T0 = datetime(2023, 9, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
MIDS = pl.DataFrame({"mid": [273, 445, 636]}, schema={"mid": pl.Int16})


def statics(rows: list[dict[str, Any]]) -> pl.DataFrame:
    frame = pl.DataFrame(
        [{"ts": T0 + i * HOUR, **row} for i, row in enumerate(rows)], infer_schema_length=None
    )
    return schema.conform(frame, schema.STATICS)


def run(
    frame: pl.DataFrame, positions: pl.DataFrame | None = None, mids: pl.DataFrame = MIDS
) -> list[dict[str, Any]]:
    events = detect_invalid_identities(frame, positions, InvalidIdentityParams(), mids)
    return [json.loads(d) for d in events["details"]]


# IMO numbers of real ships, check digits verified by hand (digits 1-6 weighted 7..2):
# LADY R 9161003: 63+6+30+4+0+0 = 103 -> 3; 9074729: 63+0+35+16+21+4 = 139 -> 9;
# EVER GIVEN 9811000: 63+48+5+4+0+0 = 120 -> 0.
@pytest.mark.parametrize("imo", [9161003, 9074729, 9811000])
def test_real_imo_numbers_pass_the_check_digit(imo: int) -> None:
    frame = pl.DataFrame({"imo": [imo]})
    assert frame.select(is_valid_imo(pl.col("imo"))).item() is True
    assert frame.select(imo_check_digit(pl.col("imo"))).item() == imo % 10


@pytest.mark.parametrize("imo", [9161004, 9074720, 9811001, 123, 12_345_678, 999_999])
def test_wrong_check_digit_or_length_fails(imo: int) -> None:
    assert pl.DataFrame({"imo": [imo]}).select(is_valid_imo(pl.col("imo"))).item() is False


@pytest.mark.parametrize(
    ("mmsi", "mmsi_class", "mid"),
    [
        (273_000_001, "ship", 273),
        (445_123_456, "ship", 445),
        (2_730_001, "coast_station", 273),  # 002730001
        (27_300_001, "group", 273),  # 027300001
        (111_273_001, "sar_aircraft", 273),
        (827_312_345, "handheld", 273),
        (982_731_234, "craft_associated", 273),
        (992_731_234, "aton", 273),
        (970_123_456, "sart", None),
        (972_123_456, "mob", None),
        (974_123_456, "epirb", None),
        (123_456_789, "invalid", None),
        (912_345_678, "invalid", None),
        (1_000_000_000, "invalid", None),
        (-5, "invalid", None),
    ],
)
def test_mmsi_forms_are_classified(mmsi: int, mmsi_class: str, mid: int | None) -> None:
    frame = pl.DataFrame({"mmsi": [mmsi]})
    assert frame.select(classify_mmsi(pl.col("mmsi"))).item() == mmsi_class
    assert frame.select(mmsi_mid(pl.col("mmsi"))).item() == mid


def test_bad_imo_check_digit_is_flagged_with_the_expected_digit() -> None:
    found = run(statics([{"mmsi": 273_000_001, "imo": 9161004}] * 3))
    assert len(found) == 1
    assert found[0]["rule"] == "imo_check_digit"
    assert found[0]["value"] == "9161004"
    assert found[0]["expected_check_digit"] == 3
    assert found[0]["n_reports"] == 3
    assert "fails its check digit" in found[0]["reason"]


def test_imo_that_is_not_seven_digits_is_a_format_problem() -> None:
    found = run(statics([{"mmsi": 273_000_001, "imo": 123}]))
    assert [(f["rule"], f["value"], f["expected_check_digit"]) for f in found] == [
        ("imo_format", "123", None)
    ]


def test_valid_and_not_available_imos_are_not_flagged() -> None:
    rows = [
        {"mmsi": 273_000_001, "imo": 9161003},
        {"mmsi": 273_000_001, "imo": 0},
        {"mmsi": 273_000_001},
    ]
    assert run(statics(rows)) == []


def test_mmsi_of_no_form_is_invalid() -> None:
    found = run(statics([{"mmsi": 123_456_789}]))
    assert [(f["rule"], f["mmsi_class"], f["mid"]) for f in found] == [
        ("mmsi_invalid", "invalid", None)
    ]


@pytest.mark.parametrize(
    ("mmsi", "mmsi_class"),
    [(111_111_111, "sar_aircraft"), (999_999_999, "aton"), (200_000_001, "ship")],
)
def test_unassigned_mid_is_flagged(mmsi: int, mmsi_class: str) -> None:
    found = run(statics([{"mmsi": mmsi}]))
    assert [(f["rule"], f["mmsi_class"]) for f in found] == [("mid_unassigned", mmsi_class)]


@pytest.mark.parametrize(
    "mmsi", [2_730_001, 27_300_001, 992_731_234, 982_731_234, 111_273_001, 970_123_456, 974_123_456]
)
def test_stations_that_are_not_ships_are_not_flagged(mmsi: int) -> None:
    assert run(statics([{"mmsi": mmsi}])) == []


def test_mmsi_event_spans_first_to_last_message_in_statics_and_positions() -> None:
    frame = statics([{"mmsi": 123_456_789}])  # at T0
    positions = pl.concat(
        [
            make_track(mmsi=123_456_789, start_ts=T0 - 3 * HOUR, n=1, lat=42.1, lon=130.1),
            make_track(mmsi=123_456_789, start_ts=T0 + 5 * HOUR, n=1),
        ]
    )
    events = detect_invalid_identities(frame, positions, InvalidIdentityParams(), MIDS)
    assert events["start_ts"][0] == T0 - 3 * HOUR
    assert events["end_ts"][0] == T0 + 5 * HOUR
    assert (events["lat"][0], events["lon"][0]) == pytest.approx((42.1, 130.1))
    assert json.loads(events["details"][0])["n_reports"] == 3


def test_mmsi_seen_only_in_positions_is_checked() -> None:
    positions = make_track(mmsi=200_000_001, n=2)
    events = detect_invalid_identities(
        schema.empty(schema.STATICS), positions, InvalidIdentityParams(), MIDS
    )
    assert json.loads(events["details"][0])["rule"] == "mid_unassigned"


def test_two_problems_of_one_vessel_starting_together_get_distinct_ids() -> None:
    events = detect_invalid_identities(
        statics([{"mmsi": 200_000_001, "imo": 9161004}]), None, InvalidIdentityParams(), MIDS
    )
    assert sorted(json.loads(d)["rule"] for d in events["details"]) == [
        "imo_check_digit",
        "mid_unassigned",
    ]
    assert events["start_ts"].n_unique() == 1
    assert events["event_id"].n_unique() == 2


def test_each_distinct_bad_imo_is_its_own_event() -> None:
    rows = [{"mmsi": 273_000_001, "imo": 9161004}, {"mmsi": 273_000_001, "imo": 9161005}]
    assert sorted(f["value"] for f in run(statics(rows))) == ["9161004", "9161005"]


def test_shipped_mid_table_knows_the_real_mids() -> None:
    mids = load_mid_table()
    rows = [
        {"mmsi": m}
        for m in (273_000_001, 445_000_001, 636_000_001, 638_000_001, 659_000_001, 740_000_001)
    ]
    assert run(statics(rows), mids=mids) == []


def test_empty_input_gives_empty_frame_with_full_schema() -> None:
    events = detect_invalid_identities(
        schema.empty(schema.STATICS), schema.empty(schema.POSITIONS), InvalidIdentityParams(), MIDS
    )
    assert events.schema == pl.Schema(schema.EVENTS)
    assert events.is_empty()


def test_mid_table_without_mid_column_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="mid_table: missing column 'mid'"):
        detect_invalid_identities(
            statics([{"mmsi": 1}]), None, InvalidIdentityParams(), pl.DataFrame({"x": [1]})
        )


def test_negative_tolerance_is_rejected() -> None:
    with pytest.raises(
        ConfigError, match="detect.invalid_identity.position_tolerance must be >= 0"
    ):
        InvalidIdentityParams(position_tolerance=timedelta(seconds=-1))
