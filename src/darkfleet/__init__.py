"""darkfleet: expose sanctions evasion at sea.

Ingest AIS at archive scale, detect the behaviours of evasion (dark gaps, encounters,
spoofing, identity changes, shuttles), fuse them with sanctions lists, sightings and
reports, and show every finding with the evidence behind it.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from darkfleet.errors import (
    ConfigError,
    DarkfleetError,
    DarkfleetWarning,
    DataQualityWarning,
    DecodeError,
    DetectorError,
    InputError,
    SchemaError,
    StoreError,
    UnstableWarning,
)

try:
    __version__ = version("darkfleet")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

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
    "__version__",
]
