"""IMO check digits, MMSIs and the shuttle-ship table."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from darkfleet.simulate import identity


def test_published_imo_numbers_of_angara_and_lady_r_pass_the_check_digit() -> None:
    assert identity.is_valid_imo(9179842)
    assert identity.is_valid_imo(9161003)


def test_unverified_published_numbers_fail_and_are_marked_placeholders() -> None:
    assert not identity.is_valid_imo(9128930)
    assert not identity.is_valid_imo(9181661)
    statuses = {ship["name"]: ship["imo_status"] for ship in identity.SHUTTLE_SHIPS}
    assert statuses["ANGARA"] == "as published"
    assert str(statuses["MAIA-1"]).startswith("placeholder")
    assert all(identity.is_valid_imo(int(ship["imo"])) for ship in identity.SHUTTLE_SHIPS)


@given(st.integers(0, 2**32 - 1), st.booleans())
def test_make_imo_gives_what_was_asked(seed: int, is_valid: bool) -> None:
    imo = identity.make_imo(np.random.default_rng(seed), is_valid=is_valid)
    assert 1_000_000 <= imo <= 9_999_999
    assert identity.is_valid_imo(imo) is is_valid


def test_make_mmsi_uses_the_mid_and_never_repeats() -> None:
    rng = np.random.default_rng(1)
    used: set[int] = set()
    numbers = [identity.make_mmsi(rng, 445, used) for _ in range(500)]
    assert len(set(numbers)) == 500
    assert all(n // 1_000_000 == 445 for n in numbers)


def test_unassigned_mid_is_not_a_flag_mid() -> None:
    assigned = {mid for mids in identity.FLAG_MIDS.values() for mid in mids}
    assert identity.UNASSIGNED_MID not in assigned
