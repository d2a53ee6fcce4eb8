"""Every real AIS log and export in ../shared/data/real ingests, and every reject is explained.

The expected reasons per file were read line by line (``darkfleet rejects``); each is
explained in the comment beside it. Files that are not AIS data (SOURCE.md notes, JSON
golden files, reference tables, shapefiles) are skipped with a reason in the summary when
found by walking the folder; CSVs without a known header need ``--columns``.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from darkfleet.cli.main import main

EXPECTED_REJECTS: dict[str, dict[str, int]] = {
    # 11 rows with lat/lon 91/181 and no identity fields, 4 Class B headings of 480
    # (undefined, outside 0..359), 1 row with MMSI 0.
    "aisdb-testdata/test_data_20210701.csv": {"out of range": 16},
    "aisdb-testdata/test_data_20211101.nm4": {},
    "aisdb-testdata/test_data_noaa_20230101.csv": {},
    # 4 fragments of two-part messages whose partner never came; 8 sentences with fill
    # bits 6 (legal range 0..5); 9 positions with |lat| > 90 or |lon| > 180 (corrupt
    # reports, also base stations); types 37 and 41 do not exist in ITU-R M.1371.
    "aishub-nmea-sample/nmea-sample.txt": {
        "incomplete": 4,
        "malformed": 8,
        "out of range": 9,
        "unsupported": 2,
    },
    "baltic-gibraltar-20k-samples/decoded_reports_baltic_all_ships_april_2018_micro_20k_sample_ais_data.csv": {},
    "baltic-gibraltar-20k-samples/decoded_traffic_Gibraltar_Straight_all_ships_2016A_micro_20k_sample_ais_data.csv": {},
    # a sentence spliced with a $PSHI banner and a truncated sentence (checksums fail),
    # one unmatched fragment, one sentence with an empty payload.
    "bcl-aisparser/SAR.log": {"checksum": 2, "incomplete": 1, "malformed": 1},
    "bcl-aisparser/seattle.log": {},
    # 178 type-8 messages, no receive times and no base station in the file.
    "bcl-aisparser/tidemsg8.log": {"no timestamp": 178},
    # the "Virtual AIS Receiver ..." banner line; one type-30 message (no such type).
    "bcl-aisparser/unknown.log": {"malformed": 1, "unsupported": 1},
    # $PSTT status sentences with the $PGHP and tag-block lines that precede them.
    "dma-aisabnormal/ais-sample_2013-11-12.txt.gz": {"not ais": 2706},
    "dma-aisabnormal/events/212123000_drift_1.ais": {"not ais": 95},
    "dma-aisabnormal/events/219165000_ssc_1.ais": {"not ais": 3},
    "dma-aisabnormal/events/538004030_drift_1.ais": {"not ais": 227},
    # two "Moored" rows with lat/lon 91/181 and no identity fields.
    "dma-aisdk-csv-sample/aisdk_2018-06-01_head.csv": {"out of range": 2},
    # 8 lines holding two sentences joined by a literal "\r\n" text (capture artefact).
    "dma-aislib/ais250_socal_2017.txt": {"malformed": 8},
    "dma-aislib/decode_encode_messages_2011.txt": {},
    "dma-aislib/replay_dump_2013-03-18.txt": {},
    "dma-aislib/stream_example_2010-06-11.txt": {},
    "gpsd-ais/ais-nmea-type6-fid55.log": {},
    # a two-part message whose fragments name different stations; two sentences with a
    # literal "\x0d\x0a" after the checksum; a fragment missing its '!'; a type 4 with
    # lat 109 / lon 205 (gpsd's sample of a corrupt report).
    "gpsd-ais/sample.aivdm": {"incomplete": 2, "malformed": 3, "out of range": 1},
    "libais-testdata/tagblock.nmea": {},
    # 7 type-27 reports with impossible coordinates, 8 type 23/27 payloads shorter than
    # their type needs, 17 type-28 messages (not defined in ITU-R M.1371-5).
    "libais-testdata/test.aivdm": {"out of range": 7, "too short": 8, "unsupported": 17},
    # three examples with impossible coordinates (types 2, 9, 27).
    "libais-testdata/typeexamples.nmea": {"out of range": 3},
    # $PAIS, $AIABK, $AIALR, $PL3ABF: receiver status sentences.
    "noaadata-uscg/test.ais": {"not ais": 15},
    # a boat's bus: GPS, depth, wind and heading sentences (not AIS); its AIS lines take
    # their times from the GPS's own RMC/ZDA sentences.
    "signalk-nl-samples/gofree-merrimac.log": {"not ais": 4817},
    "signalk-nl-samples/nais300-merrimac.log": {"not ais": 30},
    "signalk-nl-samples/nais400-merrimac.log": {"not ais": 62},
    # an unmatched fragment and its empty partner; two sentences run together; type 5
    # and 21 payloads cut short; types 0, 37 and 49 do not exist.
    "vietnam-captures-2024/haiphong_2024-10-04_tcp.txt": {
        "incomplete": 1,
        "malformed": 2,
        "too short": 20,
        "unsupported": 3,
    },
    # "!AIVDM,  ,1,..." : the fragment count is blank, so the checksum fails.
    "vietnam-captures-2024/hochiminh_2024-10-21.txt": {"checksum": 1},
}

#: Found in the folder but not AIS logs or known exports.
NOT_AIS = (
    "INDEX.md",
    "gpsd-ais/sample.aivdm.js.chk",
    "libais-testdata/typeexamples.json",
    "ref-ports-gfw/WPI_ports.csv",
    "gdansk-2019-raw-bits/AIS_data_MMSI_bin_hex.txt",
    "evergiven-suez-2021/boat-positions.csv",  # needs --columns (ID is not an MMSI)
)


@pytest.fixture(scope="module")
def real_summary(
    shared_real: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, object]]:
    store = tmp_path_factory.mktemp("real") / "store"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as info:
        main(
            [
                "ingest",
                str(shared_real),
                "--store",
                str(store),
                "--summary",
                "json",
                "--no-progress",
            ]
        )
    assert info.value.code == 0
    summary = json.loads(out.getvalue())
    return {str(Path(item["file"]).relative_to(shared_real)): item for item in summary["files"]}


@pytest.mark.parametrize("name", sorted(EXPECTED_REJECTS))
def test_real_file_ingests_with_only_the_explained_rejects(
    real_summary: dict[str, dict[str, object]], name: str
) -> None:
    item = real_summary[name]
    assert item["skipped"] is None
    assert item["rejects_by_reason"] == EXPECTED_REJECTS[name]
    assert item["lines"] > 0


def test_a_boats_bus_takes_ais_times_from_its_gps(
    real_summary: dict[str, dict[str, object]],
) -> None:
    for name in (
        "signalk-nl-samples/gofree-merrimac.log",
        "signalk-nl-samples/nais300-merrimac.log",
    ):
        assert set(real_summary[name]["timestamps_from"]) == {"gps"}  # type: ignore[arg-type]
    assert str(real_summary["signalk-nl-samples/gofree-merrimac.log"]["first_ts"]).startswith(
        "2014-04-16T19:57"
    )


def test_files_that_are_not_ais_are_skipped_with_a_reason(
    real_summary: dict[str, dict[str, object]],
) -> None:
    for name in NOT_AIS:
        assert str(real_summary[name]["skipped"]).startswith("unknown format"), name


def test_every_readable_real_log_yields_positions(
    real_summary: dict[str, dict[str, object]],
) -> None:
    no_positions = {"bcl-aisparser/tidemsg8.log"}
    for name in EXPECTED_REJECTS:
        positions = real_summary[name]["positions"]
        assert isinstance(positions, int)
        assert (positions == 0) == (name in no_positions), name
