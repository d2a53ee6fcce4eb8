"""Shared type aliases (core module)."""

from __future__ import annotations

from typing import Literal, NewType

Mmsi = NewType("Mmsi", int)
Imo = NewType("Imo", int)

InputFormat = Literal["auto", "nmea", "dma", "noaa", "semicolon", "marinetraffic", "spire", "csv"]
OutputFormat = Literal["table", "json", "jsonl", "csv", "geojson"]
