"""NMEA 0183 AIS ingest: framing (lines -> messages) and payload decoding (messages -> frames)."""
