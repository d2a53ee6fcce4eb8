"""Exception and warning tree for darkfleet (core module, imports nothing of darkfleet).

::

    DarkfleetError                  exit 1
    ├── ConfigError           exit 2   bad flag or config value, unknown key (also a ValueError)
    ├── InputError            exit 3
    │   ├── DecodeError                unreadable file, encoding, NMEA framing
    │   └── SchemaError                missing or mistyped columns
    ├── StoreError            exit 4   store missing, locked or corrupt
    └── DetectorError         exit 1   an invariant broke inside a detector (a bug)
    DarkfleetWarning
    ├── DataQualityWarning             input usable but degraded (high reject ratio)
    └── UnstableWarning                experimental detector or API

Library code raises; only the CLI maps ``exit_code`` to a process exit status.
A message says what failed, where (file, line, field or option) and how to fix it.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "ConfigError",
    "DarkfleetError",
    "DarkfleetWarning",
    "DataQualityWarning",
    "DecodeError",
    "DetectorError",
    "InputError",
    "SchemaError",
    "StoreError",
    "UnstableWarning",
]


class DarkfleetError(Exception):
    """Root of every error darkfleet raises on purpose."""

    exit_code: ClassVar[int] = 1


class ConfigError(DarkfleetError, ValueError):
    """A flag, configuration value or key is wrong; the message names it and the fix."""

    exit_code: ClassVar[int] = 2


class InputError(DarkfleetError):
    """Input data cannot be used as given."""

    exit_code: ClassVar[int] = 3


class DecodeError(InputError):
    """A file cannot be read or decoded (encoding, compression, NMEA framing)."""


class SchemaError(InputError):
    """A frame or CSV lacks required columns, or has them with the wrong type."""


class StoreError(DarkfleetError):
    """The store is missing, locked or corrupt."""

    exit_code: ClassVar[int] = 4


class DetectorError(DarkfleetError):
    """An invariant broke inside a detector: a bug in darkfleet, please report it."""


class DarkfleetWarning(UserWarning):
    """Root of darkfleet's warnings: the result is still correct."""


class DataQualityWarning(DarkfleetWarning):
    """Input was usable but degraded, for example a high share of rejected lines."""


class UnstableWarning(DarkfleetWarning):
    """An experimental detector or API was used."""
