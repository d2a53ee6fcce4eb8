"""Store layer: canonical frames to and from disk (Parquet datasets and the workspace DB).

Imports only ``darkfleet.schema``, ``darkfleet.errors`` and ``darkfleet.units``.
"""
