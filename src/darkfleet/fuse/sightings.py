"""Analysts' sightings: read, validate, resolve, record and hand out (fuse layer).

Imports ``store``, ``reference``, ``config``, ``schema`` and ``errors``; never ``cli``.

A sighting says that a vessel was seen at a place (a gazetteer port, or ``lat``/``lon``)
at a time or over a span, by a source, with a confidence. Input fields (CSV columns,
JSON keys, ``sightings add`` options and ``correct --set`` names alike):

========================  ==========================================================
``time``                  ISO 8601 with an offset (``2023-10-05T06:30Z``); or
``start`` and ``end``     the span the vessel was seen over
``vessel``                name, IMO or MMSI as free text (``LADY R (IMO 9161003)``)
``port``                  a gazetteer port: id, name or alias (``Rajin``, ``PRK-NAJIN``)
``lat``, ``lon``          WGS84 degrees; instead of or besides ``port``
``source``                who saw it (``Maxar WorldView-3 image 10300100...``)
``observation``           what was seen (optional)
``confidence``            ``low``, ``medium`` (default) or ``high``
========================  ==========================================================

A sighting's id is a hash of what was seen (vessel as written, times, place, source,
observation), so importing the same file twice adds nothing the second time.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import polars as pl

from darkfleet import schema
from darkfleet.config import parse_utc_time
from darkfleet.errors import ConfigError, DecodeError, InputError, SchemaError
from darkfleet.fuse.vessel_mentions import VesselIndex
from darkfleet.reference.ports import resolve_port
from darkfleet.store.workspace import SightingFields, Workspace

__all__ = [
    "CONFIDENCES",
    "DEFAULT_CONFIDENCE",
    "FIELDS",
    "FieldError",
    "ImportResult",
    "SightingRow",
    "add_sighting",
    "build_sighting",
    "import_sightings",
    "read_current_sightings",
    "read_sighting_rows",
    "sighting_evidence",
    "sighting_id",
    "sighting_raw",
    "sighting_records",
]

#: How sure the analyst is, weakest first.
CONFIDENCES: Final = ("low", "medium", "high")
#: Confidence of a sighting that states none: neither a hedge nor a certainty.
DEFAULT_CONFIDENCE: Final = "medium"
#: Every field a sightings file may carry.
FIELDS: Final = (
    "time", "start", "end", "vessel", "port", "lat", "lon", "source", "observation", "confidence",
)  # fmt: skip
_FIX: Final = "see docs/workspace.md for the sightings format"
_EXAMPLE_VESSEL: Final = "e.g. 'LADY R (IMO 9161003)'"


class FieldError(InputError):
    """One field of one sighting is wrong; ``field`` names it, the message says why and how."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"field '{field_name}': {problem}")
        self.field = field_name


@dataclass(frozen=True, slots=True)
class SightingRow:
    """One row of a sightings file: its label (``line 3``, ``record 2``) and raw fields.

    ``problem`` is set when the row cannot even be split into fields (a CSV row with
    more cells than the header).
    """

    label: str
    raw: Mapping[str, str | None]
    problem: str | None = None


@dataclass(slots=True)
class ImportResult:
    """What one import did: ids added, rows already present, rejected rows' messages."""

    path: Path
    rows: int
    added: list[str] = field(default_factory=list)
    already_present: int = 0
    errors: list[str] = field(default_factory=list)
    unresolved_mmsi: int = 0


def _float_in(raw: str, name: str, limit: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise FieldError(name, f"{raw!r} is not a number; write decimal degrees") from None
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise FieldError(name, f"{raw!r} is outside -{limit:g}..{limit:g} degrees")
    return value


def _time(raw: Mapping[str, str | None], name: str) -> datetime:
    try:
        return parse_utc_time(raw[name] or "", where=f"field '{name}'")
    except ConfigError as err:
        raise FieldError(name, str(err).split(": ", 1)[1]) from None


def build_sighting(raw: Mapping[str, str | None], vessels: VesselIndex) -> SightingFields:
    """Validate one sighting's raw text fields and resolve its vessel and port.

    ``raw`` maps names of ``FIELDS`` to stripped text, ``None`` or ``""`` when absent.

    Raises
    ------
    FieldError
        The first wrong or missing field, with the reason and the fix.
    """
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        close = difflib.get_close_matches(unknown[0], FIELDS, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise FieldError(unknown[0], f"unknown field; {hint}known fields: {', '.join(FIELDS)}")
    given = {key: value.strip() for key, value in raw.items() if value and value.strip()}
    if "time" in given:
        start_ts = end_ts = _time(given, "time")
    elif "start" in given or "end" in given:
        for name in ("start", "end"):
            if name not in given:
                raise FieldError(name, "missing; give both start and end, or time alone")
        start_ts, end_ts = _time(given, "start"), _time(given, "end")
        if end_ts < start_ts:
            raise FieldError("end", f"{given['end']} is before start {given['start']}")
    else:
        raise FieldError("time", "missing; give time, or start and end (ISO 8601 UTC)")
    if "vessel" not in given:
        raise FieldError("vessel", f"missing; name the vessel, {_EXAMPLE_VESSEL}")
    try:
        vessel = vessels.resolve(given["vessel"], at=start_ts)
    except InputError as err:
        raise FieldError("vessel", str(err)) from None
    lat = _float_in(given["lat"], "lat", 90.0) if "lat" in given else None
    lon = _float_in(given["lon"], "lon", 180.0) if "lon" in given else None
    if (lat is None) != (lon is None):
        missing = "lon" if lon is None else "lat"
        raise FieldError(missing, "missing; give lat and lon together")
    port = port_id = None
    if "port" in given:
        record = resolve_port(given["port"])
        if record is None:
            raise FieldError(
                "port",
                f"{given['port']!r} is not a port of the built-in gazetteer; write a port id, "
                "name or alias (e.g. Rajin, Vostochny, PRK-NAJIN), or give lat and lon instead",
            )
        port, port_id = record.name, record.port_id
    elif lat is None:
        raise FieldError("port", "missing; say where: a port, or lat and lon")
    if "source" not in given:
        raise FieldError("source", "missing; say who saw it (e.g. the image or report)")
    confidence = given.get("confidence", DEFAULT_CONFIDENCE).lower()
    if confidence not in CONFIDENCES:
        raise FieldError(
            "confidence", f"{given['confidence']!r} is not one of {', '.join(CONFIDENCES)}"
        )
    return SightingFields(
        vessel_text=given["vessel"],
        mmsi=vessel.mmsi,
        imo=vessel.imo,
        start_ts=start_ts,
        end_ts=end_ts,
        lat=lat,
        lon=lon,
        port=port,
        port_id=port_id,
        source=given["source"],
        observation=given.get("observation", ""),
        confidence=confidence,
    )


def sighting_id(sighting: SightingFields) -> str:
    """Stable id from what was seen: vessel text, times (µs), place, source, observation.

    Confidence and the resolved MMSI/IMO are not part of it: they are judgements that a
    correction may change. Floats are hashed by their exact binary value, never by a
    formatted string.

    Examples
    --------
    >>> from datetime import UTC
    >>> t = datetime(2023, 10, 5, 6, 30, tzinfo=UTC)
    >>> s = SightingFields(vessel_text="ANGARA", mmsi=None, imo=9179842, start_ts=t,
    ...     end_ts=t, lat=None, lon=None, port="Najin", port_id="PRK-NAJIN",
    ...     source="Planet", observation="", confidence="high")
    >>> sighting_id(s)
    'sgt-4059929ad3c341286701'
    """

    def micros(value: datetime) -> int:
        return int(value.timestamp()) * 1_000_000 + value.microsecond

    key = json.dumps(
        [
            sighting.vessel_text,
            micros(sighting.start_ts),
            micros(sighting.end_ts),
            None if sighting.lat is None else sighting.lat.hex(),
            None if sighting.lon is None else sighting.lon.hex(),
            sighting.port_id,
            sighting.source,
            sighting.observation,
        ],
        ensure_ascii=False,
    )
    return "sgt-" + hashlib.sha256(key.encode()).hexdigest()[:20]


def sighting_raw(sighting: SightingFields) -> dict[str, str | None]:
    """Return a sighting as raw text fields (``build_sighting``'s input), for corrections."""

    def iso(value: datetime) -> str:
        return value.isoformat().replace("+00:00", "Z")

    return {
        "start": iso(sighting.start_ts),
        "end": iso(sighting.end_ts),
        "vessel": sighting.vessel_text,
        "port": sighting.port_id,
        "lat": None if sighting.lat is None else repr(sighting.lat),
        "lon": None if sighting.lon is None else repr(sighting.lon),
        "source": sighting.source,
        "observation": sighting.observation,
        "confidence": sighting.confidence,
    }


def _json_row(label: str, record: Mapping[str, object]) -> SightingRow:
    """A JSON object's values as text: strings as they are, numbers exactly (``repr``)."""
    raw: dict[str, str | None] = {}
    for key, value in record.items():
        name = str(key).strip().lower()
        if value is None or isinstance(value, str):
            raw[name] = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            raw[name] = repr(value)
        else:
            return SightingRow(label, {}, f"field '{name}': {value!r} must be text or a number")
    return SightingRow(label, raw)


def read_sighting_rows(path: Path) -> list[SightingRow]:
    """Read a CSV or JSON sightings file into rows of raw text fields.

    CSV: a header row naming ``FIELDS`` (any case, any order); rows are labelled by line
    number. JSON: an array of objects (or ``{"sightings": [...]}``); rows are labelled
    ``record N`` counting from 1. The format follows the suffix (``.json``/``.csv``),
    else the first character.

    Raises
    ------
    DecodeError
        The file cannot be read or parsed.
    SchemaError
        A CSV header lacks required columns or names unknown ones; a JSON file is not a
        list of objects; the file holds no sightings.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise DecodeError(
            f"{path}: cannot read the sightings file ({err}); give a UTF-8 CSV or JSON file"
        ) from err
    is_json = path.suffix.lower() == ".json" or (
        path.suffix.lower() != ".csv" and text.lstrip()[:1] in ("[", "{")
    )
    rows = _json_rows(path, text) if is_json else _csv_rows(path, text)
    if not rows:
        raise SchemaError(f"{path}: holds no sightings; {_FIX}")
    return rows


def _json_rows(path: Path, text: str) -> list[SightingRow]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise DecodeError(
            f"{path}: line {err.lineno}: not valid JSON ({err.msg}); give an array of objects"
        ) from err
    if isinstance(document, dict) and isinstance(document.get("sightings"), list):
        document = document["sightings"]
    if not isinstance(document, list):
        raise SchemaError(f"{path}: JSON must be an array of sighting objects; {_FIX}")
    rows: list[SightingRow] = []
    for number, record in enumerate(document, start=1):
        label = f"record {number}"
        if not isinstance(record, dict):
            raise SchemaError(f"{path}: {label} is not an object; {_FIX}")
        rows.append(_json_row(label, record))
    return rows


def _csv_rows(path: Path, text: str) -> list[SightingRow]:
    reader = csv.reader(text.splitlines())
    header = [name.strip().lower() for name in next(reader, [])]
    unknown = [name for name in header if name not in FIELDS]
    missing = [
        need
        for need, options in (
            ("vessel", ("vessel",)),
            ("source", ("source",)),
            ("time (or start and end)", ("time", "start")),
            ("port (or lat and lon)", ("port", "lat")),
        )
        if not any(option in header for option in options)
    ]
    if missing or unknown:
        problems = [f"missing column(s) {', '.join(missing)}"] if missing else []
        for name in unknown:
            close = difflib.get_close_matches(name, FIELDS, n=1)
            problems.append(
                f"unknown column {name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
            )
        raise SchemaError(
            f"{path}: line 1 (header): {'; '.join(problems)}; columns are {', '.join(FIELDS)}; "
            f"{_FIX}"
        )
    rows: list[SightingRow] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        label = f"line {reader.line_num}"
        if len(cells) > len(header):
            problem = (
                f"{len(cells)} cells but the header has {len(header)}; quote cells with commas"
            )
            rows.append(SightingRow(label, {}, problem))
            continue
        rows.append(SightingRow(label, dict(zip(header, cells, strict=False))))
    return rows


def import_sightings(
    path: Path,
    workspace: Workspace,
    vessels: VesselIndex,
    *,
    author: str,
    recorded_ts: datetime,
) -> ImportResult:
    """Import a sightings file: good rows are recorded, bad rows reported, none twice.

    Returns an ``ImportResult``: the ids added, rows already in the workspace (from an
    earlier import, or repeated in the file), and one message per rejected row naming
    the file, row and field and the fix.

    Raises
    ------
    DecodeError, SchemaError
        The file as a whole cannot be used (see ``read_sighting_rows``); nothing is
        recorded.
    """
    rows = read_sighting_rows(path)
    result = ImportResult(path=path, rows=len(rows))
    good: dict[str, SightingFields] = {}
    for row in rows:
        if row.problem is not None:
            result.errors.append(f"{path}: {row.label}: {row.problem}")
            continue
        try:
            sighting = build_sighting(row.raw, vessels)
        except FieldError as err:
            result.errors.append(f"{path}: {row.label}: {err}")
            continue
        good.setdefault(sighting_id(sighting), sighting)
    result.added = workspace.add_sightings(
        good, action="import", author=author, recorded_ts=recorded_ts,
        reason=f"imported from {path.name}",
    )  # fmt: skip
    result.already_present = len(rows) - len(result.errors) - len(result.added)
    result.unresolved_mmsi = sum(1 for sid in result.added if good[sid].mmsi is None)
    return result


def add_sighting(
    raw: Mapping[str, str | None],
    workspace: Workspace,
    vessels: VesselIndex,
    *,
    author: str,
    recorded_ts: datetime,
    reason: str = "added by hand",
) -> tuple[str, bool]:
    """Record one sighting given as raw fields; return its id and whether it was new.

    Raises
    ------
    FieldError
        A field is wrong (see ``build_sighting``).
    """
    sighting = build_sighting(raw, vessels)
    new_id = sighting_id(sighting)
    added = workspace.add_sightings(
        {new_id: sighting}, action="add", author=author, recorded_ts=recorded_ts, reason=reason
    )
    return new_id, bool(added)


def read_current_sightings(
    workspace: Workspace, *, mmsis: Sequence[int] | None = None
) -> pl.DataFrame:
    """Return the current, undisputed sightings in the sightings contract (``schema.SIGHTINGS``).

    Superseded versions and disputed sightings are left out; a corrected sighting
    appears with its corrected fields. ``mmsis`` keeps only those vessels. Rows are
    ordered by ``start_ts`` then ``sighting_id``. This is what dark-leg reasoning and
    dossiers read.
    """
    current = workspace.current_sightings().filter(pl.col("status") != "disputed")
    if mmsis is not None:
        current = current.filter(pl.col("mmsi").is_in(list(mmsis)))
    return schema.conform(current, schema.SIGHTINGS)


def sighting_records(sightings: pl.DataFrame) -> list[dict[str, Any]]:
    """Sighting rows as JSON objects: ``start``/``end`` as ISO 8601 UTC text."""
    text = sightings.with_columns(
        pl.col("start_ts").dt.to_string(schema.ISO_UTC).alias("start"),
        pl.col("end_ts").dt.to_string(schema.ISO_UTC).alias("end"),
    ).drop("start_ts", "end_ts")
    return text.to_dicts()


def sighting_evidence(workspace: Workspace, sighting_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Return the sightings behind a finding as records, for evidence chains (``explain``).

    One record per id found, in the order given: the current fields (times as ISO 8601
    ``Z`` text), ``status`` and ``version`` of the latest version, and ``author`` and
    ``recorded`` of the first one (who recorded the sighting, and when). Ids the workspace
    does not hold are left out; callers compare with what they asked for.
    """
    records: list[dict[str, Any]] = []
    for sid in sighting_ids:
        history = workspace.sighting_history(sid)
        if not history:
            continue
        first, last = history[0], history[-1]
        records.append(
            {
                "sighting_id": sid,
                **last.fields,
                "status": last.status,
                "version": last.version,
                "author": first.author,
                "recorded": first.recorded_ts.isoformat().replace("+00:00", "Z"),
            }
        )
    return records
