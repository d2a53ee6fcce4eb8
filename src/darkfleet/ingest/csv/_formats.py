"""Known CSV export layouts, user column mappings and header sniffing (ingest layer).

Imports only ``darkfleet.errors``. A layout (:class:`FormatSpec`) says which of the
file's columns feed which canonical field, how times are written, which columns are
scaled (knots x 10) and which codes are spelled out as text. The built-in layouts and a
user's :class:`ColumnMapping` compile to the same :class:`FormatSpec`, so every CSV goes
through one decoder.

Time zones: every built-in format's times are UTC. DMA documents its ``Timestamp`` as UTC;
NOAA MarineCadastre's ``BaseDateTime`` is UTC; the provider exports give epoch
milliseconds (``timestamp``) or ``TIMESTAMP_UTC``; the Spire-style ``Time`` is UTC. A
mapped file's naive times are taken as UTC; times with an offset (``+02:00``, ``Z``) are
converted to UTC.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

from darkfleet.errors import ConfigError, SchemaError

CsvFormat = Literal["dma", "noaa", "semicolon", "marinetraffic", "spire", "mapped"]
IdKind = Literal["mmsi", "hex"]
TimeKind = Literal["strftime", "epoch_s", "epoch_ms"]

CSV_FORMATS: Final[tuple[str, ...]] = get_args(CsvFormat)

#: Canonical fields a :class:`ColumnMapping` may name, with what each holds.
MAPPABLE_FIELDS: Final[dict[str, str]] = {
    "mmsi": "vessel id: an MMSI (integer 1..999999999), or a hex id with id_kind=hex",
    "ts": "time of the report (see ts_format)",
    "lat": "latitude, WGS84 degrees",
    "lon": "longitude, WGS84 degrees",
    "sog_knots": "speed over ground, knots",
    "cog_deg": "course over ground, degrees",
    "heading_deg": "true heading, degrees",
    "nav_status": "navigational status, AIS code 0-15 or its text",
    "msg_type": "AIS message type (1, 18, 5, 24...)",
    "transceiver_class": "AIS class, A or B",
    "imo": "IMO number (digits, 'IMO' prefix allowed)",
    "name": "vessel name",
    "callsign": "call sign",
    "ship_type": "AIS ship type code or its text (Cargo, Tanker...)",
    "destination": "destination text",
    "draught_m": "draught, metres",
    "to_bow_m": "GNSS antenna to bow, metres (AIS dimension A)",
    "to_stern_m": "antenna to stern, metres (B)",
    "to_port_m": "antenna to port side, metres (C)",
    "to_starboard_m": "antenna to starboard side, metres (D)",
    "length_m": "overall length, metres",
    "beam_m": "beam (width), metres",
    "source": "receiver or station name (default: the file name)",
}

#: Fields every layout must provide.
REQUIRED_FIELDS: Final[tuple[str, ...]] = ("mmsi", "ts", "lat", "lon")

_SEPARATOR_NAMES: Final[dict[str, str]] = {
    "comma": ",",
    "semicolon": ";",
    "tab": "\t",
    "pipe": "|",
}


def normalise_name(name: str) -> str:
    """Lower-case ``name`` and drop everything but letters and digits (``"# Time stamp"`` -> ``"timestamp"``)."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


@dataclass(frozen=True, slots=True)
class FormatSpec:
    """How one CSV layout maps to canonical fields (internal; built by the readers)."""

    name: CsvFormat
    #: canonical field -> accepted header names; normalised (see normalise_name) for the
    #: built-in layouts, exact for a user mapping.
    columns: Mapping[str, tuple[str, ...]]
    time_kind: TimeKind = "strftime"
    #: strftime formats tried in order (chrono syntax; ``%.f`` = optional fraction).
    time_formats: tuple[str, ...] = ()
    #: canonical field -> factor applied after parsing (provider "knots x 10" columns).
    scales: Mapping[str, float] = field(default_factory=dict)
    #: nav_status codes above 15 are a provider's own "unknown" codes: null, not rejects.
    nav_status_above_15_is_null: bool = False
    id_kind: IdKind = "mmsi"
    separator: str | None = None
    exact_names: bool = False


_ISO_FORMATS: Final[tuple[str, ...]] = (
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
)

SPECS: Final[dict[str, FormatSpec]] = {
    # Danish Maritime Authority aisdk daily files (2006-): 22 columns, 26 from 2019 with
    # the antenna offsets A, B, C, D. Timestamp dd/mm/yyyy HH:MM:SS, UTC.
    "dma": FormatSpec(
        name="dma",
        columns={
            "ts": ("timestamp",),
            "mobile_type": ("typeofmobile",),
            "mmsi": ("mmsi",),
            "lat": ("latitude",),
            "lon": ("longitude",),
            "nav_status": ("navigationalstatus",),
            "sog_knots": ("sog",),
            "cog_deg": ("cog",),
            "heading_deg": ("heading",),
            "imo": ("imo",),
            "callsign": ("callsign",),
            "name": ("name",),
            "ship_type": ("shiptype",),
            "cargo_type": ("cargotype",),
            "beam_m": ("width",),
            "length_m": ("length",),
            "draught_m": ("draught",),
            "destination": ("destination",),
            "to_bow_m": ("a",),
            "to_stern_m": ("b",),
            "to_port_m": ("c",),
            "to_starboard_m": ("d",),
        },
        time_formats=("%d/%m/%Y %H:%M:%S",),
    ),
    # NOAA MarineCadastre "AIS broadcast points": 2018- adds TransceiverClass; 2015-2017
    # files end at Cargo; the snake_case spellings of newer releases (base_date_time,
    # vessel_name, call_sign, transceiver) normalise to the same names. UTC.
    "noaa": FormatSpec(
        name="noaa",
        columns={
            "mmsi": ("mmsi",),
            "ts": ("basedatetime",),
            "lat": ("lat", "latitude"),
            "lon": ("lon", "longitude"),
            "sog_knots": ("sog",),
            "cog_deg": ("cog",),
            "heading_deg": ("heading",),
            "name": ("vesselname",),
            "imo": ("imo",),
            "callsign": ("callsign",),
            "ship_type": ("vesseltype",),
            "nav_status": ("status",),
            "length_m": ("length",),
            "beam_m": ("width",),
            "draught_m": ("draft", "draught"),
            "transceiver_class": ("transceiverclass", "transceiver"),
        },
        time_formats=_ISO_FORMATS,
    ),
    # Provider "decoded reports" export (semicolon, quoted): epoch-millisecond timestamp.
    "semicolon": FormatSpec(
        name="semicolon",
        columns={
            "ts": ("timestamp",),
            "msg_type": ("msgid",),
            "transceiver_class": ("targettype",),
            "mmsi": ("mmsi",),
            "lat": ("lat",),
            "lon": ("long", "lon"),
            "sog_knots": ("sog",),
            "cog_deg": ("cog",),
            "heading_deg": ("heading",),
            "nav_status": ("navstatus", "status"),
            "ship_type": ("shiptype",),
            "to_bow_m": ("dimbow",),
            "draught_m": ("draught",),
            "to_port_m": ("dimport",),
            "to_starboard_m": ("dimstarboard",),
            "to_stern_m": ("dimstern",),
            "imo": ("imo",),
            "name": ("name",),
            "callsign": ("callsign",),
            "destination": ("destination",),
        },
        time_kind="epoch_ms",
    ),
    # MarineTraffic-style extract: speed and draught in tenths; STATUS 95-99 are
    # MarineTraffic's own "unknown" codes; VESSEL_TYPE is MarineTraffic's detailed text.
    "marinetraffic": FormatSpec(
        name="marinetraffic",
        columns={
            "mmsi": ("mmsi",),
            "nav_status": ("status",),
            "sog_knots": ("speedknotsx10",),
            "lon": ("lon",),
            "lat": ("lat",),
            "cog_deg": ("course",),
            "heading_deg": ("heading",),
            "ts": ("timestamputc", "timestamp"),
            "ship_type": ("vesseltype", "shiptype"),
            "length_m": ("length",),
            "beam_m": ("width",),
            "draught_m": ("draughtmetersx10",),
            "name": ("shipname",),
            "imo": ("imo",),
            "callsign": ("callsign",),
            "destination": ("destination",),
        },
        time_formats=_ISO_FORMATS,
        scales={"sog_knots": 0.1, "draught_m": 0.1},
        nav_status_above_15_is_null=True,
    ),
    # Spire/exactEarth-style decoded export (143 columns, every value quoted):
    # Time yyyymmdd_HHMMSS plus a Millisecond column, UTC.
    "spire": FormatSpec(
        name="spire",
        columns={
            "mmsi": ("mmsi",),
            "msg_type": ("messageid",),
            "ts": ("time",),
            "ts_ms": ("millisecond",),
            "name": ("vesselname",),
            "callsign": ("callsign",),
            "imo": ("imo",),
            "ship_type": ("shiptype",),
            "to_bow_m": ("dimensiontobow",),
            "to_stern_m": ("dimensiontostern",),
            "to_port_m": ("dimensiontoport",),
            "to_starboard_m": ("dimensiontostarboard",),
            "draught_m": ("draught",),
            "destination": ("destination",),
            "nav_status": ("navigationalstatus",),
            "sog_knots": ("sog",),
            "lon": ("longitude",),
            "lat": ("latitude",),
            "cog_deg": ("cog",),
            "heading_deg": ("heading",),
        },
        time_formats=("%Y%m%d_%H%M%S",),
    ),
}

#: Header names (normalised) whose presence identifies each built-in layout, most
#: specific first.
_SIGNATURES: Final[tuple[tuple[CsvFormat, frozenset[str]], ...]] = (
    ("dma", frozenset({"timestamp", "typeofmobile", "mmsi", "latitude", "longitude"})),
    ("spire", frozenset({"mmsi", "messageid", "time", "longitude", "latitude"})),
    ("noaa", frozenset({"mmsi", "basedatetime"})),
    ("semicolon", frozenset({"timestamp", "msgid", "mmsi", "lat", "long"})),
    ("marinetraffic", frozenset({"mmsi", "timestamputc", "lat", "lon"})),
    ("marinetraffic", frozenset({"mmsi", "speedknotsx10", "lat", "lon"})),
)


def sniff_header(names: Sequence[str]) -> CsvFormat | None:
    """Return the built-in layout whose signature columns all appear in ``names``, or None.

    Examples
    --------
    >>> sniff_header(["MMSI", "BaseDateTime", "LAT", "LON"])
    'noaa'
    >>> sniff_header(["id", "when", "y", "x"]) is None
    True
    """
    normalised = {normalise_name(name) for name in names}
    for fmt, signature in _SIGNATURES:
        if signature <= normalised:
            return fmt
    return None


def known_formats_text() -> str:
    """Describe the built-in layouts for error messages."""
    return (
        "dma (# Timestamp,Type of mobile,MMSI,...), noaa (MMSI,BaseDateTime,LAT,LON,...), "
        "semicolon (timestamp;msgid;...;mmsi;lat;long;...), marinetraffic "
        "(MMSI;...;SPEED_KNOTSx10;LON;LAT;...;TIMESTAMP_UTC), spire (MMSI,Message_ID,...,Time,...)"
    )


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Which of a CSV file's columns hold which canonical field.

    Parameters
    ----------
    columns
        Canonical field name (see ``MAPPABLE_FIELDS``) -> the file's column name, exactly
        as in its header (a case-insensitive match is accepted when unique).
    time_format
        chrono/strftime format of the time column (``%d/%m/%Y %H:%M``), or ``epoch_s`` /
        ``epoch_ms``. None accepts ISO 8601 (``2021-03-20T00:22:00``, optional fraction
        and offset). Naive times are taken as UTC.
    separator
        Field separator; None detects it from the header line (``,`` ``;`` tab ``|``).
    scales
        Canonical field -> factor applied to the parsed number (``{"sog_knots": 0.1}`` for
        speeds in tenths of a knot).
    id_kind
        ``mmsi`` (default): the id column must hold an integer 1..999,999,999; other rows
        are rejected. ``hex``: ids are hexadecimal hashes such as MarineTraffic's
        ``SHIP_ID`` (``0x3b62...``); each becomes ``1_000_000_000 + int(first 12 hex
        digits, 16)``, a stable surrogate above every MMSI so it never collides with a
        real one (detectors flag it as an invalid MMSI, which it is).

    Examples
    --------
    >>> m = ColumnMapping.parse("mmsi=ID,ts=timestamp,lat=latitude,lon=longitude,ts_format=%d/%m/%Y %H:%M")
    >>> m.columns["mmsi"], m.time_format
    ('ID', '%d/%m/%Y %H:%M')
    """

    columns: Mapping[str, str]
    time_format: str | None = None
    separator: str | None = None
    scales: Mapping[str, float] = field(default_factory=dict)
    id_kind: IdKind = "mmsi"

    def __post_init__(self) -> None:
        for canonical in [*self.columns, *self.scales]:
            if canonical not in MAPPABLE_FIELDS:
                raise ConfigError(_unknown_field_message(canonical))
        missing = [name for name in REQUIRED_FIELDS if name not in self.columns]
        if missing:
            raise ConfigError(
                f"column mapping lacks {', '.join(missing)}; every CSV needs "
                f"{', '.join(REQUIRED_FIELDS)}, e.g. --columns "
                "mmsi=MMSI,ts=BaseDateTime,lat=LAT,lon=LON"
            )
        if self.separator is not None and len(self.separator) != 1:
            raise ConfigError(
                f"column mapping separator must be one character, got {self.separator!r}; "
                "use sep=comma|semicolon|tab|pipe"
            )
        if self.id_kind not in get_args(IdKind):
            raise ConfigError(f"id_kind must be mmsi or hex, got {self.id_kind!r}")

    @classmethod
    def parse(cls, text: str) -> ColumnMapping:
        """Parse the CLI form ``canonical=Column,...`` with optional settings.

        Besides ``field=Column`` pairs it accepts ``field=Column/10`` or ``field=Column*0.1``
        (a scale), ``ts_format=...`` (strftime or epoch_s/epoch_ms), ``sep=comma|semicolon|
        tab|pipe`` and ``id_kind=mmsi|hex``.

        Raises
        ------
        ConfigError
            For an unknown field name (with a did-you-mean suggestion), a pair without
            ``=``, a bad scale or a missing required field.

        Examples
        --------
        >>> ColumnMapping.parse("mmsi=SHIP_ID,ts=TIMESTAMP,lat=LAT,lon=LON,sog_knots=SPEED/10,id_kind=hex").scales
        {'sog_knots': 0.1}
        >>> ColumnMapping.parse("mmsi=MMSI,ts=T,lat=LAT,lon=LON,speed=SOG")
        Traceback (most recent call last):
        ...
        darkfleet.errors.ConfigError: unknown column-mapping field 'speed'; did you mean 'sog_knots'? ...
        """
        columns: dict[str, str] = {}
        scales: dict[str, float] = {}
        time_format: str | None = None
        separator: str | None = None
        id_kind = "mmsi"
        for part in (piece.strip() for piece in text.split(",")):
            if not part:
                continue
            key, eq, value = part.partition("=")
            key, value = key.strip(), value.strip()
            if not eq or not key or not value:
                raise ConfigError(
                    f"column mapping part {part!r} is not field=Column; write e.g. "
                    "--columns mmsi=MMSI,ts=BaseDateTime,lat=LAT,lon=LON"
                )
            if key == "ts_format":
                time_format = value
            elif key == "sep":
                separator = _SEPARATOR_NAMES.get(value.lower(), value)
            elif key == "id_kind":
                id_kind = value.lower()
            else:
                if key not in MAPPABLE_FIELDS:
                    raise ConfigError(_unknown_field_message(key))
                column, scale = _split_scale(key, value)
                columns[key] = column
                if scale is not None:
                    scales[key] = scale
        if id_kind not in get_args(IdKind):
            raise ConfigError(f"id_kind must be mmsi or hex, got {id_kind!r}")
        return cls(
            columns=columns,
            time_format=time_format,
            separator=separator,
            scales=scales,
            id_kind="hex" if id_kind == "hex" else "mmsi",
        )

    def to_spec(self) -> FormatSpec:
        """Compile to the decoder's :class:`FormatSpec`."""
        if self.time_format in ("epoch_s", "epoch_ms"):
            time_kind: TimeKind = "epoch_s" if self.time_format == "epoch_s" else "epoch_ms"
            formats: tuple[str, ...] = ()
        else:
            time_kind = "strftime"
            formats = (self.time_format,) if self.time_format else _ISO_FORMATS
        return FormatSpec(
            name="mapped",
            columns={key: (value,) for key, value in self.columns.items()},
            time_kind=time_kind,
            time_formats=formats,
            scales=dict(self.scales),
            id_kind=self.id_kind,
            separator=self.separator,
            exact_names=True,
        )


def _split_scale(key: str, value: str) -> tuple[str, float | None]:
    match = re.fullmatch(r"(?P<col>.+?)\s*(?P<op>[*/])\s*(?P<num>[0-9]*\.?[0-9]+)", value)
    if match is None:
        return value, None
    number = float(match["num"])
    if number == 0:
        raise ConfigError(f"column mapping {key}={value}: scale must not be 0")
    return match["col"], number if match["op"] == "*" else 1.0 / number


#: Column names users commonly write for a canonical field (for did-you-mean hints).
_COMMON_NAMES: Final[dict[str, str]] = {
    "id": "mmsi",
    "time": "ts",
    "timestamp": "ts",
    "datetime": "ts",
    "latitude": "lat",
    "longitude": "lon",
    "long": "lon",
    "lng": "lon",
    "speed": "sog_knots",
    "sog": "sog_knots",
    "course": "cog_deg",
    "cog": "cog_deg",
    "heading": "heading_deg",
    "status": "nav_status",
    "type": "ship_type",
    "vessel_type": "ship_type",
    "vessel_name": "name",
    "call_sign": "callsign",
    "draught": "draught_m",
    "draft": "draught_m",
    "length": "length_m",
    "width": "beam_m",
    "beam": "beam_m",
}


def _unknown_field_message(name: str) -> str:
    settings = ["ts_format", "sep", "id_kind"]
    close = [_COMMON_NAMES[name.lower()]] if name.lower() in _COMMON_NAMES else []
    close = close or difflib.get_close_matches(name, [*MAPPABLE_FIELDS, *settings], n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown column-mapping field '{name}'; {hint}known fields: " + ", ".join(
        [*MAPPABLE_FIELDS, *settings]
    )


def resolve_columns(spec: FormatSpec, header: Sequence[str], *, file: str) -> dict[str, str]:
    """Map each canonical field of ``spec`` to the header column that holds it.

    Raises
    ------
    SchemaError
        When a required field (mmsi, ts, lat, lon; DMA also ``Type of mobile``) has no
        column, naming the missing ones and the columns found.
    """
    found: dict[str, str] = {}
    if spec.exact_names:
        lower: dict[str, list[str]] = {}
        for name in header:
            lower.setdefault(name.lower(), []).append(name)
        for canonical, (wanted,) in spec.columns.items():
            if wanted in header:
                found[canonical] = wanted
            elif len(lower.get(wanted.lower(), [])) == 1:
                found[canonical] = lower[wanted.lower()][0]
    else:
        by_norm: dict[str, str] = {}
        for name in header:
            by_norm.setdefault(normalise_name(name), name)
        for canonical, aliases in spec.columns.items():
            for alias in aliases:
                if alias in by_norm:
                    found[canonical] = by_norm[alias]
                    break
    required = [*REQUIRED_FIELDS, *(["mobile_type"] if spec.name == "dma" else [])]
    missing = [name for name in required if name not in found]
    if missing:
        wanted = ", ".join(f"{name} ({'/'.join(spec.columns[name])})" for name in missing)
        fix = (
            "fix the --columns mapping so each names a column of the header"
            if spec.exact_names
            else "is this the right --format? give --format csv --columns "
            "mmsi=...,ts=...,lat=...,lon=... to map the columns yourself"
        )
        raise SchemaError(
            f"{file}: {spec.name} CSV lacks required column(s) {wanted}; "
            f"columns found: {', '.join(header)}; {fix}"
        )
    return found
