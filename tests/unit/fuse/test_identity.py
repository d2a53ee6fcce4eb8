"""Identity periods: runs of one value per MMSI and field, with the reports behind them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkfleet import schema
from darkfleet.errors import SchemaError
from darkfleet.fuse.identity import IDENTITY_PERIODS, IMO_PAIRINGS, identity_periods, imo_pairings

T0 = datetime(2023, 9, 1, tzinfo=UTC)
MIDS = pl.DataFrame({"mid": [273, 445], "iso3": ["RUS", "PRK"]})


def _statics(rows: list[dict[str, object]]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, infer_schema_length=None)
    return schema.conform(frame, schema.STATICS)


def _report(mmsi: int, hours: int, line_no: int, **fields: object) -> dict[str, object]:
    return {
        "mmsi": mmsi,
        "ts": T0 + timedelta(hours=hours),
        "file_id": "f1",
        "line_no": line_no,
        **fields,
    }


def test_a_name_that_changes_and_changes_back_makes_three_periods() -> None:
    statics = _statics(
        [
            _report(273_000_001, 0, 1, name="LADY R"),
            _report(273_000_001, 5, 2, name="LADY R"),
            _report(273_000_001, 10, 3, name="ANGARA"),
            _report(273_000_001, 20, 4, name="LADY R"),
        ]
    )
    names = identity_periods(statics, MIDS).filter(pl.col("field") == "name")
    assert names.select("value", "reports", "first_line_no", "last_line_no").rows() == [
        ("LADY R", 2, 1, 2),
        ("ANGARA", 1, 3, 3),
        ("LADY R", 1, 4, 4),
    ]
    assert names["first_seen"][0] == T0
    assert names["last_seen"][0] == T0 + timedelta(hours=5)


def test_nulls_and_empty_text_make_no_period_and_do_not_split_a_run() -> None:
    statics = _statics(
        [
            _report(273_000_001, 0, 1, name="MARIA", callsign="UBCD7"),
            _report(273_000_001, 1, 2, name=None, callsign="UBCD7"),
            _report(273_000_001, 2, 3, name="", callsign=None),
            _report(273_000_001, 3, 4, name="MARIA"),
        ]
    )
    periods = identity_periods(statics, MIDS)
    by_field = {f: g.height for (f,), g in periods.group_by("field")}
    assert by_field == {"name": 1, "callsign": 1, "flag": 1}
    name = periods.filter(pl.col("field") == "name").row(0, named=True)
    assert (name["reports"], name["last_line_no"]) == (2, 4)


def test_flag_comes_from_the_mid_and_unassigned_mids_have_none() -> None:
    statics = _statics(
        [
            _report(445_000_001, 0, 1, imo=9_161_003, ship_type=70, length_m=120),
            _report(445_000_001, 8, 2, imo=9_161_003),
            _report(999_000_001, 0, 3, name="NOWHERE"),
        ]
    )
    periods = identity_periods(statics, MIDS)
    dprk = periods.filter(pl.col("mmsi") == 445_000_001)
    assert dprk.select("field", "value", "reports").rows() == [
        ("imo", "9161003", 2),
        ("flag", "PRK", 2),
        ("ship_type", "70", 1),
        ("length_m", "120", 1),
    ]
    assert periods.filter(pl.col("mmsi") == 999_000_001)["field"].to_list() == ["name"]


def test_empty_statics_give_an_empty_frame_with_the_schema() -> None:
    periods = identity_periods(schema.empty(schema.STATICS), MIDS)
    assert periods.height == 0
    assert dict(periods.schema) == dict(IDENTITY_PERIODS)


def test_a_frame_without_the_static_columns_is_refused() -> None:
    with pytest.raises(SchemaError, match="static reports"):
        identity_periods(pl.DataFrame({"mmsi": [1]}), MIDS)


@settings(max_examples=40, deadline=None)
@given(
    names=st.lists(st.sampled_from(["A", "B", None]), min_size=1, max_size=12),
    seed=st.randoms(use_true_random=False),
)
def test_periods_do_not_depend_on_row_order_and_count_every_report(
    names: list[str | None], seed: object
) -> None:
    rows = [_report(273_000_001, h, h + 1, name=n) for h, n in enumerate(names)]
    rows += [_report(445_000_002, h, 100 + h, name=n) for h, n in enumerate(names)]
    shuffled = list(rows)
    seed.shuffle(shuffled)  # type: ignore[attr-defined]
    expected = identity_periods(_statics(rows), MIDS)
    assert identity_periods(_statics(shuffled), MIDS).equals(expected)
    named = expected.filter(pl.col("field") == "name")
    assert named["reports"].sum() == 2 * sum(n is not None for n in names)
    # consecutive periods of one vessel never repeat a value
    for _, group in named.group_by("mmsi"):
        values = group["value"].to_list()
        assert all(a != b for a, b in zip(values, values[1:], strict=False))


def test_imo_pairings_list_every_mmsi_that_reported_an_imo_with_spans_and_lines() -> None:
    statics = _statics(
        [
            _report(273_000_001, 0, 1, imo=9_161_003),
            _report(273_000_001, 10, 2, imo=9_161_003, name="LADY R"),
            _report(445_000_001, 30, 3, imo=9_161_003),
            _report(445_000_001, 40, 4, imo=0),
            _report(445_000_001, 41, 5, imo=None),
        ]
    )
    pairings = imo_pairings(statics, MIDS)
    assert dict(pairings.schema) == dict(IMO_PAIRINGS)
    assert pairings.select(
        "imo", "mmsi", "flag", "reports", "first_line_no", "last_line_no"
    ).rows() == [
        (9_161_003, 273_000_001, "RUS", 2, 1, 2),
        (9_161_003, 445_000_001, "PRK", 1, 3, 3),
    ]
    assert pairings["first_seen"].to_list() == [T0, T0 + timedelta(hours=30)]
    assert pairings["last_seen"].to_list() == [T0 + timedelta(hours=10), T0 + timedelta(hours=30)]
