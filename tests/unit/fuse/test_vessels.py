"""Vessel index and query resolution: MMSI, IMO, exact and fuzzy names, ambiguity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from darkfleet import schema
from darkfleet.errors import ConfigError
from darkfleet.fuse.identity import imo_pairings
from darkfleet.fuse.vessels import (
    VESSELS,
    AmbiguousVesselError,
    VesselNotFoundError,
    resolve_vessel,
    vessel_index,
    vessel_names,
)

T0 = datetime(2023, 9, 1, tzinfo=UTC)
MIDS = pl.DataFrame({"mid": [273, 445, 351], "iso3": ["RUS", "PRK", "PAN"]})
LADY_R, LADY_R_PAN, MARIA_RUS, MARIA_PAN, QUIET = (
    273_000_001,
    351_000_009,
    273_000_002,
    351_000_002,
    273_000_005,
)


def _statics() -> pl.DataFrame:
    rows = [
        # LADY R, re-flagged from Russia to Panama: one IMO under two MMSIs
        (LADY_R, 0, 9_161_003, "LADY R", 1),
        (LADY_R, 5, 9_161_003, "LADY R", 2),
        (LADY_R_PAN, 48, 9_161_003, "LADY R", 3),
        # two different MARIAs (different IMOs)
        (MARIA_RUS, 1, 9_181_663, "MARIA", 4),
        (MARIA_PAN, 2, 9_000_007, "Maria", 5),
        # a vessel renamed: ANGARA became SPARTA IV
        (273_000_003, 0, 9_179_842, "ANGARA", 6),
        (273_000_003, 9, 9_179_842, "SPARTA IV", 7),
    ]
    frame = pl.DataFrame(
        [
            {
                "mmsi": m,
                "ts": T0 + timedelta(hours=h),
                "imo": imo,
                "name": name,
                "file_id": "f1",
                "line_no": line,
            }
            for m, h, imo, name, line in rows
        ]
    )
    return schema.conform(frame, schema.STATICS)


def _positions() -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "mmsi": [QUIET, QUIET, LADY_R],
            "ts": [T0 - timedelta(hours=1), T0 + timedelta(hours=3), T0 + timedelta(hours=70)],
            "lat": [42.0] * 3,
            "lon": [131.0] * 3,
            "file_id": ["f2", "f2", "f2"],
            "line_no": [10, 11, 12],
        }
    )
    return schema.conform(frame, schema.POSITIONS)


@pytest.fixture(scope="module")
def fleet() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    statics = _statics()
    vessels = vessel_index(statics.lazy(), _positions().lazy(), MIDS)
    return vessels, vessel_names(statics.lazy()), imo_pairings(statics, MIDS)


def _resolve(fleet: tuple[pl.DataFrame, ...], query: str):  # type: ignore[no-untyped-def]
    vessels, names, pairings = fleet
    return resolve_vessel(query, vessels, names, pairings)


def test_vessel_index_has_latest_identity_flag_and_first_last_message(
    fleet: tuple[pl.DataFrame, ...],
) -> None:
    vessels = fleet[0]
    assert dict(vessels.schema) == dict(VESSELS)
    assert vessels["mmsi"].to_list() == sorted(vessels["mmsi"].to_list())
    lady = vessels.filter(pl.col("mmsi") == LADY_R).row(0, named=True)
    assert (lady["imo"], lady["name"], lady["flag"]) == (9_161_003, "LADY R", "RUS")
    assert (lady["static_reports"], lady["positions"]) == (2, 1)
    assert (lady["first_line_no"], lady["last_file_id"], lady["last_line_no"]) == (1, "f2", 12)
    renamed = vessels.filter(pl.col("mmsi") == 273_000_003).row(0, named=True)
    assert renamed["name"] == "SPARTA IV"
    quiet = vessels.filter(pl.col("mmsi") == QUIET).row(0, named=True)
    assert (quiet["name"], quiet["imo"], quiet["positions"]) == (None, None, 2)
    assert quiet["first_seen"] == T0 - timedelta(hours=1)


def test_an_mmsi_resolves_to_itself_with_its_imos(fleet: tuple[pl.DataFrame, ...]) -> None:
    subject = _resolve(fleet, "273000001")
    assert (subject.matched_on, subject.mmsis, subject.imos) == ("mmsi", (LADY_R,), (9_161_003,))
    assert _resolve(fleet, "MMSI 273000005").mmsis == (QUIET,)


@pytest.mark.parametrize("query", ["9161003", "IMO 9161003", "imo9161003", "IMO: 9161003"])
def test_an_imo_with_or_without_prefix_resolves_to_every_mmsi_that_reported_it(
    fleet: tuple[pl.DataFrame, ...], query: str
) -> None:
    subject = _resolve(fleet, query)
    assert (subject.matched_on, subject.mmsis, subject.imos) == (
        "imo",
        (LADY_R, LADY_R_PAN),
        (9_161_003,),
    )


def test_an_exact_name_of_a_reflagged_ship_is_one_vessel(fleet: tuple[pl.DataFrame, ...]) -> None:
    subject = _resolve(fleet, "lady r.")
    assert (subject.matched_on, subject.mmsis, subject.match_score) == (
        "name",
        (LADY_R, LADY_R_PAN),
        100.0,
    )


def test_a_former_name_finds_the_vessel(fleet: tuple[pl.DataFrame, ...]) -> None:
    assert _resolve(fleet, "Angara").mmsis == (273_000_003,)


def test_a_misspelt_name_resolves_fuzzily(fleet: tuple[pl.DataFrame, ...]) -> None:
    subject = _resolve(fleet, "SPARTA 1V")
    assert (subject.matched_on, subject.mmsis) == ("name_fuzzy", (273_000_003,))
    assert 85 <= subject.match_score < 100


def test_a_name_of_two_different_vessels_is_ambiguous_and_lists_both(
    fleet: tuple[pl.DataFrame, ...],
) -> None:
    with pytest.raises(AmbiguousVesselError) as info:
        _resolve(fleet, "MARIA")
    assert isinstance(info.value, ConfigError)  # exit code 2
    assert info.value.exit_code == 2
    assert sorted(info.value.candidates["mmsi"].to_list()) == [MARIA_RUS, MARIA_PAN]
    message = str(info.value)
    assert "'MARIA' fits 2 vessels; pick one and give its MMSI or IMO" in message
    assert "273000002  IMO 9181663" in message
    assert "351000002  IMO 9000007" in message


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("IMO 9999993", "no vessel in the store reported IMO 9999993"),
        ("123456789", "no vessel with MMSI 123456789 in the store"),
        ("QUEEN MARY", "no vessel named like 'QUEEN MARY' in the store (closest names:"),
        ("  !! ", "empty after normalisation"),
    ],
)
def test_nothing_found_is_a_clear_error(
    fleet: tuple[pl.DataFrame, ...], query: str, message: str
) -> None:
    with pytest.raises(VesselNotFoundError, match=message.replace("(", r"\(")):
        _resolve(fleet, query)
