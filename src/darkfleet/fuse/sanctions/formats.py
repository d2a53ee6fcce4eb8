"""Read sanctions lists: FollowTheMoney JSON lines, the OFAC SDN CSV, a plain CSV (fuse layer).

Each reader turns one file into list entries (``ENTRY_COLUMNS``: ``schema.SANCTION_ENTRIES``
without the history columns) and keeps going past bad rows: every rejected row is named
with its file, row and field, and counted. The formats (see ``docs/sanctions.md``):

``ftm``
    FollowTheMoney entities, one JSON object a line, as OpenSanctions exports them
    (``entities.ftm.json`` and ``targets.nested.json``; opensanctions.org/docs/entities and
    /docs/bulk/json). Only schema ``Vessel`` becomes an entry: ``name`` (first value; the
    rest and ``alias`` are aliases), ``previousName``, ``imoNumber``, ``mmsi``, ``flag``
    (ISO alpha-2), ``callSign``, ``type``, ``grossRegisteredTonnage``/``tonnage``,
    ``buildDate``, ``sourceUrl``, ``notes``. Programs come from ``Sanction`` entities
    naming the vessel (flat export) or nested under ``properties.sanctions``, else from
    the entity's ``datasets``. Other schemata are counted and skipped.
``ofac``
    OFAC's ``sdn.csv``: no header, twelve columns (ent_num, SDN_Name, SDN_Type, Program,
    Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks), ``-0-``
    for null (OFAC's SDN data specification, ``dat_spec.txt``). Rows with SDN_Type
    ``vessel`` become entries; IMO, MMSI and year of build come from Remarks
    (``Vessel Registration Identification IMO 9161003; MMSI 273...``).
``csv``
    A plain CSV with the header ``name,imo,mmsi,flag,list,reason`` (any order), and
    optionally ``entry_id``, ``callsign``, ``vessel_type``, ``previous_names`` and
    ``aliases`` (``;``-separated), ``programs`` (``;``-separated), ``source_url``.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import polars as pl

from darkfleet import schema
from darkfleet.errors import ConfigError, DecodeError, InputError
from darkfleet.fuse.sanctions.normalize import normalize_name
from darkfleet.reference import load_country_codes, to_alpha3

__all__ = [
    "ENTRY_COLUMNS",
    "FORMATS",
    "ListFile",
    "ListFormat",
    "RejectedRow",
    "country_alpha3",
    "detect_format",
    "read_list_file",
]

ListFormat = Literal["ftm", "ofac", "csv"]
FORMATS: Final[tuple[str, ...]] = ("auto", "ftm", "ofac", "csv")

#: Columns of the entries a reader returns: the stored schema without the history.
ENTRY_COLUMNS: Final[schema.Schema] = {
    name: dtype
    for name, dtype in schema.SANCTION_ENTRIES.items()
    if name not in ("added_ts", "removed_ts")
}

#: The OFAC SDN CSV's columns, in file order (OFAC dat_spec.txt).
OFAC_COLUMNS: Final = (
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
)
OFAC_NULL: Final = "-0-"
#: The name OFAC entries are stored under when ``--list`` is not given.
OFAC_DEFAULT_LIST: Final = "us_ofac_sdn"

CSV_REQUIRED: Final = ("name", "imo", "mmsi", "flag", "list", "reason")
CSV_OPTIONAL: Final = (
    "entry_id",
    "callsign",
    "vessel_type",
    "previous_names",
    "aliases",
    "programs",
    "source_url",
)

_IMO_RE: Final = re.compile(r"(?:IMO)?\s*(\d{7})")
_MMSI_RE: Final = re.compile(r"\d{9}")
_REMARK_IMO: Final = re.compile(r"\bIMO\s*(\d{7})\b")
_REMARK_MMSI: Final = re.compile(r"\bMMSI\s*(\d{9})\b")
_REMARK_BUILD: Final = re.compile(r"Vessel Year of Build\s*(\d{4})")
_REMARK_LINKED: Final = re.compile(r"Linked To:\s*([^;]+)")
_REMARK_ALIAS: Final = re.compile(r"a\.k\.a\.\s*'([^']+)'")
_REMARK_FORMER: Final = re.compile(r"f\.k\.a\.\s*'([^']+)'")

#: Country names in lists that the ISO 3166 names do not spell the same way.
_COUNTRY_ALIASES: Final[Mapping[str, str]] = {
    "RUSSIA": "RUS",
    "KOREA NORTH": "PRK",
    "KOREA DEMOCRATIC PEOPLE S REPUBLIC OF": "PRK",
    "DPRK": "PRK",
    "KOREA SOUTH": "KOR",
    "KOREA REPUBLIC OF": "KOR",
    "BURMA": "MMR",
    "SYRIA": "SYR",
    "LAOS": "LAO",
    "TURKEY": "TUR",
    "CZECH REPUBLIC": "CZE",
    "SWAZILAND": "SWZ",
    "CAPE VERDE": "CPV",
    "IVORY COAST": "CIV",
    "ST KITTS AND NEVIS": "KNA",
    "ST VINCENT AND THE GRENADINES": "VCT",
    "CONGO DEMOCRATIC REPUBLIC OF THE": "COD",
    "UNITED STATES": "USA",
    "UNITED KINGDOM": "GBR",
    "VIET NAM": "VNM",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectedRow:
    """One row of a list file that was not loaded.

    Attributes
    ----------
    row : the line (JSON lines) or CSV record number in the file, counting from 1.
    field : the field at fault (``None`` when the whole row is unreadable).
    message : ``FILE:ROW: field F: what is wrong; the fix``.
    """

    row: int
    field: str | None
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ListFile:
    """What one list file held.

    Attributes
    ----------
    entries : ``ENTRY_COLUMNS`` frame, one row per vessel entry, in file order.
    format : the format read (``ftm``, ``ofac`` or ``csv``).
    default_list : the list entries belong to unless a CSV row names its own.
    file_sha256 : SHA-256 of the file's bytes (hex).
    rejected : rows not loaded, each with its reason.
    skipped : records that are not vessels (other FTM schemata, non-vessel SDN rows).
    notes : kept rows with a field darkfleet could not use (e.g. an unknown flag),
        one line each, naming the row.
    """

    entries: pl.DataFrame
    format: ListFormat
    default_list: str
    file_sha256: str
    rejected: tuple[RejectedRow, ...] = ()
    skipped: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


class _RowError(Exception):
    """A field of one row is unusable (caught per row, never escapes this module)."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(problem)
        self.field_name = field_name
        self.problem = problem


def detect_format(path: Path, text: str) -> ListFormat:
    """Guess a list file's format from its first non-empty line.

    A JSON object is ``ftm``; a CSV header naming ``name`` and ``imo`` is ``csv``; a
    record of twelve fields starting with a number is ``ofac``.

    Raises
    ------
    InputError
        the file is empty or its first line fits none of the formats.
    """
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        raise InputError(f"{path}: the file is empty; give a sanctions list file")
    if first.lstrip().startswith("{"):
        return "ftm"
    fields = next(csv.reader([first]))
    lowered = {f.strip().lower() for f in fields}
    if {"name", "imo"} <= lowered:
        return "csv"
    if len(fields) == len(OFAC_COLUMNS) and fields[0].strip().isdigit():
        return "ofac"
    raise InputError(
        f"{path}:1: cannot tell the list format from the first line; give --format ftm "
        "(FollowTheMoney JSON lines), ofac (sdn.csv) or csv (header name,imo,mmsi,flag,"
        "list,reason)"
    )


def read_list_file(
    path: Path, *, list_format: str = "auto", list_name: str | None = None
) -> ListFile:
    """Read a sanctions-list file into entries, keeping going past malformed rows.

    Parameters
    ----------
    path : the file (UTF-8 text).
    list_format : ``auto`` (``detect_format``), ``ftm``, ``ofac`` or ``csv``.
    list_name : the list the entries belong to (the CLI's ``--list``). ``None``: a plain
        CSV row's own ``list`` value, else ``us_ofac_sdn`` for the SDN CSV, else the
        file name without its extension. Given, a CSV row naming another list is
        rejected.

    Returns
    -------
    ListFile

    Raises
    ------
    ConfigError
        ``list_format`` or ``list_name`` is not valid.
    DecodeError
        the file cannot be read or is not UTF-8.
    InputError
        the format cannot be told, or a plain CSV lacks a required column.

    Examples
    --------
    >>> import tempfile
    >>> sample = Path(tempfile.mkdtemp()) / "watch.csv"
    >>> _ = sample.write_text("name,imo,mmsi,flag,list,reason\\nLADY R,9161003,,RU,,demo\\n")
    >>> read_list_file(sample).entries.select("list", "name", "imo", "flag").row(0)
    ('watch', 'LADY R', 9161003, 'RUS')
    """
    if list_format not in FORMATS:
        raise ConfigError(f"--format {list_format!r} is not one of {', '.join(FORMATS)}")
    if list_name is not None and not list_name.strip():
        raise ConfigError("--list must name the list, e.g. --list us_ofac_sdn")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DecodeError(f"{path}: cannot read the list file ({err.strerror})") from err
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DecodeError(
            f"{path}: byte {err.start} is not UTF-8; re-save the list as UTF-8"
        ) from err
    chosen: ListFormat = detect_format(path, text) if list_format == "auto" else list_format  # type: ignore[assignment]
    reader = {"ftm": _read_ftm, "ofac": _read_ofac, "csv": _read_csv}[chosen]
    default = list_name or (OFAC_DEFAULT_LIST if chosen == "ofac" else path.name.split(".")[0])
    rows, rejected, skipped, notes = reader(path, text, default, list_name is not None)
    entries = pl.DataFrame(rows, schema=dict(ENTRY_COLUMNS), orient="row")
    return ListFile(
        entries=entries,
        format=chosen,
        default_list=default,
        file_sha256=hashlib.sha256(raw).hexdigest(),
        rejected=tuple(rejected),
        skipped=skipped,
        notes=tuple(notes),
    )


# -- shared field parsers ---------------------------------------------------------------
def _parse_imo(value: object) -> int | None:
    text = _text(value)
    if text is None:
        return None
    match = _IMO_RE.fullmatch(text.upper())
    if match is None:
        raise _RowError("imo", f"{text!r} is not a 7-digit IMO number (e.g. 9161003)")
    return int(match.group(1))


def _parse_mmsi(value: object) -> int | None:
    text = _text(value)
    if text is None:
        return None
    if _MMSI_RE.fullmatch(text) is None:
        raise _RowError("mmsi", f"{text!r} is not a 9-digit MMSI (e.g. 273456780)")
    return int(text)


def _parse_tonnage(value: object) -> float | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise _RowError("tonnage", f"{text!r} is not a number") from None


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@functools.cache
def _country_lookup() -> dict[str, str]:
    """Normalised country name -> ISO alpha-3, including 'IRAN' for 'Iran, Islamic ...'."""
    codes = load_country_codes()
    lookup: dict[str, str] = {}
    short: dict[str, set[str]] = {}
    for name, alpha3 in zip(codes["name"].to_list(), codes["alpha3"].to_list(), strict=True):
        lookup[normalize_name(name)] = alpha3
        short.setdefault(normalize_name(name.split(",")[0]), set()).add(alpha3)
    for name, alpha3s in short.items():
        if len(alpha3s) == 1:  # "KOREA" names two countries: never guessed
            lookup.setdefault(name, next(iter(alpha3s)))
    lookup.update(_COUNTRY_ALIASES)
    return lookup


def country_alpha3(value: str) -> str | None:
    """ISO alpha-3 for an alpha-2/alpha-3 code or a country name; ``None`` if unknown.

    Examples
    --------
    >>> country_alpha3("ru"), country_alpha3("Russia"), country_alpha3("Korea, North")
    ('RUS', 'RUS', 'PRK')
    >>> country_alpha3("Iran"), country_alpha3("Atlantis")
    ('IRN', None)
    """
    text = value.strip()
    if len(text) in (2, 3) and text.isalpha():
        code = to_alpha3(text)
        if code is not None:
            return code
    return _country_lookup().get(normalize_name(text))


def _split_list(value: object) -> list[str]:
    text = _text(value)
    if text is None:
        return []
    return [part.strip() for part in text.split(";") if part.strip()]


def _entry(**values: Any) -> tuple[Any, ...]:
    """One entry row in ``ENTRY_COLUMNS`` order; unset columns are null/empty."""
    lists = ("aliases", "previous_names", "programs")
    return tuple(values.get(name, [] if name in lists else None) for name in ENTRY_COLUMNS)


def _reject(path: Path, row: int, field_name: str | None, problem: str) -> RejectedRow:
    where = f"field {field_name}: " if field_name else ""
    return RejectedRow(row=row, field=field_name, message=f"{path}:{row}: {where}{problem}")


# -- FollowTheMoney JSON lines ------------------------------------------------------------
def _values(properties: Mapping[str, Any], key: str) -> list[str]:
    raw = properties.get(key, [])
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise _RowError(key, f"expected a list of values, got {type(raw).__name__}")
    return [str(v).strip() for v in raw if isinstance(v, str | int | float) and str(v).strip()]


def _sanction_facts(sanction: Mapping[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Programs, reasons and source URLs of one FTM Sanction entity."""
    properties = sanction.get("properties", {})
    if not isinstance(properties, dict):
        return [], [], []
    programs = _values(properties, "program") or _values(properties, "authority")
    return programs, _values(properties, "reason"), _values(properties, "sourceUrl")


def _read_ftm(
    path: Path, text: str, list_name: str, _is_given: bool
) -> tuple[list[tuple[Any, ...]], list[RejectedRow], int, list[str]]:
    vessels: list[tuple[int, dict[str, Any]]] = []
    sanctions_by_vessel: dict[str, list[Mapping[str, Any]]] = {}
    rejected: list[RejectedRow] = []
    skipped = 0
    for row_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entity = json.loads(line)
        except json.JSONDecodeError as err:
            rejected.append(_reject(path, row_no, None, f"not a JSON object ({err.msg})"))
            continue
        if not isinstance(entity, dict):
            rejected.append(_reject(path, row_no, None, "not a JSON object"))
            continue
        kind = entity.get("schema")
        if kind == "Vessel":
            vessels.append((row_no, entity))
            continue
        skipped += 1
        if kind == "Sanction" and isinstance(entity.get("properties"), dict):
            for target in _values(entity["properties"], "entity"):
                sanctions_by_vessel.setdefault(target, []).append(entity)
    rows: list[tuple[Any, ...]] = []
    notes: list[str] = []
    for row_no, entity in vessels:
        try:
            row, note = _ftm_vessel(entity, sanctions_by_vessel, list_name)
        except _RowError as err:
            rejected.append(_reject(path, row_no, err.field_name, err.problem))
            continue
        rows.append(row)
        if note:
            notes.append(f"{path}:{row_no}: {note}")
    return rows, rejected, skipped, notes


def _ftm_vessel(
    entity: Mapping[str, Any],
    sanctions_by_vessel: Mapping[str, Sequence[Mapping[str, Any]]],
    list_name: str,
) -> tuple[tuple[Any, ...], str | None]:
    entity_id = _text(entity.get("id"))
    if entity_id is None:
        raise _RowError("id", "the entity has no id; every FollowTheMoney entity needs one")
    properties = entity.get("properties")
    if not isinstance(properties, dict):
        raise _RowError("properties", "missing or not an object")
    names = _values(properties, "name")
    if not names:
        raise _RowError("name", f"Vessel {entity_id} has no name (required by the schema)")
    imos = [_parse_imo(v) for v in _values(properties, "imoNumber")]
    mmsis = [_parse_mmsi(v) for v in _values(properties, "mmsi")]
    note = None
    flag = None
    flags = _values(properties, "flag")
    if flags:
        flag = to_alpha3(flags[0])
        if flag is None:
            note = f"flag {flags[0]!r} is no ISO 3166 country; kept without a flag"
    nested = properties.get("sanctions", [])
    sanctions = [*(nested if isinstance(nested, list) else [])]
    sanctions += list(sanctions_by_vessel.get(entity_id, []))
    programs: list[str] = []
    reasons: list[str] = []
    urls = _values(properties, "sourceUrl")
    for sanction in sanctions:
        if isinstance(sanction, dict):
            more_programs, more_reasons, more_urls = _sanction_facts(sanction)
            programs += more_programs
            reasons += more_reasons
            urls += more_urls
    if not programs:
        programs = [str(d) for d in entity.get("datasets", []) if isinstance(d, str)]
    tonnage = _values(properties, "grossRegisteredTonnage") or _values(properties, "tonnage")
    notes = _values(properties, "notes")
    return (
        _entry(
            list=list_name,
            entry_id=entity_id,
            name=names[0],
            aliases=sorted(set(names[1:] + _values(properties, "alias"))),
            previous_names=sorted(set(_values(properties, "previousName"))),
            imo=next((i for i in imos if i is not None), None),
            mmsi=next((m for m in mmsis if m is not None), None),
            flag=flag,
            callsign=next(iter(_values(properties, "callSign")), None),
            vessel_type=next(iter(_values(properties, "type")), None),
            gross_tonnage=_parse_tonnage(tonnage[0]) if tonnage else None,
            build_date=next(iter(_values(properties, "buildDate")), None),
            programs=sorted(set(programs)),
            reason=next(iter(reasons or notes), None),
            source_url=next(iter(urls), None),
        ),
        note,
    )


# -- OFAC SDN CSV -----------------------------------------------------------------------------
def _read_ofac(
    path: Path, text: str, list_name: str, _is_given: bool
) -> tuple[list[tuple[Any, ...]], list[RejectedRow], int, list[str]]:
    rows: list[tuple[Any, ...]] = []
    rejected: list[RejectedRow] = []
    notes: list[str] = []
    skipped = 0
    for row_no, record in _csv_records(text):
        if not any(f.strip() for f in record):
            continue
        if len(record) != len(OFAC_COLUMNS):
            rejected.append(
                _reject(
                    path,
                    row_no,
                    None,
                    f"{len(record)} fields, the SDN CSV has {len(OFAC_COLUMNS)} (ent_num ... "
                    "Remarks); check the quoting of this row",
                )
            )
            continue
        values = {
            name: (None if value.strip() == OFAC_NULL else value.strip() or None)
            for name, value in zip(OFAC_COLUMNS, record, strict=True)
        }
        if (values["SDN_Type"] or "").lower() != "vessel":
            skipped += 1
            continue
        try:
            row, note = _ofac_vessel(values, list_name)
        except _RowError as err:
            rejected.append(_reject(path, row_no, err.field_name, err.problem))
            continue
        rows.append(row)
        if note:
            notes.append(f"{path}:{row_no}: {note}")
    return rows, rejected, skipped, notes


def _ofac_vessel(values: Mapping[str, str | None], list_name: str) -> tuple[Any, str | None]:
    ent_num = values["ent_num"]
    if ent_num is None or not ent_num.isdigit():
        raise _RowError("ent_num", f"{ent_num!r} is not a whole number")
    name = values["SDN_Name"]
    if name is None:
        raise _RowError("SDN_Name", "empty; a vessel row needs its name")
    remarks = values["Remarks"] or ""
    imo_match = _REMARK_IMO.search(remarks)
    mmsi_match = _REMARK_MMSI.search(remarks)
    build = _REMARK_BUILD.search(remarks)
    linked = _REMARK_LINKED.search(remarks)
    flag_text = values["Vess_flag"]
    flag = country_alpha3(flag_text) if flag_text else None
    note = None
    if flag_text and flag is None:
        note = f"Vess_flag {flag_text!r} is no country darkfleet knows; kept without a flag"
    try:
        tonnage = _parse_tonnage(values["GRT"] or values["Tonnage"])
    except _RowError as err:
        raise _RowError("GRT", err.problem) from None
    programs = [p.strip(" []") for p in (values["Program"] or "").split("] [") if p.strip(" []")]
    return (
        _entry(
            list=list_name,
            entry_id=f"ofac-{ent_num}",
            name=name,
            aliases=sorted(set(_REMARK_ALIAS.findall(remarks))),
            previous_names=sorted(set(_REMARK_FORMER.findall(remarks))),
            imo=int(imo_match.group(1)) if imo_match else None,
            mmsi=int(mmsi_match.group(1)) if mmsi_match else None,
            flag=flag,
            callsign=values["Call_Sign"],
            vessel_type=values["Vess_type"],
            gross_tonnage=tonnage,
            build_date=build.group(1) if build else None,
            programs=sorted(set(programs)),
            reason=linked.group(1).strip() if linked else values["Vess_owner"],
        ),
        note,
    )


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the line number each starts on."""
    reader = csv.reader(io.StringIO(text))
    line = 1
    for record in reader:
        yield line, record
        line = reader.line_num + 1


# -- plain CSV ----------------------------------------------------------------------------------
def _read_csv(
    path: Path, text: str, list_name: str, is_given: bool
) -> tuple[list[tuple[Any, ...]], list[RejectedRow], int, list[str]]:
    records = _csv_records(text)
    header_row = next(records, None)
    if header_row is None:
        raise InputError(f"{path}: the file is empty; give a CSV with a header line")
    header = [h.strip().lower() for h in header_row[1]]
    missing = [c for c in CSV_REQUIRED if c not in header]
    unknown = [c for c in header if c not in CSV_REQUIRED + CSV_OPTIONAL]
    if missing or unknown:
        raise InputError(
            f"{path}:1: the header {'lacks ' + ', '.join(missing) if missing else ''}"
            f"{'; ' if missing and unknown else ''}"
            f"{'has unknown columns ' + ', '.join(unknown) if unknown else ''}; a plain list "
            f"needs {','.join(CSV_REQUIRED)} and may add {','.join(CSV_OPTIONAL)}"
        )
    rows: list[tuple[Any, ...]] = []
    rejected: list[RejectedRow] = []
    seen: set[tuple[str, str]] = set()
    for row_no, record in records:
        if not any(f.strip() for f in record):
            continue
        if len(record) != len(header):
            rejected.append(
                _reject(path, row_no, None, f"{len(record)} fields, the header has {len(header)}")
            )
            continue
        values = dict(zip(header, record, strict=True))
        try:
            row = _csv_entry(values, list_name, is_given)
        except _RowError as err:
            rejected.append(_reject(path, row_no, err.field_name, err.problem))
            continue
        key = (row[0], row[1])  # (list, entry_id)
        entry_id = row[1]
        if key in seen:
            rejected.append(
                _reject(path, row_no, "entry_id", f"{entry_id!r} repeats an earlier row")
            )
            continue
        seen.add(key)
        rows.append(row)
    return rows, rejected, 0, []


def _csv_entry(values: Mapping[str, str], list_name: str, is_given: bool) -> tuple[Any, ...]:
    name = _text(values.get("name"))
    if name is None:
        raise _RowError("name", "empty; every entry needs the vessel's name")
    row_list = _text(values.get("list"))
    if row_list is not None and is_given and row_list != list_name:
        raise _RowError(
            "list",
            f"{row_list!r} differs from --list {list_name!r}; drop --list to load "
            "every list the file names",
        )
    imo = _parse_imo(values.get("imo"))
    flag_text = _text(values.get("flag"))
    flag = country_alpha3(flag_text) if flag_text else None
    if flag_text and flag is None:
        raise _RowError("flag", f"{flag_text!r} is no ISO 3166 code or country name (e.g. RU)")
    entry_id = _text(values.get("entry_id"))
    if entry_id is None:
        entry_id = f"imo-{imo}" if imo is not None else f"name-{normalize_name(name)}"
    return _entry(
        list=row_list or list_name,
        entry_id=entry_id,
        name=name,
        aliases=_split_list(values.get("aliases")),
        previous_names=_split_list(values.get("previous_names")),
        imo=imo,
        mmsi=_parse_mmsi(values.get("mmsi")),
        flag=flag,
        callsign=_text(values.get("callsign")),
        vessel_type=_text(values.get("vessel_type")),
        programs=_split_list(values.get("programs")),
        reason=_text(values.get("reason")),
        source_url=_text(values.get("source_url")),
    )
