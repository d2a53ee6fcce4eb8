"""CSV ingest: every reject reason, sentinels, bad inputs, compression and batching."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from darkfleet import schema
from darkfleet.errors import ConfigError, DecodeError, SchemaError
from darkfleet.ingest.csv import ColumnMapping, read_csv_batches
from tests.unit.ingest.csv_helpers import FILE_ID, accounted, read_all, row

NOAA_HEADER = (
    "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,"
    "Length,Width,Draft,Cargo,TransceiverClass"
)
GOOD = "367752440,2023-01-11T00:00:00,43.07917,-70.75733,0.0,12.0,95.0,SAN JOSE,,WDI9818,31,0.0,,,,52.0,A"
DMA_HEADER = (
    "# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,"
    "IMO,Callsign,Name,Ship type,Cargo type,Width,Length,Type of position fixing device,Draught,"
    "Destination,ETA,Data source type"
)


def noaa(*lines: str) -> str:
    return "\n".join([NOAA_HEADER, *lines]) + "\n"


def noaa_row(**changes: str) -> str:
    fields = dict(zip(NOAA_HEADER.split(","), GOOD.split(","), strict=True))
    fields.update(changes)
    return ",".join(fields.values())


def reject_of(text: str, **options: object) -> dict[str, object]:
    batch = read_all(text, **options)
    assert batch.rejects.height == 1, batch.rejects
    assert accounted(batch)
    return batch.rejects.row(0, named=True)


@pytest.mark.parametrize(
    ("changes", "reason", "detail_part"),
    [
        ({"MMSI": ""}, "malformed", "column 'MMSI' value '' is empty"),
        ({"MMSI": "ABC"}, "malformed", "column 'MMSI' value 'ABC' is not an integer MMSI"),
        ({"MMSI": "0"}, "out of range", "column 'MMSI' value '0' is outside the MMSI range"),
        ({"MMSI": "1000000000"}, "out of range", "outside the MMSI range"),
        ({"BaseDateTime": ""}, "no timestamp", "column 'BaseDateTime' is empty"),
        ({"BaseDateTime": "yesterday"}, "malformed", "'yesterday' does not match the time format"),
        (
            {"BaseDateTime": "2023-13-11T00:00:00"},
            "out of range",
            "'2023-13-11T00:00:00' is not a real date",
        ),
        ({"BaseDateTime": "1970-01-01T00:00:00"}, "out of range", "before 1980 or after 2099"),
        ({"LAT": "95.5"}, "out of range", "column 'LAT' value '95.5' is outside -90..90"),
        ({"LAT": "north"}, "malformed", "column 'LAT' value 'north' is not a number"),
        ({"LON": "-181"}, "out of range", "column 'LON' value '-181' is outside -180..180"),
        ({"SOG": "150"}, "out of range", "column 'SOG' value '150' is outside 0..102.2 knots"),
        ({"SOG": "-1"}, "out of range", "column 'SOG' value '-1'"),
        ({"SOG": "fast"}, "malformed", "column 'SOG' value 'fast' is not a number"),
        ({"COG": "400"}, "out of range", "column 'COG' value '400' is outside 0..359.9"),
        ({"Heading": "360"}, "out of range", "column 'Heading' value '360' is outside 0..359"),
        (
            {"Status": "16"},
            "out of range",
            "column 'Status' value '16' is not an AIS navigational status",
        ),
    ],
)
def test_bad_value_is_rejected_with_reason_and_detail(changes, reason, detail_part):
    line = noaa_row(**changes)
    reject = reject_of(noaa(GOOD, line), file="x.csv")
    assert reject["reason"] == reason
    assert detail_part in reject["detail"]
    assert reject["reason"] in schema.REJECT_REASONS
    assert (reject["file"], reject["file_id"], reject["line_no"], reject["raw"]) == (
        "x.csv",
        FILE_ID,
        3,
        line,
    )


def test_wrong_field_count_is_malformed():
    reject = reject_of(noaa(GOOD, "367752440,2023-01-11T00:00:00,43.0"))
    assert reject["reason"] == "malformed"
    assert reject["detail"].startswith("line has 3 fields, the header has 17")


def test_unbalanced_quote_is_malformed_and_does_not_swallow_the_next_lines():
    batch = read_all(noaa(noaa_row(VesselName='"SAN JOSE'), GOOD, GOOD))
    assert batch.rejects["line_no"].to_list() == [2]
    assert "unbalanced double quote" in batch.rejects["detail"][0]
    assert batch.positions["line_no"].to_list() == [3, 4]


def test_quoted_separator_inside_a_name_is_one_field():
    batch = read_all(noaa(noaa_row(VesselName='"SMITH, JONES ""II"""')))
    assert batch.rejects.height == 0
    assert batch.statics["name"].to_list() == ['SMITH, JONES "II"']


def test_unknown_dma_mobile_type_is_unsupported():
    line = "01/06/2018 00:00:00,Helicopter,219000001,55.0,10.0,Unknown value,,,,,Unknown,,,Undefined,,,,GPS,,,,AIS"
    reject = reject_of(DMA_HEADER + "\n" + line + "\n")
    assert reject["reason"] == "unsupported"
    assert "column 'Type of mobile' value 'Helicopter'" in reject["detail"]


def test_dma_sar_aircraft_is_a_type_9_position():
    line = "01/06/2018 00:00:00,SAR airborne,111219501,55.0,10.0,Unknown value,,120.0,90.0,,Unknown,,,Undefined,,,,GPS,,,,AIS"
    batch = read_all(DMA_HEADER + "\n" + line + "\n")
    assert batch.positions.select("mmsi", "msg_type", "sog_knots").row(0) == (111219501, 9, 120.0)


def test_message_type_out_of_range_is_rejected():
    mapping = ColumnMapping.parse("mmsi=m,ts=t,lat=y,lon=x,msg_type=k")
    reject = reject_of("m,t,y,x,k\n219000001,2020-01-01T00:00:00,1,1,30\n", mapping=mapping)
    assert reject["reason"] == "out of range"
    assert "column 'k' value '30' is not an AIS message type" in reject["detail"]


def test_csv_readers_use_only_their_reasons():
    # the NMEA-only reasons never come from a CSV
    assert {"checksum", "not ais", "incomplete", "too short"} <= set(schema.REJECT_REASONS)


def test_sentinels_and_junk_become_nulls():
    line = noaa_row(
        SOG="102.3", COG="360", Heading="511", Status="", VesselName="NULL", IMO="IMO0000000"
    )
    batch = read_all(noaa(line))
    got = batch.positions.row(0, named=True)
    assert (got["sog_knots"], got["cog_deg"], got["heading_deg"], got["nav_status"]) == (
        None,
        None,
        None,
        None,
    )
    static = batch.statics.row(0, named=True)
    assert (static["name"], static["imo"], static["callsign"]) == (None, None, "WDI9818")


def test_position_not_available_with_identity_feeds_statics_only():
    batch = read_all(noaa(noaa_row(LAT="91", LON="181")))
    assert (batch.positions.height, batch.rejects.height, batch.identity_only_rows) == (0, 0, 1)
    assert batch.statics["name"].to_list() == ["SAN JOSE"]


def test_no_position_and_no_identity_is_rejected():
    empty_identity = {"VesselName": "", "CallSign": "", "VesselType": ""}
    sentinel = reject_of(noaa(noaa_row(LAT="91", LON="181", **empty_identity)))
    assert sentinel["reason"] == "out of range"
    blank = reject_of(noaa(noaa_row(LAT="", LON="", **empty_identity)))
    assert blank["reason"] == "malformed"
    assert "no position" in blank["detail"]


def test_float_written_mmsi_is_accepted():
    batch = read_all(noaa(noaa_row(MMSI="367752440.0")))
    assert batch.positions["mmsi"].to_list() == [367752440]


# ---------------------------------------------------------------------- bad inputs


def test_empty_file_yields_nothing():
    assert list(read_csv_batches(io.BytesIO(b""), file="e.csv", file_id=FILE_ID)) == []
    assert list(read_csv_batches(io.BytesIO(b"\n\n  \n"), file="e.csv", file_id=FILE_ID)) == []


def test_header_only_yields_nothing():
    assert (
        list(
            read_csv_batches(
                io.BytesIO(NOAA_HEADER.encode() + b"\r\n"), file="h.csv", file_id=FILE_ID
            )
        )
        == []
    )


def test_unknown_header_without_mapping_says_how_to_fix_it():
    with pytest.raises(SchemaError) as caught:
        read_all("ID,when,y,x\n1,2020-01-01,1,1\n", file="boats.csv")
    message = str(caught.value)
    assert "boats.csv" in message
    assert "columns found: ID, when, y, x" in message
    assert "noaa (MMSI,BaseDateTime" in message
    assert "--format csv --columns mmsi=...,ts=...,lat=...,lon=..." in message


def test_known_format_missing_columns_names_them():
    header = NOAA_HEADER.replace(",LAT,", ",LATX,")
    with pytest.raises(
        SchemaError, match=r"noaa CSV lacks required column\(s\) lat \(lat/latitude\)"
    ):
        read_all(header + "\n" + GOOD + "\n", fmt="noaa")


def test_mapping_naming_an_absent_column_is_a_schema_error():
    mapping = ColumnMapping.parse("mmsi=MMSI,ts=BaseDateTime,lat=Latitude,lon=LON")
    with pytest.raises(SchemaError, match=r"lat \(Latitude\).*fix the --columns mapping"):
        read_all(noaa(GOOD), mapping=mapping)


def test_wrong_separator_hints_at_the_separator():
    mapping = ColumnMapping.parse("mmsi=MMSI,ts=BaseDateTime,lat=LAT,lon=LON,sep=semicolon")
    with pytest.raises(SchemaError, match="is the separator right"):
        read_all(noaa(GOOD), mapping=mapping)


def test_semicolon_separator_is_detected():
    text = noaa(GOOD).replace(",", ";")
    assert read_all(text).positions["mmsi"].to_list() == [367752440]


def test_bom_and_crlf_are_handled_and_line_numbers_stay_physical():
    text = "\ufeff" + NOAA_HEADER + "\r\n" + GOOD + "\r\n\r\n" + noaa_row(LAT="95") + "\r\n"
    batch = read_all(text.encode())
    assert batch.positions["line_no"].to_list() == [2]
    assert batch.rejects.select("line_no", "raw").row(0) == (4, noaa_row(LAT="95"))
    assert batch.rows_read == 2


def test_latin1_file_is_read():
    text = noaa(noaa_row(VesselName="SØLVBRIS")).encode("latin-1")
    assert read_all(text).statics["name"].to_list() == ["SØLVBRIS"]


@pytest.mark.parametrize("opener", [gzip.open, bz2.open, lzma.open])
def test_compressed_files_read_like_plain_ones(tmp_path: Path, test_data: Path, opener):
    plain = test_data / "csv" / "dma_aisdk_2018-06-01_head.csv"
    packed = tmp_path / "aisdk.csv.packed"  # the name says nothing: magic bytes decide
    with opener(packed, "wb") as out:
        out.write(plain.read_bytes())
    expected, got = read_all(plain), read_all(packed)
    assert_frame_equal(got.positions, expected.positions)
    assert_frame_equal(got.statics, expected.statics)
    assert_frame_equal(got.rejects, expected.rejects)


def test_zip_archive_is_refused_with_a_fix(tmp_path: Path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("a.csv", noaa(GOOD))
    with pytest.raises(DecodeError, match="zip archive.*unpack it first"):
        read_all(archive)


def test_missing_file_is_a_decode_error(tmp_path: Path):
    with pytest.raises(DecodeError, match="cannot read the file"):
        read_all(tmp_path / "absent.csv")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"batch_rows": 0}, "batch_rows must be >= 1"),
        ({"fmt": "mapped"}, "needs a column mapping"),
        ({"fmt": "nmea"}, "unknown CSV format"),
        (
            {
                "fmt": "noaa",
                "mapping": ColumnMapping({"mmsi": "a", "ts": "b", "lat": "c", "lon": "d"}),
            },
            "not both",
        ),
    ],
)
def test_bad_options_are_config_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        read_all(noaa(GOOD), **options)


# ------------------------------------------------------------------------ batching


@pytest.mark.parametrize("batch_rows", [1, 2, 7, 50])
def test_batches_give_the_same_rows_as_one_batch(test_data: Path, batch_rows: int):
    path = test_data / "csv" / "dma_aisdk_2018-06-01_head.csv"
    whole = read_all(path)
    batches = list(read_csv_batches(path, file="test.csv", file_id=FILE_ID, batch_rows=batch_rows))
    assert all(b.rows_read <= batch_rows for b in batches)
    joined = read_all(path, batch_rows=batch_rows)
    for name in ("positions", "statics", "others", "rejects"):
        assert_frame_equal(getattr(joined, name), getattr(whole, name))


def test_statics_only_when_identity_changes():
    lines = [
        noaa_row(BaseDateTime="2023-01-11T00:00:00"),
        noaa_row(BaseDateTime="2023-01-11T00:01:00"),  # same identity: no static
        noaa_row(BaseDateTime="2023-01-11T00:02:00", VesselName=""),  # a field missing: no change
        noaa_row(BaseDateTime="2023-01-11T00:03:00", VesselName="NEW NAME"),  # change
        noaa_row(BaseDateTime="2023-01-11T00:04:00", MMSI="219000001"),  # another vessel
        noaa_row(BaseDateTime="2023-01-11T00:05:00", VesselName="NEW NAME"),  # unchanged
        noaa_row(BaseDateTime="2023-01-11T00:06:00", Draft="7.5"),  # draught appears
    ]
    for batch_rows in (1, 3, 100):
        statics = read_all(noaa(*lines), batch_rows=batch_rows).statics
        assert statics["line_no"].to_list() == [2, 5, 6, 8]
        assert row(statics, 5)["name"] == "NEW NAME"
        assert row(statics, 8)["draught_m"] == pytest.approx(7.5)


def test_iso_times_with_offsets_are_converted_to_utc():
    mapping = ColumnMapping.parse("mmsi=id,ts=t,lat=y,lon=x")
    text = "id,t,y,x\n219000001,2021-03-20T02:00:00+02:00,1,2\n219000001,2021-03-20T00:30:00Z,1,2\n"
    batch = read_all(text, mapping=mapping)
    assert batch.positions["ts"].to_list() == [
        datetime(2021, 3, 20, 0, 0, tzinfo=UTC),
        datetime(2021, 3, 20, 0, 30, tzinfo=UTC),
    ]


def test_epoch_seconds_mapping_and_scales():
    mapping = ColumnMapping.parse("mmsi=id,ts=t,lat=y,lon=x,sog_knots=s/10,ts_format=epoch_s")
    batch = read_all("id,t,y,x,s\n219000001,1616198400,1,2,123\n", mapping=mapping)
    got = batch.positions.row(0, named=True)
    assert got["ts"] == datetime(2021, 3, 20, tzinfo=UTC)
    assert got["sog_knots"] == pytest.approx(12.3)


def test_non_mmsi_ids_are_rejected_unless_hex_is_declared():
    mapping = ColumnMapping.parse("mmsi=id,ts=t,lat=y,lon=x")
    text = "id,t,y,x\n0x3b62baab62,2021-03-20T00:00:00,1,2\n"
    assert reject_of(text, mapping=mapping)["reason"] == "malformed"
    hex_mapping = ColumnMapping.parse("mmsi=id,ts=t,lat=y,lon=x,id_kind=hex")
    assert read_all(text, mapping=hex_mapping).positions["mmsi"].to_list() == [
        1_000_000_000 + 0x3B62BAAB62
    ]
    bad = reject_of("id,t,y,x\nzz-top,2021-03-20T00:00:00,1,2\n", mapping=hex_mapping)
    assert "is not a hexadecimal id" in bad["detail"]


def test_semicolon_provider_rows_hand_written():
    header = '"timestamp_pretty";"timestamp";"msgid";"targetType";"mmsi";"lat";"long";"posacc";"sog";"cog";"shipType";"dimBow";"draught";"dimPort";"dimStarboard";"dimStern";"month";"week";"imo";"country";"name";"callsign"'
    line = '"01/04/2018 05:19:48";1522559988000;18;"B";205366000;54.536476;10.313084;1;4;159.9;"PORT_TENDER";10;1.2;2;3;5;4;13;0;"Belgium";"TEMSE";"ONCC"'
    batch = read_all(header + "\n" + line + "\n")
    got = batch.positions.row(0, named=True)
    assert (got["ts"], got["msg_type"]) == (datetime(2018, 4, 1, 5, 19, 48, tzinfo=UTC), 18)
    static = batch.statics.row(0, named=True)
    assert (
        static["ship_type"],
        static["length_m"],
        static["beam_m"],
        static["imo"],
        static["msg_type"],
    ) == (
        53,
        15,
        5,
        None,
        24,
    )


def test_marinetraffic_rows_hand_written():
    header = "MMSI;SHIP_ID;STATUS;SPEED_KNOTSx10;LON;LAT;COURSE;HEADING;TIMESTAMP_UTC;VESSEL_TYPE;LENGTH;WIDTH;GRT;DWT;DRAUGHT_METERSx10"
    lines = [
        "305575000;365167;99;1023;-6.0351071;35.960819;269;511;2016-06-01 04:43:50;Oil/Chemical Tanker;140.64999;23.200001;9983;12253;72",
        "992425100;1;0;0;-5.56;35.84;0;511;2016-06-01 01:27:15;Cardinal Mark N;0;0;NULL;NULL;NULL",
    ]
    batch = read_all(header + "\n" + "\n".join(lines) + "\n")
    got = batch.positions.row(0, named=True)
    assert (got["nav_status"], got["sog_knots"], got["heading_deg"]) == (None, None, None)
    static = batch.statics.row(0, named=True)
    assert (static["ship_type"], static["length_m"], static["beam_m"]) == (80, 141, 23)
    assert batch.others.select("mmsi", "msg_type").row(0) == (992425100, 21)
    assert batch.rows_read == 2
    assert accounted(batch)


def test_output_frames_are_empty_with_full_schema_when_everything_is_rejected():
    batch = read_all(noaa(noaa_row(LAT="95")))
    assert batch.positions.schema == pl.Schema(schema.POSITIONS)
    assert batch.statics.schema == pl.Schema(schema.STATICS)
    assert batch.others.schema == pl.Schema(schema.OTHERS)


def test_a_json_line_is_not_a_known_csv_header() -> None:
    from darkfleet.ingest.csv import sniff_csv_header

    assert sniff_csv_header('{"class":"AIS","type":1,"mmsi":371798000}') is None
