"""Links across identifiers: re-flags, clones, identity swaps and shared names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkfleet import schema
from darkfleet.fuse.links import IDENTITY_LINKS, identity_links, normalised_names

T0 = datetime(2023, 9, 1, tzinfo=UTC)
MIDS = pl.DataFrame({"mid": [273, 445, 351], "iso3": ["RUS", "PRK", "PAN"]})


def _statics(rows: list[dict[str, object]]) -> pl.DataFrame:
    return schema.conform(pl.DataFrame(rows, infer_schema_length=None), schema.STATICS)


def _report(mmsi: int, hours: float, line_no: int, **fields: object) -> dict[str, object]:
    return {
        "mmsi": mmsi,
        "ts": T0 + timedelta(hours=hours),
        "file_id": "f1",
        "line_no": line_no,
        **fields,
    }


def test_an_imo_under_a_new_mmsi_of_another_flag_is_a_reflag_with_its_evidence() -> None:
    statics = _statics(
        [
            _report(273_000_001, 0, 1, imo=9_161_003, name="LADY R"),
            _report(273_000_001, 24, 2, imo=9_161_003, name="LADY R"),
            _report(351_000_001, 48, 7, imo=9_161_003, name="LADY R"),
            _report(351_000_001, 72, 9, imo=9_161_003, name="LADY R"),
        ]
    )
    links = identity_links(statics, MIDS)
    assert dict(links.schema) == dict(IDENTITY_LINKS)
    assert links.height == 1
    link = links.row(0, named=True)
    assert (link["link"], link["kind"], link["value"]) == ("imo_shared", "reflag", "9161003")
    assert (link["mmsi_a"], link["flag_a"], link["mmsi_b"], link["flag_b"]) == (
        273_000_001,
        "RUS",
        351_000_001,
        "PAN",
    )
    assert link["overlap_h"] == 0.0
    assert (link["first_line_no_a"], link["last_line_no_a"]) == (1, 2)
    assert (link["first_line_no_b"], link["last_line_no_b"]) == (7, 9)
    assert link["last_seen_a"] == T0 + timedelta(hours=24)
    assert link["first_seen_b"] == T0 + timedelta(hours=48)


def test_an_imo_under_two_mmsis_of_one_flag_in_turn_is_sequential() -> None:
    statics = _statics(
        [
            _report(273_000_001, 0, 1, imo=9_161_003),
            _report(273_000_002, 5, 2, imo=9_161_003),
        ]
    )
    assert identity_links(statics, MIDS).select("link", "kind").rows() == [
        ("imo_shared", "sequential")
    ]


def test_an_mmsi_with_two_imos_at_once_is_a_concurrent_clone_with_the_overlap() -> None:
    statics = _statics(
        [
            _report(273_000_001, 0, 1, imo=9_161_003),
            _report(273_000_001, 10, 2, imo=9_179_842),
            _report(273_000_001, 20, 3, imo=9_161_003),
            _report(273_000_001, 30, 4, imo=9_179_842),
        ]
    )
    links = identity_links(statics, MIDS)
    assert links.select("link", "kind", "value", "imo_a", "imo_b", "overlap_h").rows() == [
        ("mmsi_shared", "concurrent", "273000001", 9_161_003, 9_179_842, 10.0)
    ]
    link = links.row(0, named=True)
    assert (link["first_line_no_a"], link["last_line_no_a"]) == (1, 3)
    assert (link["first_line_no_b"], link["last_line_no_b"]) == (2, 4)


def test_an_mmsi_that_changes_imo_once_is_a_sequential_swap() -> None:
    statics = _statics(
        [
            _report(273_000_001, 0, 1, imo=9_161_003),
            _report(273_000_001, 1, 2, imo=9_161_003),
            _report(273_000_001, 5, 3, imo=9_179_842),
        ]
    )
    assert identity_links(statics, MIDS).select("link", "kind", "overlap_h").rows() == [
        ("mmsi_shared", "sequential", 0.0)
    ]


def test_a_name_shared_by_two_imos_links_them_after_normalisation() -> None:
    statics = _statics(
        [
            _report(273_000_001, 0, 1, imo=9_161_003, name="MARIA"),
            _report(351_000_001, 2, 2, imo=9_181_663, name="Maria."),
        ]
    )
    links = identity_links(statics, MIDS)
    assert links.select("link", "kind", "value", "imo_a", "imo_b", "mmsi_a", "mmsi_b").rows() == [
        ("name_shared", "sequential", "MARIA", 9_161_003, 9_181_663, 273_000_001, 351_000_001)
    ]


def test_a_single_vessel_makes_no_link_even_when_renamed() -> None:
    statics = _statics(
        [
            _report(273_000_001, 0, 1, imo=9_161_003, name="LADY R", callsign="UBMB4"),
            _report(273_000_001, 5, 2, imo=9_161_003, name="ANGARA", callsign="UBMB4"),
            _report(273_000_001, 9, 3, imo=None, name="LADY R"),
            _report(273_000_001, 9, 4, imo=0),
        ]
    )
    assert identity_links(statics, MIDS).height == 0


def test_vessels_without_imo_share_names_without_a_link() -> None:
    statics = _statics(
        [
            _report(273_000_001, 0, 1, name="MARIA"),
            _report(273_000_002, 0, 2, name="MARIA"),
        ]
    )
    assert identity_links(statics, MIDS).height == 0


def test_normalised_names_ignore_case_diacritics_and_punctuation() -> None:
    names = pl.Series(["Chŏngjin-2", "CHONGJIN 2", "  m/v  Lady-R "])
    assert normalised_names(names).to_list() == ["CHONGJIN 2", "CHONGJIN 2", "M V LADY R"]


@pytest.mark.parametrize("n_mmsis", [2, 3, 5])
def test_one_imo_under_n_mmsis_gives_every_pair_once(n_mmsis: int) -> None:
    statics = _statics(
        [_report(273_000_001 + i, i * 10, i + 1, imo=9_161_003) for i in range(n_mmsis)]
    )
    links = identity_links(statics, MIDS)
    assert links.height == n_mmsis * (n_mmsis - 1) // 2
    assert (links["first_seen_a"] <= links["first_seen_b"]).all()


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([273_000_001, 273_000_002, 445_000_001]),
            st.sampled_from([9_161_003, 9_179_842, None]),
            st.sampled_from(["MARIA", "ANGARA", None]),
        ),
        max_size=10,
    ),
    seed=st.randoms(use_true_random=False),
)
def test_links_do_not_depend_on_row_order(
    rows: list[tuple[int, int | None, str | None]], seed: object
) -> None:
    reports = [
        _report(mmsi, h, h + 1, imo=imo, name=name) for h, (mmsi, imo, name) in enumerate(rows)
    ]
    shuffled = list(reports)
    seed.shuffle(shuffled)  # type: ignore[attr-defined]
    frame = _statics(reports) if reports else schema.empty(schema.STATICS)
    expected = identity_links(frame, MIDS)
    if reports:
        assert identity_links(_statics(shuffled), MIDS).equals(expected)
    # sides never hold the same id, and a pair is listed once
    imo_links = expected.filter(pl.col("link") == "imo_shared")
    assert (imo_links["mmsi_a"] != imo_links["mmsi_b"]).all()
    assert (
        expected.select("link", "value", "mmsi_a", "imo_a", "mmsi_b", "imo_b").is_duplicated().sum()
        == 0
    )
