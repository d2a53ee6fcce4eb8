"""Reading sanctions lists: FollowTheMoney JSON lines, OFAC sdn.csv and a plain CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from darkfleet.errors import ConfigError, DecodeError, InputError
from darkfleet.fuse.sanctions.formats import country_alpha3, detect_format, read_list_file

DATA = Path(__file__).resolve().parents[2] / "data" / "sanctions"


def test_ftm_reads_vessels_with_programs_from_sanction_entities() -> None:
    read = read_list_file(DATA / "vessels.ftm.json", list_name="os")
    assert read.format == "ftm"
    star = read.entries.row(0, named=True)
    assert star["entry_id"] == "ofac-91001"
    assert (star["name"], star["imo"], star["mmsi"], star["flag"]) == (
        "NORTHERN STAR 7",
        9112222,
        273111222,
        "RUS",
    )
    assert star["aliases"] == ["N. STAR 7"]
    assert star["previous_names"] == ["POLAR DAWN"]
    assert (star["callsign"], star["vessel_type"], star["gross_tonnage"]) == (
        "UAAA7",
        "General Cargo",
        4966.0,
    )
    assert star["programs"] == ["RUSSIA-EO14024"]
    assert star["reason"] == "Transport of munitions"
    assert star["source_url"] == "https://example.org/notice/91001"
    assert star["list"] == "os"


def test_ftm_nested_sanctions_and_cyrillic_names_are_kept() -> None:
    read = read_list_file(DATA / "vessels.ftm.json", list_name="os")
    wave = read.entries.row(1, named=True)
    assert wave["name"] == "Серебряная Волна"
    assert wave["aliases"] == ["SEREBRYANAYA VOLNA"]
    assert wave["programs"] == ["EU 833/2014 Annex XLII"]
    assert wave["source_url"] == "https://example.org/eu/annex"
    assert wave["imo"] is None


def test_ftm_malformed_rows_are_named_and_the_rest_is_loaded() -> None:
    path = DATA / "vessels.ftm.json"
    read = read_list_file(path, list_name="os")
    assert read.entries.height == 2
    assert read.skipped == 3  # Sanction, Company, Person
    by_row = {r.row: r for r in read.rejected}
    assert sorted(by_row) == [5, 6, 7]
    assert by_row[5].field == "imo"
    assert by_row[5].message.startswith(f"{path}:5: field imo: 'IMO 91122' is not a 7-digit")
    assert by_row[6].field == "name"
    assert by_row[7].field is None
    assert "not a JSON object" in by_row[7].message


def test_ofac_reads_vessel_rows_with_imo_and_mmsi_from_remarks() -> None:
    read = read_list_file(DATA / "sdn.csv")
    assert read.format == "ofac"
    assert set(read.entries["list"]) == {"us_ofac_sdn"}
    star = read.entries.row(0, named=True)
    assert star["entry_id"] == "ofac-91001"
    assert (star["imo"], star["mmsi"], star["flag"], star["build_date"]) == (
        9112222,
        273111222,
        "RUS",
        "1996",
    )
    assert star["gross_tonnage"] == 4966.0
    assert star["reason"] == "EXAMPLE SHIPPING LLC"
    pearl = read.entries.row(1, named=True)
    assert pearl["programs"] == ["DPRK3", "RUSSIA-EO14024"]
    assert pearl["flag"] == "PRK"
    assert pearl["previous_names"] == ["PEARL OF THE EAST"]
    assert pearl["callsign"] is None  # "-0- " is null


def test_ofac_malformed_rows_unknown_flags_and_non_vessels() -> None:
    path = DATA / "sdn.csv"
    read = read_list_file(path)
    assert read.entries["name"].to_list() == ["NORTHERN STAR 7", "OCEAN PEARL", "ATLANTIS QUEEN"]
    assert read.skipped == 2
    assert [(r.row, r.field) for r in read.rejected] == [(4, None), (5, "SDN_Name")]
    assert "4 fields, the SDN CSV has 12" in read.rejected[0].message
    assert read.entries.row(2, named=True)["flag"] is None
    assert read.notes == (
        f"{path}:6: Vess_flag 'Atlantis' is no country darkfleet knows; kept without a flag",
    )


def test_plain_csv_rows_lists_and_rejects() -> None:
    path = DATA / "watchlist.csv"
    read = read_list_file(path)
    rows = read.entries.select("list", "entry_id", "name", "imo", "flag").rows()
    assert rows == [
        ("watchlist", "imo-9161003", "LADY R", 9161003, "RUS"),
        ("watchlist", "name-MARIYA", "Мария", None, "RUS"),
        ("watchlist", "imo-9087788", "OCEAN PEARL", 9087788, "PRK"),
        ("other_list", "name-SECOND LIST SHIP", "SECOND LIST SHIP", None, None),
    ]
    assert read.entries.row(2, named=True)["previous_names"] == ["PEARL OF THE EAST"]
    assert [(r.row, r.field) for r in read.rejected] == [
        (5, "imo"),
        (6, "name"),
        (7, "flag"),
        (9, "entry_id"),
    ]
    assert read.rejected[0].message == (
        f"{path}:5: field imo: '91610X3' is not a 7-digit IMO number (e.g. 9161003)"
    )


def test_plain_csv_with_list_option_rejects_rows_of_another_list() -> None:
    read = read_list_file(DATA / "watchlist.csv", list_name="watch")
    assert set(read.entries["list"]) == {"watch"}
    assert (8, "list") in [(r.row, r.field) for r in read.rejected]


def test_plain_csv_header_must_name_the_required_columns(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("name,imo,colour\nX,9161003,red\n")
    with pytest.raises(InputError, match=r"bad.csv:1: the header lacks mmsi, flag, list, reason"):
        read_list_file(path, list_format="csv")


def test_format_detection_and_its_errors(tmp_path: Path) -> None:
    assert detect_format(DATA / "sdn.csv", (DATA / "sdn.csv").read_text()) == "ofac"
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    with pytest.raises(InputError, match="empty"):
        read_list_file(empty)
    odd = tmp_path / "odd.txt"
    odd.write_text("hello world\n")
    with pytest.raises(InputError, match="give --format ftm"):
        read_list_file(odd)


def test_unreadable_inputs_raise_clear_errors(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,imo,mmsi,flag,list,reason\nCAF\xc9,,,,,\n".encode("latin-1"))
    with pytest.raises(DecodeError, match="not UTF-8; re-save the list as UTF-8"):
        read_list_file(latin)
    with pytest.raises(DecodeError, match="cannot read"):
        read_list_file(tmp_path / "missing.csv")
    with pytest.raises(ConfigError, match="--format 'xml'"):
        read_list_file(latin, list_format="xml")
    with pytest.raises(ConfigError, match="--list must name"):
        read_list_file(latin, list_name=" ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RU", "RUS"),
        ("rus", "RUS"),
        ("Russia", "RUS"),
        ("Russian Federation", "RUS"),
        ("Korea, North", "PRK"),
        ("Korea, South", "KOR"),
        ("Iran", "IRN"),
        ("Tanzania", "TZA"),
        ("Panama", "PAN"),
        ("Hong Kong", "HKG"),
        ("Korea", None),
        ("Atlantis", None),
    ],
)
def test_country_names_and_codes_map_to_alpha3(text: str, expected: str | None) -> None:
    assert country_alpha3(text) == expected
