"""NMEA 0183 AIS: framing lines into complete messages, and decoding payloads (ingest layer).

Imports only ``darkfleet.schema``, ``darkfleet.errors`` and ``darkfleet.units``.

``frame_nmea`` turns batches of lines into complete AIS messages (``MESSAGES``) and
rejects; ``finish_nmea`` rejects what is still pending at the end of a file.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from darkfleet.schema import Schema

#: Complete AIS messages as framed from NMEA lines, before payload decoding.
#: ``payload`` is the armoured payload of all fragments in order, ``fill_bits`` those of
#: the last fragment; ``ts`` is the receive time (null when none is known yet) and
#: ``ts_origin`` where it came from ("tag", "uscg", "pghp", "assumed" or null);
#: ``line_no`` is the first sentence's line; ``raw`` holds the message's lines (its
#: sentences and the tag block / $PGHP lines before them) joined with "\n".
MESSAGES: Final[Schema] = {
    "payload": pl.String(),
    "fill_bits": pl.Int8(),
    "ts": pl.Datetime("us", "UTC"),
    "ts_origin": pl.String(),
    "source": pl.String(),
    "channel": pl.String(),
    "talker": pl.String(),
    "is_own_ship": pl.Boolean(),
    "line_no": pl.Int64(),
    "raw": pl.String(),
    "file": pl.String(),
    "file_id": pl.String(),
}

from darkfleet.ingest.nmea.framing import (  # noqa: E402  (MESSAGES first: framing uses it)
    DEFAULT_WINDOW_LINES,
    FramedBatch,
    FramingState,
    finish_nmea,
    frame_nmea,
)

__all__ = [
    "DEFAULT_WINDOW_LINES",
    "MESSAGES",
    "FramedBatch",
    "FramingState",
    "finish_nmea",
    "frame_nmea",
]
