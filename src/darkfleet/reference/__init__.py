"""Reference data shipped with darkfleet (ports, MID table, ...), each with a SOURCE note.

Layer: reference. Reads only files shipped in ``darkfleet/reference/data``; may import
``schema``, ``errors``, ``units`` and ``detect.context`` (the ``GeoContext`` container).
``detect`` never imports this package: the engine and CLI load reference frames here and
pass them to detectors.
"""

from __future__ import annotations

from darkfleet.reference.countries import load_country_codes, load_mid_table, to_alpha3
from darkfleet.reference.geo import load_geo_context
from darkfleet.reference.geojson import load_ports_geojson
from darkfleet.reference.ports import (
    PORT_GROUPS,
    PortRecord,
    default_port_groups,
    default_sensitive_port_ids,
    load_port_index,
    load_ports,
    resolve_port,
    resolve_port_ids,
)

__all__ = [
    "PORT_GROUPS",
    "PortRecord",
    "default_port_groups",
    "default_sensitive_port_ids",
    "load_country_codes",
    "load_geo_context",
    "load_mid_table",
    "load_port_index",
    "load_ports",
    "load_ports_geojson",
    "resolve_port",
    "resolve_port_ids",
    "to_alpha3",
]
