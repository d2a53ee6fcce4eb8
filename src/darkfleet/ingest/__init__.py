"""Ingest layer: raw AIS (NMEA, CSV exports) into canonical frames plus rejects.

Imports only ``darkfleet.schema``, ``darkfleet.errors`` and ``darkfleet.units``.
"""
