"""Claims from news reports and statements, in German and English (fuse layer).

Pure: text (or the bytes of a file already read) in, a ``Report`` with its ``Claim`` records
out; no file or network access, no clock. Imports core modules, ``reference`` (the port
gazetteer) and py3langid (language identification with the model inside its wheel).
Storing reports in the workspace database is left to the workspace layer; the records
here are plain frozen dataclasses with ``to_json()``.

Rules, word lists and limits: docs/reports.md.
"""

from __future__ import annotations

from darkfleet.fuse.claims._document import Document, parse_published, read_document
from darkfleet.fuse.claims._extract import extract_claims, read_report
from darkfleet.fuse.claims._language import detect_language
from darkfleet.fuse.claims._model import (
    CERTAINTIES,
    Certainty,
    Claim,
    Language,
    Place,
    PlaceKind,
    Qualifier,
    Quantity,
    Report,
    TimeRef,
    VesselRef,
)

__all__ = [
    "CERTAINTIES",
    "Certainty",
    "Claim",
    "Document",
    "Language",
    "Place",
    "PlaceKind",
    "Qualifier",
    "Quantity",
    "Report",
    "TimeRef",
    "VesselRef",
    "detect_language",
    "extract_claims",
    "parse_published",
    "read_document",
    "read_report",
]
