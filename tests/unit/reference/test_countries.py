from __future__ import annotations

import polars as pl
import pytest

from darkfleet.reference import load_country_codes, load_mid_table, to_alpha3


@pytest.mark.parametrize(
    ("mid", "iso2", "iso3"),
    [
        (273, "RU", "RUS"),
        (445, "KP", "PRK"),
        (440, "KR", "KOR"),
        (412, "CN", "CHN"),
        (636, "LR", "LBR"),
        (303, "US", "USA"),  # Alaska
        (659, "NA", "NAM"),  # Namibia: "NA" is a code, not a missing value
        (740, "FK", "FLK"),  # the ISO-2 table said "UK"; the ITU assigns 740 to the Falklands
        (638, "SS", "SSD"),  # only in libais's table
        (374, "PA", "PAN"),  # only in the ISO-2 table
    ],
)
def test_mid_table_rows(mid: int, iso2: str, iso3: str) -> None:
    row = load_mid_table().filter(pl.col("mid") == mid)
    assert row.height == 1
    assert row.select("iso2", "iso3").row(0) == (iso2, iso3)


def test_mid_table_schema_and_range() -> None:
    mids = load_mid_table()
    assert mids.schema["mid"] == pl.Int16
    assert mids.columns == ["mid", "country_name", "iso2", "iso3", "itu_name"]
    assert mids["mid"].is_unique().all()
    assert mids["mid"].min() == 201
    assert mids["mid"].max() == 775
    assert mids.height == 291
    assert mids.select(pl.col("iso3", "iso2", "country_name").null_count()).row(0) == (0, 0, 0)
    assert (
        mids.filter(pl.col("mid") == 445)["itu_name"].item()
        == "Democratic People's Republic of Korea"
    )


def test_mid_table_covers_both_sources(shared_real: object) -> None:
    from pathlib import Path

    folder = Path(str(shared_real)) / "ref-mid"
    mobiml = pl.read_csv(folder / "mobiml_ais_mid_whitelist.csv", infer_schema=False)["MID"]
    libais = pl.read_csv(folder / "libais_mid.csv", infer_schema=False)["prefix"]
    union = {int(m) for m in mobiml} | {int(m) for m in libais}
    assert set(load_mid_table()["mid"].to_list()) == union


def test_country_codes() -> None:
    codes = load_country_codes()
    assert codes.height == 249
    assert codes.filter(pl.col("alpha2") == "NA")["alpha3"].item() == "NAM"


@pytest.mark.parametrize(
    ("code", "alpha3"),
    [
        ("KP", "PRK"),
        ("prk", "PRK"),
        (" ru ", "RUS"),
        ("NA", "NAM"),
        ("UK", None),
        ("", None),
        ("XXX", None),
    ],
)
def test_to_alpha3(code: str, alpha3: str | None) -> None:
    assert to_alpha3(code) == alpha3
