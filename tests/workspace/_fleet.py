"""A small store for workspace tests: static reports of the Rajin shuttle's ships, events.

MMSIs are made up; IMOs are the ships' published numbers. Two different ships are
called MARIA (an ambiguous name), and ANGARA re-flagged: two MMSIs reported its IMO.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from darkfleet import schema
from darkfleet.store import ParquetStore

LADY_R_MMSI = 273_610_000
LADY_R_IMO = 9_161_003
ANGARA_OLD_MMSI = 273_620_000
ANGARA_MMSI = 273_630_000
ANGARA_IMO = 9_179_842
MARIA_A = 273_640_000
MARIA_B = 273_650_000
GAP_EVENT = "e" * 20
VISIT_EVENT = "f" * 20
T0 = datetime(2023, 10, 5, 6, 30, tzinfo=UTC)
_STATICS = [  # mmsi, ts, imo, name
    (LADY_R_MMSI, datetime(2023, 9, 1, tzinfo=UTC), LADY_R_IMO, "LADY R"),
    (ANGARA_OLD_MMSI, datetime(2023, 1, 1, tzinfo=UTC), ANGARA_IMO, "ANGARA"),
    (ANGARA_OLD_MMSI, datetime(2023, 3, 1, tzinfo=UTC), ANGARA_IMO, "ANGARA"),
    (ANGARA_MMSI, datetime(2023, 8, 1, tzinfo=UTC), ANGARA_IMO, "ANGARA"),
    (ANGARA_MMSI, datetime(2023, 11, 1, tzinfo=UTC), ANGARA_IMO, "ANGARA"),
    (MARIA_A, datetime(2023, 9, 1, tzinfo=UTC), 9_000_001, "MARIA"),
    (MARIA_B, datetime(2023, 9, 2, tzinfo=UTC), None, "Maria"),
]


def statics() -> pl.DataFrame:
    """The fleet's static reports in ``schema.STATICS`` form."""
    frame = pl.DataFrame(_STATICS, schema=["mmsi", "ts", "imo", "name"], orient="row").with_columns(
        pl.lit(5).alias("msg_type"),
        pl.lit("test").alias("source"),
        pl.lit("a" * 16).alias("file_id"),
        pl.int_range(1, len(_STATICS) + 1).alias("line_no"),
    )
    return schema.conform(frame, schema.STATICS)


def events() -> pl.DataFrame:
    """A gap of LADY R and a port visit of ANGARA (``schema.EVENTS``)."""
    frame = pl.DataFrame(
        {
            "event_id": [GAP_EVENT, VISIT_EVENT],
            "type": ["gap", "port_visit"],
            "mmsi": [LADY_R_MMSI, ANGARA_MMSI],
            "start_ts": [datetime(2023, 10, 3, tzinfo=UTC), datetime(2023, 10, 8, tzinfo=UTC)],
            "end_ts": [datetime(2023, 10, 7, tzinfo=UTC), datetime(2023, 10, 9, tzinfo=UTC)],
            "lat": [42.9, 42.76],
            "lon": [132.5, 133.05],
            "port": [None, "Vostochnyy"],
            "country": [None, "RUS"],
            "score": [None, None],
            "details": ["{}", "{}"],
        }
    )
    return schema.conform(frame, schema.EVENTS)


def make_store(root: Path) -> ParquetStore:
    """A store at ``root`` holding the fleet's static reports and two events."""
    store = ParquetStore(root)
    with store.begin_ingest(file_id="a" * 16, file="fleet.nmea") as transaction:
        transaction.write("statics", statics())
        transaction.commit(summary={"lines": len(_STATICS)}, ingested_at=T0)
    store.replace_events(events())
    return store
