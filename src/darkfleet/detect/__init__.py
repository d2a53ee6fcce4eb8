"""Detect layer: pure functions, canonical frames and parameters in, events frame out.

Imports only ``darkfleet.schema``, ``darkfleet.errors`` and ``darkfleet.units``.
"""
