"""Test support for the payload decoder: input frames and pyais as an oracle."""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from pyais.encode import data_to_payload
from pyais.stream import BinaryIOStream

from darkfleet.ingest.nmea.payload import MESSAGE_INPUT


def messages_frame(
    payloads: Sequence[str | None],
    fill_bits: Sequence[int | None] | None = None,
    *,
    file: str = "test.nmea",
) -> pl.DataFrame:
    """An input frame for ``decode_messages``; ``line_no`` counts from 1."""
    n = len(payloads)
    return pl.DataFrame(
        {
            "payload": list(payloads),
            "fill_bits": list(fill_bits) if fill_bits is not None else [0] * n,
            "ts": [None] * n,
            "source": ["test"] * n,
            "line_no": list(range(1, n + 1)),
            "raw": [f"!AIVDM,1,1,,A,{p},0*00" for p in payloads],
            "file": [file] * n,
            "file_id": ["0123456789abcdef"] * n,
        },
        schema=dict(MESSAGE_INPUT),
    )


def encode(fields: dict[str, Any]) -> tuple[str, int]:
    """Armoured payload and fill bits of one message, encoded by pyais."""
    payload, fill = data_to_payload(int(fields["msg_type"]), fields).encode()
    return payload, fill


@dataclass(frozen=True)
class Assembled:
    """Messages of one NMEA file as pyais 3.3.1 assembles them (multi-part joined)."""

    frame: pl.DataFrame
    messages: list[Any]


def assemble(path: Path) -> Assembled:
    """Join multi-sentence messages with pyais and build the decoder's input frame."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        messages = list(BinaryIOStream(handle))
    frame = messages_frame(
        [m.payload.decode("ascii") for m in messages],
        [m.fill_bits for m in messages],
        file=path.name,
    )
    return Assembled(frame, messages)


def real_nmea_files(root: Path) -> list[Path]:
    """Every raw NMEA log under ``shared/data/real`` (see its INDEX.md)."""
    patterns: Iterable[str] = (
        "aishub-nmea-sample/*.txt",
        "dma-aisabnormal/*.gz",
        "dma-aisabnormal/events/*.ais",
        "bcl-aisparser/*.log",
        "vietnam-captures-2024/*.txt",
        "dma-aislib/*.txt",
        "gpsd-ais/*.log",
        "gpsd-ais/sample.aivdm",
        "signalk-nl-samples/*.log",
        "noaadata-uscg/*.ais",
        "aisdb-testdata/*.nm4",
        "libais-testdata/*.nmea",
        "libais-testdata/*.aivdm",
    )
    return sorted({p for pattern in patterns for p in root.glob(pattern)})
