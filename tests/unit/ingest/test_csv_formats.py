"""CSV ingest against real exports: values checked by hand on specific lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from darkfleet import schema
from darkfleet.ingest.csv import HEX_ID_BASE, ColumnMapping, sniff_csv_format
from tests.unit.ingest.csv_helpers import accounted, read_all, row

T_DMA = datetime(2018, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def dma(test_data: Path):
    return read_all(test_data / "csv" / "dma_aisdk_2018-06-01_head.csv", file="aisdk.csv")


@pytest.fixture(scope="module")
def noaa(test_data: Path):
    return read_all(test_data / "csv" / "noaa_20230111_sample.csv")


def test_outputs_follow_the_canonical_schemas(dma):
    schema.require(dma.positions, schema.POSITIONS, what="positions")
    schema.require(dma.statics, schema.STATICS, what="statics")
    schema.require(dma.others, schema.OTHERS, what="others")
    schema.require(dma.rejects, schema.REJECTS, what="rejects")
    assert dma.positions.columns == list(schema.POSITIONS)
    assert dma.rejects.columns == list(schema.REJECTS)


def test_sniff_recognises_the_real_headers(test_data: Path):
    assert sniff_csv_format(test_data / "csv" / "dma_aisdk_2018-06-01_head.csv") == "dma"
    assert sniff_csv_format(test_data / "csv" / "noaa_20230111_sample.csv") == "noaa"
    assert sniff_csv_format(test_data / "csv" / "evergiven_suez_head.csv") is None


def test_dma_every_row_is_accounted_for(dma):
    # 138 rows: 116 class A, 10 class B, 8 base stations, 4 AtoN.
    assert dma.rows_read == 138
    assert accounted(dma)
    assert dma.others.height == 12
    assert sorted(dma.others["msg_type"].value_counts().rows()) == [(4, 8), (21, 4)]
    assert dma.rejects["line_no"].to_list() == [48, 97]


def test_dma_class_a_position_line_2(dma):
    got = row(dma.positions, 2)
    assert got["mmsi"] == 215810000
    assert got["ts"] == T_DMA
    assert got["lat"] == pytest.approx(55.921028)
    assert got["lon"] == pytest.approx(17.320418)
    assert got["nav_status"] == 4  # "Constrained by her draught"
    assert got["sog_knots"] == pytest.approx(12.5)
    assert got["cog_deg"] == pytest.approx(255.5)
    assert got["heading_deg"] == 256
    assert got["msg_type"] == 1
    assert got["source"] == "aisdk.csv"


def test_dma_class_b_position_and_static_line_58(dma):
    position = row(dma.positions, 58)
    assert (position["mmsi"], position["msg_type"], position["nav_status"]) == (219007101, 18, 15)
    assert position["cog_deg"] == pytest.approx(34.1)
    static = row(dma.statics, 58)
    assert static["name"] == "HENRIETTE RS101"
    assert static["ship_type"] == 30  # "Fishing"
    assert (static["length_m"], static["beam_m"], static["msg_type"]) == (8, 4, 24)


def test_dma_static_only_row_becomes_a_static_with_hazard_category(dma):
    # line 33: ASTINA, lat/lon 91/181 (a type-5 row), Tanker + "Category X" -> 81
    assert dma.positions.filter(pl.col("line_no") == 33).height == 0
    static = row(dma.statics, 33)
    assert static["mmsi"] == 266220000
    assert static["imo"] == 9320063
    assert (static["callsign"], static["name"], static["destination"]) == (
        "SHZA",
        "ASTINA",
        "FREDERICIA",
    )
    assert static["ship_type"] == 81
    assert (static["beam_m"], static["length_m"]) == (20, 130)
    assert static["draught_m"] == pytest.approx(5.9)
    assert static["msg_type"] == 5


def test_dma_base_station_and_aton_are_kept_as_others(dma):
    base = row(dma.others, 35)
    assert (base["mmsi"], base["msg_type"]) == (2190066, 4)
    assert base["lat"] == pytest.approx(56.530063)
    aton = row(dma.others, 84)
    assert (aton["mmsi"], aton["msg_type"], aton["name"]) == (992111840, 21, "WIND FARM BALTIC1NW")


def test_dma_no_position_no_identity_rows_are_rejected_with_the_raw_line(dma):
    reject = row(dma.rejects, 48)
    assert reject["reason"] == "out of range"
    assert reject["raw"] == (
        "01/06/2018 00:00:00,Class A,220226000,91.000000,181.000000,Moored,,,,,Unknown,,,"
        "Undefined,,,,Undefined,,,,AIS"
    )  # CR of the CRLF line ending removed
    assert "'Latitude' value '91.000000'" in reject["detail"]
    assert reject["file"] == "aisdk.csv"


def test_noaa_position_and_static_line_3(noaa):
    got = row(noaa.positions, 3)
    assert got["mmsi"] == 636021061
    assert got["ts"] == datetime(2023, 1, 11, tzinfo=UTC)
    assert (got["lat"], got["lon"]) == (pytest.approx(26.09241), pytest.approx(-80.04806))
    assert got["sog_knots"] == pytest.approx(8.8)
    assert got["cog_deg"] == pytest.approx(272.7)
    assert (got["heading_deg"], got["nav_status"], got["msg_type"]) == (270, 8, 1)
    static = row(noaa.statics, 3)
    assert static["imo"] == 9307839  # "IMO9307839"
    assert (static["name"], static["callsign"], static["ship_type"]) == (
        "MSC NAISHA III",
        "5LCB4",
        70,
    )
    assert (static["length_m"], static["beam_m"], static["msg_type"]) == (208, 30, 5)
    assert static["draught_m"] == pytest.approx(8.0)


def test_noaa_sentinels_become_nulls(noaa):
    cog_360 = row(noaa.positions, 2)  # COG 360.0, heading 95
    assert cog_360["cog_deg"] is None
    assert cog_360["heading_deg"] == 95
    all_na = row(noaa.positions, 92)  # SOG 102.3, COG 360.0, heading 511.0, status 15
    assert (all_na["sog_knots"], all_na["cog_deg"], all_na["heading_deg"]) == (None, None, None)
    assert all_na["nav_status"] == 15


def test_noaa_class_b_gets_type_18_and_static_type_24(noaa):
    position = row(noaa.positions, 86)
    assert (position["mmsi"], position["msg_type"], position["heading_deg"]) == (
        338228393,
        18,
        None,
    )
    static = row(noaa.statics, 86)
    assert (static["name"], static["ship_type"], static["msg_type"]) == ("GITANA", 37, 24)


def test_noaa_rows_without_identity_give_no_static(noaa):
    assert noaa.positions.height == 91
    assert noaa.rejects.height == 0
    assert noaa.statics.filter(pl.col("line_no").is_in([91, 92])).height == 0
    assert noaa.statics.height == 89


def test_evergiven_ids_load_through_a_mapping(test_data: Path):
    mapping = ColumnMapping.parse(
        "mmsi=ID,ts=ais_pos_timestamp,lat=latitude,lon=longitude,ts_format=%d/%m/%Y %H:%M"
    )
    batch = read_all(test_data / "csv" / "evergiven_suez_head.csv", mapping=mapping)
    assert batch.rejects.height == 0
    assert batch.positions.height == 107
    first = row(batch.positions, 2)  # 1,20/03/2021 00:22,32.32925,31.4386 (after the BOM)
    assert first["mmsi"] == 1
    assert first["ts"] == datetime(2021, 3, 20, 0, 22, tzinfo=UTC)
    assert (first["lat"], first["lon"]) == (pytest.approx(31.4386), pytest.approx(32.32925))
    assert first["msg_type"] is None
    assert first["sog_knots"] is None


# ----------------------------------------------------------------- shared real data


@pytest.mark.shared
def test_full_noaa_sample(shared_real: Path):
    batch = read_all(shared_real / "aisdb-testdata" / "test_data_noaa_20230101.csv")
    assert (batch.rows_read, batch.positions.height, batch.rejects.height) == (1000, 1000, 0)
    assert batch.positions["mmsi"].n_unique() == 1000
    assert batch.positions["msg_type"].value_counts().sort("msg_type").rows() == [
        (1, 954),
        (18, 46),
    ]


@pytest.mark.shared
def test_baltic_semicolon_export(shared_real: Path):
    path = (
        shared_real
        / "baltic-gibraltar-20k-samples"
        / "decoded_reports_baltic_all_ships_april_2018_micro_20k_sample_ais_data.csv"
    )
    assert sniff_csv_format(path) == "semicolon"
    batch = read_all(path, batch_rows=7_000)
    assert (batch.rows_read, batch.positions.height, batch.rejects.height) == (19_999, 19_999, 0)
    assert batch.positions["mmsi"].n_unique() == 387
    # line 2: "01/04/2018 05:19:48";1522559988000;1;"A";205366000;54.536476;10.313084;1;4;159.9;
    #         "TANKER";108;6.2;15;6;34;4;13;9045807;"Belgium";"TEMSE";"ONCC"
    got = row(batch.positions, 2)
    assert got["ts"] == datetime(2018, 4, 1, 5, 19, 48, tzinfo=UTC)
    assert (got["mmsi"], got["msg_type"], got["sog_knots"]) == (205366000, 1, 4.0)
    static = row(batch.statics, 2)
    assert (static["name"], static["callsign"], static["imo"], static["ship_type"]) == (
        "TEMSE",
        "ONCC",
        9045807,
        80,
    )
    assert (static["to_bow_m"], static["to_stern_m"], static["length_m"], static["beam_m"]) == (
        108,
        34,
        142,
        21,
    )
    # statics only on change: far fewer than rows, at least one per vessel
    assert 387 <= batch.statics.height < 2_000


@pytest.mark.shared
def test_gibraltar_marinetraffic_export(shared_real: Path):
    path = (
        shared_real
        / "baltic-gibraltar-20k-samples"
        / "decoded_traffic_Gibraltar_Straight_all_ships_2016A_micro_20k_sample_ais_data.csv"
    )
    assert sniff_csv_format(path) == "marinetraffic"
    batch = read_all(path)
    assert batch.rows_read == 19_999
    assert batch.rejects.height == 0
    assert accounted(batch)
    # line 4: 305575000;365167;0;171;-6.0351071;35.960819;269;269;2016-06-01 04:43:50;Container Ship;...
    got = row(batch.positions, 4)
    assert got["sog_knots"] == pytest.approx(17.1)  # SPEED_KNOTSx10 171
    assert (got["cog_deg"], got["heading_deg"], got["nav_status"]) == (269.0, 269, 0)
    assert row(batch.statics, 4)["ship_type"] == 70
    assert row(batch.statics, 4)["draught_m"] == pytest.approx(7.2)  # DRAUGHT_METERSx10 72
    # STATUS 99 (MarineTraffic's own "unknown") is null, not a reject
    assert row(batch.positions, 2)["nav_status"] is None
    # buoys, beacons and lights are aids to navigation (type 21), not vessels
    assert set(batch.others["msg_type"].to_list()) == {21}


@pytest.mark.shared
def test_spire_style_export(shared_real: Path):
    path = shared_real / "aisdb-testdata" / "test_data_20210701.csv"
    assert sniff_csv_format(path) == "spire"
    batch = read_all(path)
    assert batch.rows_read == 2_498
    assert accounted(batch)
    got = row(batch.positions, 2)  # "432905000","1",...,"20210701_185151","680",...
    assert got["ts"] == datetime(2021, 7, 1, 18, 51, 51, 680_000, tzinfo=UTC)
    assert (got["mmsi"], got["msg_type"], got["heading_deg"]) == (432905000, 1, 315)
    assert (got["lat"], got["lon"]) == (pytest.approx(8.87747666667), pytest.approx(-103.63687))
    assert set(batch.positions["msg_type"].unique().to_list()) <= {1, 2, 3, 9, 18, 19, 27}
    assert {4, 21} <= set(batch.others["msg_type"].to_list())
    assert set(batch.rejects["reason"].to_list()) == {"out of range"}  # 91/181 without identity


@pytest.mark.shared
def test_debs_hashed_ids_load_through_a_hex_mapping(shared_real: Path):
    mapping = ColumnMapping.parse(
        "mmsi=SHIP_ID,ts=TIMESTAMP,lat=LAT,lon=LON,sog_knots=SPEED/10,cog_deg=COURSE,"
        "heading_deg=HEADING,draught_m=Reported_Draught/10,ts_format=%d-%m-%y %H:%M,id_kind=hex"
    )
    batch = read_all(
        shared_real / "debs2018-marinetraffic" / "1000rowspublic_fixed.csv", mapping=mapping
    )
    assert (batch.positions.height, batch.rejects.height) == (1_000, 0)
    assert batch.positions["mmsi"].n_unique() == 51
    # line 3: 0x0fe9acdb3675...,146,23.694910,37.313620,13,15,01-06-15 0:00,SALERNO,88
    got = row(batch.positions, 3)
    assert got["mmsi"] == HEX_ID_BASE + int("0fe9acdb3675", 16)
    assert got["sog_knots"] == pytest.approx(14.6)
    assert got["ts"] == datetime(2015, 6, 1, tzinfo=UTC)
    assert row(batch.statics, 3)["draught_m"] == pytest.approx(8.8)
