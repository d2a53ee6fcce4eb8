"""Assemble the ``GeoContext`` that port-aware detectors take (reference layer).

Imports ``detect.context`` (the container type), ``errors`` and the other reference
modules. The distance-to-shore grid comes from ``reference.shore`` when that module is
present; until then ``shore`` is None.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from darkfleet.detect.context import GeoContext
from darkfleet.reference.ports import (
    Mode,
    default_sensitive_port_ids,
    load_ports,
    resolve_port_ids,
)

__all__ = ["load_geo_context"]


def load_geo_context(
    ports_file: str | Path | None = None,
    mode: Mode = "add",
    sensitive: Iterable[str] | None = None,
) -> GeoContext:
    """Build the detectors' geographic context from the gazetteer and the user's ports.

    Parameters
    ----------
    ports_file
        Optional GeoJSON FeatureCollection of ports (``--ports FILE``).
    mode
        ``"add"`` the file's ports to the built-in gazetteer, or ``"replace"`` it.
    sensitive
        Sensitive ports: port ids, names or aliases, or the groups ``"PRK"`` and
        ``"RUS-FE"``. None (default) watches every DPRK port and Russia's Pacific ports.

    Returns
    -------
    A ``GeoContext`` with ``ports`` (``schema.PORTS``), ``sensitive_port_ids`` and
    ``shore=None``.

    Raises
    ------
    ConfigError
        Bad ``mode``, or a sensitive name that matches no port.
    InputError
        A bad ports file.

    Examples
    --------
    >>> context = load_geo_context(sensitive=["Rajin", "Dunay"])
    >>> sorted(context.sensitive_port_ids)
    ['PRK-NAJIN', 'RUS-DUNAY']
    """
    ports = load_ports(ports_file, mode=mode)
    if sensitive is None:
        sensitive_ids = default_sensitive_port_ids(ports)
    else:
        sensitive_ids = resolve_port_ids(tuple(sensitive), ports)
    return GeoContext(ports=ports, sensitive_port_ids=sensitive_ids, shore=None)
