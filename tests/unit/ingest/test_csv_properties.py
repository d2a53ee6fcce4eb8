"""Property test: rows written in NOAA MarineCadastre format read back unchanged."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from darkfleet import schema
from tests.unit.ingest.csv_helpers import accounted, read_all

HEADER = [
    "MMSI",
    "BaseDateTime",
    "LAT",
    "LON",
    "SOG",
    "COG",
    "Heading",
    "VesselName",
    "IMO",
    "CallSign",
    "VesselType",
    "Status",
    "Length",
    "Width",
    "Draft",
    "Cargo",
    "TransceiverClass",
]
# Names may hold the separator and quotes; csv.writer quotes them as exports do.
NAME_CHARS = st.sampled_from(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,\"'-."))
names = (
    st.text(NAME_CHARS, min_size=1, max_size=20)
    .map(str.strip)
    .filter(lambda name: name != "" and name.lower() not in {"null", "none", "nan", "n/a"})
)

vessel_rows = st.fixed_dictionaries(
    {
        "mmsi": st.integers(1, 999_999_999),
        "ts": st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)).map(
            lambda moment: moment.replace(microsecond=0, tzinfo=UTC)
        ),
        "lat": st.integers(-9_000_000, 9_000_000).map(lambda v: v / 100_000),
        "lon": st.integers(-18_000_000, 18_000_000).map(lambda v: v / 100_000),
        "sog_knots": st.none() | st.integers(0, 1022).map(lambda v: v / 10),
        "cog_deg": st.none() | st.integers(0, 3599).map(lambda v: v / 10),
        "heading_deg": st.none() | st.integers(0, 359),
        "nav_status": st.none() | st.integers(0, 15),
        "is_class_b": st.booleans(),
        "name": names,
        "imo": st.none() | st.integers(1_000_000, 9_999_999),
        "callsign": st.none()
        | st.text(
            st.sampled_from(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")), min_size=3, max_size=7
        ).filter(
            lambda sign: sign.lower() not in {"null", "none"}  # junk words read as null, by design
        ),
        "ship_type": st.none() | st.integers(1, 99),
        "length_m": st.none() | st.integers(1, 400),
        "beam_m": st.none() | st.integers(1, 60),
        "draught_m": st.none() | st.integers(1, 255).map(lambda v: v / 10),
    }
)


def _write_noaa(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for vessel in rows:  # test-side serialisation, not library code

        def text(value: object, *, na: str = "") -> str:
            return na if value is None else str(value)

        writer.writerow(
            [
                vessel["mmsi"],
                vessel["ts"].strftime("%Y-%m-%dT%H:%M:%S"),  # type: ignore[attr-defined]
                vessel["lat"],
                vessel["lon"],
                text(vessel["sog_knots"], na="102.3"),
                text(vessel["cog_deg"], na="360.0"),
                text(vessel["heading_deg"], na="511.0"),
                vessel["name"],
                "" if vessel["imo"] is None else f"IMO{vessel['imo']}",
                text(vessel["callsign"]),
                text(vessel["ship_type"]),
                text(vessel["nav_status"]),
                text(vessel["length_m"]),
                text(vessel["beam_m"]),
                text(vessel["draught_m"]),
                "",
                "B" if vessel["is_class_b"] else "A",
            ]
        )
    return out.getvalue()


@given(st.lists(vessel_rows, min_size=1, max_size=25, unique_by=lambda vessel: vessel["mmsi"]))
def test_noaa_rows_round_trip(rows):
    batch = read_all(_write_noaa(rows), batch_rows=7)
    assert batch.rejects.height == 0
    assert accounted(batch)
    line_nos = list(range(2, len(rows) + 2))
    expected_positions = schema.conform(
        pl.DataFrame(
            {
                "mmsi": [r["mmsi"] for r in rows],
                "ts": [r["ts"] for r in rows],
                "lat": [r["lat"] for r in rows],
                "lon": [r["lon"] for r in rows],
                "sog_knots": [r["sog_knots"] for r in rows],
                "cog_deg": [r["cog_deg"] for r in rows],
                "heading_deg": [r["heading_deg"] for r in rows],
                "nav_status": [r["nav_status"] for r in rows],
                "msg_type": [18 if r["is_class_b"] else 1 for r in rows],
                "source": ["test.csv"] * len(rows),
                "file_id": ["0123456789abcdef"] * len(rows),
                "line_no": line_nos,
            },
            schema_overrides={"ts": schema.UTC_US},
        ),
        schema.POSITIONS,
    )
    assert_frame_equal(batch.positions, expected_positions)
    # every row names its vessel (unique MMSIs), so each gives one static report
    expected_statics = schema.conform(
        pl.DataFrame(
            {
                "mmsi": [r["mmsi"] for r in rows],
                "ts": [r["ts"] for r in rows],
                "imo": [r["imo"] for r in rows],
                "name": [r["name"] for r in rows],
                "callsign": [r["callsign"] for r in rows],
                "ship_type": [r["ship_type"] for r in rows],
                "draught_m": [r["draught_m"] for r in rows],
                "length_m": [r["length_m"] for r in rows],
                "beam_m": [r["beam_m"] for r in rows],
                "msg_type": [24 if r["is_class_b"] else 5 for r in rows],
                "source": ["test.csv"] * len(rows),
                "file_id": ["0123456789abcdef"] * len(rows),
                "line_no": line_nos,
            },
            schema_overrides={"ts": schema.UTC_US},
        ),
        schema.STATICS,
    )
    assert_frame_equal(batch.statics, expected_statics)


def test_round_trip_helper_writes_sentinels_for_missing_values():
    text = _write_noaa(
        [
            {
                "mmsi": 1,
                "ts": datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=1),
                "lat": 0.0,
                "lon": 0.0,
                "sog_knots": None,
                "cog_deg": None,
                "heading_deg": None,
                "nav_status": None,
                "is_class_b": False,
                "name": "A",
                "imo": None,
                "callsign": None,
                "ship_type": None,
                "length_m": None,
                "beam_m": None,
                "draught_m": None,
            }
        ]
    )
    assert text.splitlines()[1] == "1,2020-01-01T00:00:01,0.0,0.0,102.3,360.0,511.0,A,,,,,,,,,A"
