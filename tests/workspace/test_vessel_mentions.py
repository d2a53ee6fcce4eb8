"""Free-text vessels resolve to MMSI and IMO: identifier tokens first, then the name."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from darkfleet.errors import InputError
from darkfleet.fuse.vessel_mentions import ResolvedVessel, VesselIndex
from tests.workspace._fleet import (
    ANGARA_IMO,
    ANGARA_MMSI,
    ANGARA_OLD_MMSI,
    LADY_R_IMO,
    LADY_R_MMSI,
    MARIA_A,
    MARIA_B,
    make_store,
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> VesselIndex:
    return VesselIndex.from_store(make_store(tmp_path_factory.mktemp("store") / "s"))


@pytest.mark.parametrize(
    "text",
    [
        "LADY R (IMO 9161003)",
        "IMO9161003",
        "imo: 9161003",
        "9161003",
        "Lady R",
        "M/V Lady-R",
        "MMSI 273610000",
        "273610000",
        "Some other name (MMSI 273610000)",
    ],
)
def test_lady_r_resolves_from_any_common_spelling(index: VesselIndex, text: str) -> None:
    assert index.resolve(text) == ResolvedVessel(mmsi=LADY_R_MMSI, imo=LADY_R_IMO)


def test_an_imo_token_wins_over_a_conflicting_name(index: VesselIndex) -> None:
    assert index.resolve("MARIA (IMO 9161003)").mmsi == LADY_R_MMSI


def test_an_imo_reported_by_two_mmsis_picks_the_one_nearest_in_time(index: VesselIndex) -> None:
    early = datetime(2023, 2, 1, tzinfo=UTC)
    late = datetime(2023, 10, 1, tzinfo=UTC)
    between = datetime(2023, 7, 20, tzinfo=UTC)  # 141 days after the old MMSI, 12 before the new
    assert index.resolve("IMO 9179842", at=early).mmsi == ANGARA_OLD_MMSI
    assert index.resolve("IMO 9179842", at=late).mmsi == ANGARA_MMSI
    assert index.resolve("IMO 9179842", at=between).mmsi == ANGARA_MMSI
    assert index.resolve("ANGARA (IMO 9179842)").mmsi == ANGARA_MMSI  # no time: the latest


def test_a_name_of_one_reflagged_ship_resolves_like_its_imo(index: VesselIndex) -> None:
    early = datetime(2023, 2, 1, tzinfo=UTC)
    assert index.resolve("Angara", at=early) == ResolvedVessel(ANGARA_OLD_MMSI, ANGARA_IMO)
    assert index.resolve("ANGARA") == ResolvedVessel(ANGARA_MMSI, ANGARA_IMO)


def test_an_imo_the_store_never_saw_resolves_without_an_mmsi(index: VesselIndex) -> None:
    assert index.resolve("MAIA-1 (IMO 9191151)") == ResolvedVessel(mmsi=None, imo=9191151)


def test_an_mmsi_the_store_never_saw_is_still_that_vessel(index: VesselIndex) -> None:
    assert index.resolve("MMSI 412000000") == ResolvedVessel(mmsi=412000000, imo=None)


def test_an_ambiguous_name_lists_the_candidates(index: VesselIndex) -> None:
    with pytest.raises(InputError) as info:
        index.resolve("maria")
    message = str(info.value)
    assert "'maria' is ambiguous: 2 vessels carry that name" in message
    assert f"MMSI {MARIA_A} (IMO 9000001), MMSI {MARIA_B}" in message
    assert "give the IMO or MMSI" in message


def test_an_unknown_name_says_how_to_fix_it(index: VesselIndex) -> None:
    with pytest.raises(InputError, match="'SEA GHOST' matches no name in the store's static"):
        index.resolve("SEA GHOST")


def test_empty_text_is_refused(index: VesselIndex) -> None:
    with pytest.raises(InputError, match="the vessel is empty"):
        index.resolve("  ")


def test_an_empty_store_resolves_only_identifiers(tmp_path: Path) -> None:
    from darkfleet.store import ParquetStore

    index = VesselIndex.from_store(ParquetStore(tmp_path / "empty"))
    assert index.resolve("IMO 9179842") == ResolvedVessel(mmsi=None, imo=ANGARA_IMO)
    with pytest.raises(InputError, match="matches no name"):
        index.resolve("ANGARA")
