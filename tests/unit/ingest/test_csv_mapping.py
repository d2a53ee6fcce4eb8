"""ColumnMapping parsing and header sniffing."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from darkfleet.errors import ConfigError
from darkfleet.ingest.csv import ColumnMapping, sniff_csv_format, sniff_csv_header


def test_parse_reads_columns_settings_and_scales():
    mapping = ColumnMapping.parse(
        "mmsi=SHIP_ID, ts=TIMESTAMP, lat=LAT, lon=LON, sog_knots=SPEED/10, draught_m=D*0.1,"
        "ts_format=%d-%m-%y %H:%M, sep=semicolon, id_kind=hex"
    )
    assert dict(mapping.columns) == {
        "mmsi": "SHIP_ID",
        "ts": "TIMESTAMP",
        "lat": "LAT",
        "lon": "LON",
        "sog_knots": "SPEED",
        "draught_m": "D",
    }
    assert dict(mapping.scales) == {"sog_knots": 0.1, "draught_m": 0.1}
    assert (mapping.time_format, mapping.separator, mapping.id_kind) == (
        "%d-%m-%y %H:%M",
        ";",
        "hex",
    )


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("mmsi=a,ts=b,lat=c,lon=d,speed=e", "did you mean 'sog_knots'?"),
        ("mmsi=a,ts=b,lat=c,lon=d,latt=e", "did you mean 'lat'?"),
        ("mmsi=a,ts=b,lat=c,lon=d,heading=e", "did you mean 'heading_deg'?"),
        ("mmsi=a,ts=b,lat=c,lon=d,ts_fromat=e", "did you mean 'ts_format'?"),
    ],
)
def test_unknown_field_suggests_the_right_one(text, suggestion):
    with pytest.raises(ConfigError, match="unknown column-mapping field") as caught:
        ColumnMapping.parse(text)
    assert suggestion in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mmsi=a,ts=b,lat=c", "lacks lon"),
        ("mmsi=a,ts=b,lat=c,lon", "is not field=Column"),
        ("mmsi=a,ts=b,lat=c,lon=d,sog_knots=e/0", "scale must not be 0"),
        ("mmsi=a,ts=b,lat=c,lon=d,sep=::", "one character"),
        ("mmsi=a,ts=b,lat=c,lon=d,id_kind=uuid", "id_kind must be mmsi or hex"),
    ],
)
def test_bad_mapping_is_a_config_error(text, message):
    with pytest.raises(ConfigError, match=message):
        ColumnMapping.parse(text)


def test_constructor_validates_like_parse():
    with pytest.raises(ConfigError, match="unknown column-mapping field 'speed'"):
        ColumnMapping({"mmsi": "a", "ts": "b", "lat": "c", "lon": "d", "speed": "e"})


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status", "dma"),
        (
            "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo",
            "noaa",
        ),
        (
            "mmsi,base_date_time,longitude,latitude,sog,cog,heading,vessel_name,imo,call_sign",
            "noaa",
        ),
        ('"timestamp_pretty";"timestamp";"msgid";"targetType";"mmsi";"lat";"long"', "semicolon"),
        (
            "MMSI;SHIP_ID;STATUS;SPEED_KNOTSx10;LON;LAT;COURSE;HEADING;TIMESTAMP_UTC",
            "marinetraffic",
        ),
        ("MMSI,Message_ID,Repeat_indicator,Time,Millisecond,Longitude,Latitude", "spire"),
        ("\ufeffID,ais_pos_timestamp,longitude,latitude", None),
        ("SHIP_ID,SPEED,LON,LAT,COURSE,HEADING,TIMESTAMP", None),
    ],
)
def test_sniff_header(header, expected):
    assert sniff_csv_header(header) == expected


def test_sniff_reads_through_gzip_and_handles_empty_files(tmp_path: Path):
    packed = tmp_path / "noaa.csv.gz"
    with gzip.open(packed, "wb") as out:
        out.write(b"\n\nMMSI,BaseDateTime,LAT,LON\n1,2023-01-01T00:00:00,1,1\n")
    assert sniff_csv_format(packed) == "noaa"
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert sniff_csv_format(empty) is None
