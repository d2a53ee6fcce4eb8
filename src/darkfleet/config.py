"""Configuration: one TOML file (``darkfleet.toml``) onto frozen parameter dataclasses.

Each ``[detect.<name>]`` section maps to one parameter dataclass. Precedence: a CLI flag,
then the config file, then the dataclass default. Unknown sections and keys are a
``ConfigError`` with a did-you-mean suggestion; nothing is ignored or clamped. Durations
are written as text (``"6h"``, ``"30m"``, ``"2d"``) and parsed by ``parse_duration``.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from darkfleet.errors import ConfigError

__all__ = [
    "build_params",
    "describe_params",
    "load_config_file",
    "parse_duration",
    "parse_utc_time",
]

T = TypeVar("T")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, *, where: str = "duration") -> timedelta:
    """Parse ``30s``, ``30m``, ``4h`` or ``2d`` into a ``timedelta``; bare numbers are rejected.

    Examples
    --------
    >>> parse_duration("4h")
    datetime.timedelta(seconds=14400)
    >>> parse_duration("6")
    Traceback (most recent call last):
    ...
    darkfleet.errors.ConfigError: duration: '6' is not a duration; write a number with a unit: 30m, 6h or 2d
    """
    match = _DURATION.match(text)
    if match is None:
        raise ConfigError(
            f"{where}: {text!r} is not a duration; write a number with a unit: 30m, 6h or 2d"
        )
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def parse_utc_time(text: str, *, where: str = "time") -> datetime:
    """Parse an ISO 8601 time with an offset (``2024-03-01T00:00Z``) into aware UTC.

    A date alone means midnight UTC. A time without an offset is rejected with a hint.

    Examples
    --------
    >>> parse_utc_time("2023-10-01T12:00+02:00")
    datetime.datetime(2023, 10, 1, 10, 0, tzinfo=datetime.timezone.utc)
    """
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value += "T00:00Z"
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as err:
        raise ConfigError(
            f"{where}: {text!r} is not an ISO 8601 time; write e.g. 2023-10-01T12:00Z"
        ) from err
    if parsed.tzinfo is None:
        raise ConfigError(f"{where}: {text!r} has no UTC offset; add one, e.g. {text}Z for UTC")
    return parsed.astimezone(UTC)


def load_config_file(path: Path) -> dict[str, Any]:
    """Read a TOML config file; a missing or malformed file is a ``ConfigError`` naming it."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as err:
        raise ConfigError(f"config file {path} does not exist; check --config") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err}); fix the file") from err


def _suggest(name: str, choices: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _convert(value: Any, annotation: Any, where: str) -> Any:
    """Convert a TOML value to the field's annotated type, or raise ``ConfigError``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(value, arg, where)
            except ConfigError:
                continue
        raise ConfigError(f"{where}: {value!r} does not fit {annotation}")
    if annotation is timedelta:
        if isinstance(value, str):
            return parse_duration(value, where=where)
        raise ConfigError(f'{where}: {value!r} is not a duration; write e.g. "6h"')
    if annotation is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: {value!r} is not true or false")
    if annotation is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{where}: {value!r} is not a number")
    if annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: {value!r} is not an integer")
    if annotation is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{where}: {value!r} is not text")
    if origin in (tuple, frozenset, list) and isinstance(value, list):
        item_type = args[0] if args else Any
        items = [_convert(v, item_type, where) if item_type is not Any else v for v in value]
        return origin(items)
    return value


def build_params(
    params_class: type[T],
    section: Mapping[str, Any] | None,
    overrides: Mapping[str, Any] | None = None,
    *,
    where: str,
) -> T:
    """Build a parameter dataclass from a config section and CLI overrides.

    ``overrides`` win over ``section``, which wins over defaults. ``where`` names the
    section in messages (e.g. ``"detect.gap (darkfleet.toml)"``). Unknown keys raise a
    ``ConfigError`` with a suggestion; the dataclass's own validation then runs.
    """
    if not dataclasses.is_dataclass(params_class):
        raise TypeError(f"{params_class!r} is not a dataclass")
    hints = typing.get_type_hints(params_class)
    names = [f.name for f in dataclasses.fields(params_class) if f.init]
    values: dict[str, Any] = {}
    for source in (section or {}, overrides or {}):
        for key, value in source.items():
            if key not in names:
                raise ConfigError(
                    f"{where}: unknown key '{key}'{_suggest(key, names)} "
                    f"(known: {', '.join(names)})"
                )
            if value is None:
                continue
            values[key] = _convert(value, hints[key], f"{where}.{key}")
    return params_class(**values)


def build_section(
    params_class: type[T], file_config: Mapping[str, Any] | None, name: str, *, where: str
) -> T:
    """Build a parameter dataclass from the top-level ``[name]`` table of a parsed config file.

    ``where`` names the file in messages. A missing table gives the defaults.

    Raises
    ------
    ConfigError
        The section is not a table, a key is unknown (with a suggestion) or a value is
        out of range; the message names the section and the file.
    """
    section = (file_config or {}).get(name)
    if section is not None and not isinstance(section, Mapping):
        raise ConfigError(
            f"{where}: '{name}' must be a table: write [{name}] and key = value lines"
        )
    try:
        return build_params(params_class, section, where=f"{name} ({where})")
    except ConfigError as err:
        if where in str(err):
            raise
        raise ConfigError(f"{err} ({where})") from err


def describe_section(
    params_class: type[Any], file_config: Mapping[str, Any] | None, name: str, *, where: str
) -> list[tuple[str, str, str]]:
    """Every parameter of the ``[name]`` table as ``(key, value, source)``.

    ``source`` is ``default`` or ``file``.
    """
    params = build_section(params_class, file_config, name, where=where)
    in_file = (file_config or {}).get(name) or {}
    return [
        (key, text, "file" if key in in_file else "default")
        for key, text in describe_params(params).items()
    ]


def describe_params(params: object) -> dict[str, str]:
    """Each field of a parameter dataclass rendered as text (durations as ``6h``)."""
    if not dataclasses.is_dataclass(params) or isinstance(params, type):
        raise TypeError("params must be a dataclass instance")
    out: dict[str, str] = {}
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        out[f.name] = _format_value(value)
    return out


def _format_value(value: Any) -> str:
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds >= size and seconds % size == 0:
                return f"{int(seconds // size)}{unit}"
        return f"{seconds:g}s"
    if isinstance(value, frozenset | set):
        return repr(sorted(value))
    return repr(value)
