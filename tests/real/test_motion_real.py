"""False-positive checks of the motion detectors on real AIS data (``shared_real``).

- Saigon River (Ho Chi Minh City, Oct 2024): river traffic that Natural Earth puts on
  land (about -4 to -18 km); the land rule must stay quiet.
- Suez Canal (Ever Given queue, Mar 2021; IDs are not MMSIs): up to -62 km "inland";
  no spoofing of any rule.
- DMA, 5 minutes of all Danish traffic (12 Nov 2013, $PGHP receive times): no spoofing,
  and no encounter inside a port.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pyais
import pytest

from darkfleet import schema
from darkfleet.detect.context import GeoContext
from darkfleet.detect.encounters import EncounterParams, detect_encounters
from darkfleet.detect.gaps import GapParams, detect_gaps
from darkfleet.detect.loitering import LoiteringParams, detect_loitering
from darkfleet.detect.spoofing import SpoofingParams, detect_spoofing
from darkfleet.reference.shore import load_shore_grid

pytestmark = pytest.mark.shared

POSITION_TYPES = {1, 2, 3, 18, 19, 27}
_CHECKSUM_TAIL = re.compile(r"(\*[0-9A-Fa-f]{2}).*$")


def _position_row(message: object, ts: datetime) -> dict[str, object] | None:
    msg_type = getattr(message, "msg_type", None)
    if msg_type not in POSITION_TYPES:
        return None
    lat = getattr(message, "lat", None)
    lon = getattr(message, "lon", None)
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    speed = getattr(message, "speed", None)
    return {
        "mmsi": int(message.mmsi),  # type: ignore[attr-defined]
        "ts": ts,
        "lat": float(lat),
        "lon": float(lon),
        "sog_knots": None if speed is None or speed >= 102.3 else float(speed),
        "msg_type": msg_type,
    }


def _frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows,
        schema={
            "mmsi": pl.Int64,
            "ts": pl.Datetime("us", "UTC"),
            "lat": pl.Float64,
            "lon": pl.Float64,
            "sog_knots": pl.Float32,
            "msg_type": pl.Int8,
        },
        orient="row",
    )
    return schema.conform(frame, schema.POSITIONS)


def decode_single_sentences(lines: list[str]) -> list[object]:
    """Decode one-sentence AIS messages (positions never need two sentences)."""
    decoded = []
    for line in lines:
        if not line.startswith("!") or ",1,1," not in line:
            continue
        try:
            decoded.append(pyais.decode(_CHECKSUM_TAIL.sub(r"\1", line.strip())))
        except Exception:  # noqa: BLE001 - real captures hold a few broken sentences
            continue
    return decoded


@pytest.fixture(scope="module")
def shore_context() -> GeoContext:
    return GeoContext(shore=load_shore_grid())


@pytest.fixture(scope="module")
def saigon(shared_real: Path) -> pl.DataFrame:
    text = (shared_real / "vietnam-captures-2024" / "hochiminh_2024-10-21.txt").read_text()
    start = datetime(2024, 10, 21, tzinfo=UTC)
    # no receive times in this capture: order of arrival, 2 s apart (only the land rule,
    # which needs no times, is judged)
    rows = [
        row
        for i, message in enumerate(decode_single_sentences(text.splitlines()))
        if (row := _position_row(message, start + timedelta(seconds=2 * i))) is not None
    ]
    return _frame(rows)


@pytest.fixture(scope="module")
def suez(shared_real: Path) -> pl.DataFrame:
    raw = pl.read_csv(
        shared_real / "evergiven-suez-2021" / "boat-positions.csv", encoding="utf8-lossy"
    )
    raw = raw.rename({raw.columns[0]: "ID"})
    frame = raw.select(
        pl.col("ID").cast(pl.Int64).alias("mmsi"),
        pl.col("ais_pos_timestamp")
        .str.strptime(pl.Datetime("us"), "%d/%m/%Y %H:%M")
        .dt.replace_time_zone("UTC")
        .alias("ts"),
        pl.col("latitude").alias("lat"),
        pl.col("longitude").alias("lon"),
    )
    return schema.conform(frame, schema.POSITIONS)


@pytest.fixture(scope="module")
def danish(shared_real: Path) -> pl.DataFrame:
    path = shared_real / "dma-aisabnormal" / "ais-sample_2013-11-12.txt.gz"
    rows = []
    ts: datetime | None = None
    with gzip.open(path, "rt", encoding="ascii", errors="replace") as handle:
        for line in handle:
            if line.startswith("$PGHP"):
                fields = line.split(",")
                year, month, day, hour, minute, second, ms = (int(f) for f in fields[2:9])
                ts = datetime(year, month, day, hour, minute, second, ms * 1000, tzinfo=UTC)
            elif line.startswith("!") and ts is not None:
                for message in decode_single_sentences([line]):
                    if (row := _position_row(message, ts)) is not None:
                        rows.append(row)
    return _frame(rows)


@pytest.fixture(scope="module")
def danish_ports(shared_real: Path) -> pl.DataFrame:
    wpi = pl.read_csv(shared_real / "ref-ports-gfw" / "WPI_ports.csv")
    ports = wpi.filter(
        pl.col("latitude").is_between(53.5, 58.5) & pl.col("longitude").is_between(7.0, 16.0)
    ).select(
        (pl.col("iso3") + "-" + pl.col("label")).alias("port_id"),
        pl.col("label").alias("name"),
        pl.col("iso3").alias("country"),
        pl.col("latitude").alias("lat"),
        pl.col("longitude").alias("lon"),
    )
    return schema.conform(ports, schema.PORTS)


def rules(events: pl.DataFrame) -> list[str]:
    return [json.loads(text)["rule"] for text in events["details"]]


def test_saigon_river_is_not_deep_on_land(saigon: pl.DataFrame, shore_context: GeoContext) -> None:
    assert saigon.height > 5000
    shore_km = shore_context.shore.lookup_km(saigon["lat"].to_numpy(), saigon["lon"].to_numpy())  # type: ignore[union-attr]
    assert (shore_km < 0).mean() > 0.5  # the river is "land" on the coastline: a real test
    events, _ = detect_spoofing(saigon, SpoofingParams(), shore_context)
    assert "land" not in rules(events)


def test_suez_canal_queue_is_not_spoofing(suez: pl.DataFrame, shore_context: GeoContext) -> None:
    assert suez.height == 22_287
    shore_km = shore_context.shore.lookup_km(suez["lat"].to_numpy(), suez["lon"].to_numpy())  # type: ignore[union-attr]
    assert shore_km.min() < -50.0  # deep "inland" on Natural Earth: a real test
    events, tracks = detect_spoofing(suez, SpoofingParams(), shore_context)
    assert events.height == 0
    assert tracks["track"].max() == 0


def test_suez_queue_detectors_run_on_position_only_data(
    suez: pl.DataFrame, shore_context: GeoContext
) -> None:
    # no SOG in this source: speeds come from the positions; ships anchored in the
    # queue off Suez and Port Said meet for hours (no port gazetteer given here)
    encounters = detect_encounters(suez, EncounterParams(), shore_context)
    assert encounters.height > 0
    assert (encounters["mmsi"] < encounters["other_mmsi"]).all()
    gaps = detect_gaps(suez, GapParams(), shore_context)
    assert gaps.height > 0
    assert (gaps["end_ts"] - gaps["start_ts"] >= timedelta(hours=6)).all()


def test_danish_traffic_has_no_spoofing(danish: pl.DataFrame, shore_context: GeoContext) -> None:
    assert danish.height > 20_000
    assert danish["ts"].max() - danish["ts"].min() < timedelta(minutes=6)
    events, tracks = detect_spoofing(danish, SpoofingParams(), shore_context)
    assert events.height == 0, events["details"].to_list()[:3]
    assert tracks["track"].max() == 0


def test_danish_traffic_has_no_encounters_in_ports(
    danish: pl.DataFrame, danish_ports: pl.DataFrame
) -> None:
    context = GeoContext(ports=danish_ports, shore=load_shore_grid())
    assert danish_ports.height > 20
    # five minutes cannot hold a 2 h encounter: shorten the rule to see pairs at all
    short = EncounterParams(min_duration=timedelta(minutes=1))
    with_ports = detect_encounters(danish, short, context)
    without_ports = detect_encounters(danish, short, GeoContext(shore=load_shore_grid()))
    assert without_ports.height > with_ports.height  # moored pairs in port exist ...
    if with_ports.height:  # ... and none of those reported is within 10 km of a port
        distance = [json.loads(d)["distance_to_port_km"] for d in with_ports["details"]]
        assert min(distance) >= 10.0
    assert detect_encounters(danish, EncounterParams(), context).height == 0


def test_danish_traffic_loitering_needs_hours(
    danish: pl.DataFrame, shore_context: GeoContext
) -> None:
    assert detect_loitering(danish, LoiteringParams(), shore_context).height == 0


def test_suez_queue_has_no_encounters_with_the_built_in_gazetteer(suez: pl.DataFrame) -> None:
    # the same queue with darkfleet's gazetteer (WPI ports and GFW anchorages, as
    # darkfleet detect uses it): ships waiting at the canal's anchorages are not
    # ship-to-ship meetings
    from darkfleet.reference import load_geo_context

    context = dataclasses.replace(load_geo_context(), shore=load_shore_grid())
    encounters = detect_encounters(suez, EncounterParams(), context)
    assert encounters.height == 0
