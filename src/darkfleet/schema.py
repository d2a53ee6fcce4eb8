"""Canonical columns and dtypes of darkfleet's frames (core module).

These are the contracts of ``../shared/DESIGN.md``: the store's Parquet datasets hold
exactly these columns, and users' own notebooks rely on them. Imports only ``errors``.

Conventions: instants are ``Datetime("us", "UTC")`` and end in ``_ts`` (``ts`` alone is
the receive time of an AIS message); units live in column names; AIS "not available"
sentinels are nulls, never numbers. ``file_id`` and ``line_no`` point every decoded row
back at the raw line it came from (``file_id`` is the first 16 hex digits of the SHA-256
of the input file's bytes; ``line_no`` counts from 1 and names the first sentence of a
multi-sentence message).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import polars as pl

from darkfleet.errors import SchemaError

#: Polars ``dt.to_string`` format of instants in JSON and tables: ISO 8601 UTC, ``Z``.
ISO_UTC: Final = "%Y-%m-%dT%H:%M:%S%.fZ"

__all__ = [
    "EVENTS",
    "ISO_UTC",
    "EVENT_TYPES",
    "PORTS",
    "OTHERS",
    "POSITIONS",
    "REJECTS",
    "REJECT_REASONS",
    "SANCTION_ENTRIES",
    "SANCTION_LOADS",
    "SIGHTINGS",
    "STATICS",
    "Schema",
    "empty",
    "conform",
    "require",
]

Schema = Mapping[str, pl.DataType]

UTC_US: Final = pl.Datetime("us", "UTC")

#: Position reports: AIS types 1, 2, 3, 18, 19, 27 and 9 (SAR aircraft, ``msg_type`` 9).
POSITIONS: Final[Schema] = {
    "mmsi": pl.Int64(),
    "ts": UTC_US,
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "sog_knots": pl.Float32(),
    "cog_deg": pl.Float32(),
    "heading_deg": pl.Int16(),
    "nav_status": pl.Int8(),
    "msg_type": pl.Int8(),
    "source": pl.String(),
    "file_id": pl.String(),
    "line_no": pl.Int64(),
}

#: Static and voyage reports: AIS types 5, 19 and 24 (parts A and B); fields a message
#: type does not carry are null (24A carries only the name).
STATICS: Final[Schema] = {
    "mmsi": pl.Int64(),
    "ts": UTC_US,
    "imo": pl.Int64(),
    "name": pl.String(),
    "callsign": pl.String(),
    "ship_type": pl.Int16(),
    "destination": pl.String(),
    "draught_m": pl.Float32(),
    "to_bow_m": pl.Int16(),
    "to_stern_m": pl.Int16(),
    "to_port_m": pl.Int16(),
    "to_starboard_m": pl.Int16(),
    "length_m": pl.Int16(),
    "beam_m": pl.Int16(),
    "msg_type": pl.Int8(),
    "part": pl.Int8(),
    "source": pl.String(),
    "file_id": pl.String(),
    "line_no": pl.Int64(),
}

#: Every other decoded message (base stations 4 and 11, aids to navigation 21, binary
#: and safety messages, ...): kept with its payload so nothing is lost. ``lat``/``lon``
#: and ``name`` are filled where the type carries them; ``station_ts`` is the UTC time a
#: base station (type 4/11) reported.
OTHERS: Final[Schema] = {
    "mmsi": pl.Int64(),
    "ts": UTC_US,
    "msg_type": pl.Int8(),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "name": pl.String(),
    "station_ts": UTC_US,
    "payload": pl.String(),
    "fill_bits": pl.Int8(),
    "source": pl.String(),
    "file_id": pl.String(),
    "line_no": pl.Int64(),
}

#: Reasons a line or message is rejected. Each reject row carries one of these plus a
#: free-text ``detail`` that says exactly what was wrong.
REJECT_REASONS: Final[tuple[str, ...]] = (
    "checksum",  # NMEA checksum does not match the sentence
    "malformed",  # not a parseable NMEA/CSV record (wrong field count, bad characters)
    "incomplete",  # a multi-sentence message whose other fragments never arrived
    "not ais",  # a well-formed NMEA sentence that is not AIS (e.g. $GPGGA on a boat's bus)
    "no timestamp",  # no receive time could be found or inferred for the line
    "out of range",  # a field outside its legal range (e.g. lat 95, month 13)
    "unsupported",  # a well-formed sentence of a kind darkfleet does not decode
    "too short",  # payload shorter than its message type requires
    "duplicate",  # never stored as a reject: duplicates are only counted
)

#: Rejected input, one row per line (or per message for decode-level rejects).
REJECTS: Final[Schema] = {
    "file": pl.String(),
    "file_id": pl.String(),
    "line_no": pl.Int64(),
    "raw": pl.String(),
    "reason": pl.String(),
    "detail": pl.String(),
}

#: Event types, names fixed by DESIGN.md.
EVENT_TYPES: Final[tuple[str, ...]] = (
    "gap",
    "port_visit",
    "encounter",
    "loitering",
    "spoofing",
    "identity_change",
    "invalid_identity",
    "shuttle",
    "dark_port_call",
    "sanctions_match",
)

#: Events as stored in ``<store>/events/``; ``details`` is canonical JSON text (sorted
#: keys, units in key names). ``darkfleet events --format jsonl`` renames
#: ``start_ts``/``end_ts`` to ``start``/``end`` as DESIGN.md's contract says.
EVENTS: Final[Schema] = {
    "event_id": pl.String(),
    "type": pl.String(),
    "mmsi": pl.Int64(),
    "start_ts": UTC_US,
    "end_ts": UTC_US,
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "other_mmsi": pl.Int64(),
    "port": pl.String(),
    "country": pl.String(),
    "score": pl.Float64(),
    "details": pl.String(),
}


#: Sanctions-list entries as stored in ``<store>/sanctions/entries.parquet``: one row per
#: version of a vessel entry. ``added_ts`` is the load that first carried this version,
#: ``removed_ts`` the load that dropped or changed it (null while it is listed). ``imo``,
#: ``mmsi`` and ``flag`` (ISO 3166 alpha-3) are null when the list does not give them;
#: ``gross_tonnage`` is the list's tonnage figure (GT/GRT, no unit suffix: tonnage is a
#: volume index, not a mass).
SANCTION_ENTRIES: Final[Schema] = {
    "list": pl.String(),
    "entry_id": pl.String(),
    "name": pl.String(),
    "aliases": pl.List(pl.String()),
    "previous_names": pl.List(pl.String()),
    "imo": pl.Int64(),
    "mmsi": pl.Int64(),
    "flag": pl.String(),
    "callsign": pl.String(),
    "vessel_type": pl.String(),
    "gross_tonnage": pl.Float64(),
    "build_date": pl.String(),
    "programs": pl.List(pl.String()),
    "reason": pl.String(),
    "source_url": pl.String(),
    "added_ts": UTC_US,
    "removed_ts": UTC_US,
}

#: One row per ``darkfleet sanctions load`` (``<store>/sanctions/loads.parquet``): what was
#: read, when (the CLI's clock), and what changed in the list.
SANCTION_LOADS: Final[Schema] = {
    "list": pl.String(),
    "loaded_ts": UTC_US,
    "file": pl.String(),
    "file_sha256": pl.String(),
    "format": pl.String(),
    "entries": pl.Int64(),
    "rejected": pl.Int64(),
    "skipped": pl.Int64(),
    "added": pl.Int64(),
    "removed": pl.Int64(),
}

#: Port reference points: one row per point (a World Port Index position or one of a
#: port's labelled anchorage points), several rows per ``port_id``. ``country`` is
#: ISO 3166-1 alpha-3.
PORTS: Final[Schema] = {
    "port_id": pl.String(),
    "name": pl.String(),
    "country": pl.String(),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
}


#: Analysts' sightings as the fuse layer hands them to readers (dark-leg reasoning,
#: dossiers): only current, undisputed versions. ``mmsi`` is the resolved vessel (null
#: when it could not be resolved, e.g. an IMO the store never saw); ``start_ts`` equals
#: ``end_ts`` for a point in time; ``lat``/``lon`` are null when only a port was given;
#: ``port``/``port_id`` are the gazetteer's name and id; ``confidence`` is ``low``,
#: ``medium`` or ``high``.
SIGHTINGS: Final[Schema] = {
    "sighting_id": pl.String(),
    "mmsi": pl.Int64(),
    "imo": pl.Int64(),
    "vessel_text": pl.String(),
    "start_ts": UTC_US,
    "end_ts": UTC_US,
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "port": pl.String(),
    "port_id": pl.String(),
    "source": pl.String(),
    "observation": pl.String(),
    "confidence": pl.String(),
}


def empty(schema: Schema) -> pl.DataFrame:
    """Return an empty frame with exactly the columns and dtypes of ``schema``.

    Examples
    --------
    >>> empty(REJECTS).columns
    ['file', 'file_id', 'line_no', 'raw', 'reason', 'detail']
    """
    return pl.DataFrame(schema=dict(schema))


def require(frame: pl.DataFrame | pl.LazyFrame, schema: Schema, *, what: str = "frame") -> None:
    """Raise ``SchemaError`` listing every column of ``schema`` missing or mistyped in ``frame``.

    Extra columns are allowed. ``what`` names the frame in the message (e.g. "positions").

    Examples
    --------
    >>> require(empty(REJECTS), REJECTS)
    >>> require(pl.DataFrame({"file": [1]}), {"file": pl.String()}, what="rejects")
    Traceback (most recent call last):
    ...
    darkfleet.errors.SchemaError: rejects: column 'file' has dtype Int64, expected String; cast it before calling
    """
    actual = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    problems: list[str] = []
    for name, dtype in schema.items():
        if name not in actual:
            problems.append(f"missing column '{name}' ({dtype})")
        elif actual[name] != dtype:
            problems.append(f"column '{name}' has dtype {actual[name]}, expected {dtype}")
    if problems:
        raise SchemaError(f"{what}: " + "; ".join(problems) + "; cast it before calling")


def conform(frame: pl.DataFrame, schema: Schema) -> pl.DataFrame:
    """Select exactly ``schema``'s columns in order, casting, adding missing ones as nulls."""
    return frame.select(
        [
            (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in schema.items()
        ]
    )
