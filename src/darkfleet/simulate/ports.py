"""The simulator's own small port table (simulate layer; imports only core modules).

The simulator is an independent source of data, so it keeps the coordinates of the ports
its scenarios sail between instead of importing the gazetteer (``darkfleet.reference``).
Every row notes where its coordinates come from:

- ``WPI``: NGA World Port Index as shipped in Global Fishing Watch's
  ``anchorages_pipeline`` (``pipe_anchorages/data/port_lists/WPI_ports.csv``); the row's
  ``name`` is WPI's label, so a detector using a WPI-based gazetteer reports the same
  ``port`` string that ``truth.jsonl`` holds.
- ``GFW anchorages``: mean of GFW's hand-labelled anchorage points
  (``anchorage_overrides.csv``) with that label.
- ``approximate``: not in either table; the position given in public reporting, checked
  against the land mask only.

Rajin's WPI label is NAJIN (42.2333 N 130.3 E); Rajin and Rason are its other names.
Vostochny is WPI's VOSTOCHNYY (42.75 N 133.0833 E); GFW's 64 VOSTOCHNYY anchorage points
lie between 42.72 and 42.80 N, 132.97 and 133.07 E. Dunay (Dunai), the small port on
Strelok Bay named in the 2023 reporting, is in neither table (no anchorage label within
10 km; the nearest is PODYAPOLSK at 42.992 N 132.309 E): its row is approximate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from darkfleet.errors import ConfigError

__all__ = ["PORTS", "Port", "get_port"]


@dataclass(frozen=True, slots=True)
class Port:
    """One port: reference point (WGS84 degrees), ISO 3166-1 alpha-3 country, source note."""

    name: str
    country: str
    lat: float
    lon: float
    source: str
    aliases: tuple[str, ...] = ()


#: Ports the scenarios use, keyed by WPI label (or common name when not in WPI).
PORTS: Final[dict[str, Port]] = {
    port.name: port
    for port in (
        # DPRK
        Port("NAJIN", "PRK", 42.233333, 130.3, "WPI", ("RAJIN", "RASON")),
        Port("CH'ONGJIN", "PRK", 41.766667, 129.816667, "WPI", ("CHONGJIN",)),
        # Russian Far East
        Port("VOSTOCHNYY", "RUS", 42.75, 133.083333, "WPI", ("VOSTOCHNY",)),
        Port(
            "DUNAY", "RUS", 42.87, 132.35, "approximate (not in WPI or GFW anchorages)", ("DUNAI",)
        ),
        Port("VLADIVOSTOK", "RUS", 43.116667, 131.9, "WPI"),
        Port("NAKHODKA", "RUS", 42.8, 132.883333, "WPI"),
        Port("ZARUBINO", "RUS", 42.633333, 131.083333, "WPI"),
        Port("SLAVYANKA", "RUS", 42.866667, 131.383333, "WPI"),
        # Korea
        Port("PUSAN", "KOR", 35.1, 129.033333, "WPI", ("BUSAN",)),
        Port("ULSAN", "KOR", 35.45, 129.4, "WPI"),
        Port("POHANG", "KOR", 36.05, 129.383333, "WPI"),
        Port("TONGHAE", "KOR", 37.533333, 129.15, "WPI", ("DONGHAE",)),
        Port("INCHON", "KOR", 37.466667, 126.616667, "WPI", ("INCHEON",)),
        Port("MOKPO", "KOR", 34.783333, 126.383333, "WPI"),
        # Japan
        Port("NIIGATA KO", "JPN", 37.916667, 139.05, "WPI", ("NIIGATA",)),
        Port("SAKAIMINATO", "JPN", 35.533333, 133.233333, "WPI"),
        Port("MAIZURU KO", "JPN", 35.516667, 135.333333, "WPI", ("MAIZURU",)),
        Port("TSURUGA KO", "JPN", 35.65, 136.066667, "WPI", ("TSURUGA",)),
        Port("FUSHIKI-TOYAMA", "JPN", 36.766667, 137.133333, "WPI", ("TOYAMA",)),
        Port("AKITA-FUNAKAWA KO", "JPN", 39.833333, 140.0, "WPI", ("AKITA",)),
        Port("OTARU KO", "JPN", 43.2, 141.016667, "WPI", ("OTARU",)),
        Port("HAKATA", "JPN", 33.6, 130.4, "WPI", ("FUKUOKA",)),
        # China
        Port("DALIAN", "CHN", 38.916667, 121.666667, "WPI"),
        Port("YANTAI", "CHN", 37.55, 121.45, "WPI"),
        Port("QINGDAO GANG", "CHN", 36.033333, 120.266667, "WPI", ("QINGDAO",)),
        Port("TIANJIN XIN GANG", "CHN", 38.966667, 117.833333, "WPI", ("TIANJIN",)),
    )
}


def get_port(name: str) -> Port:
    """Return the port called ``name`` (WPI label or alias, case-insensitive).

    Raises
    ------
    ConfigError
        When no port of the simulator's table has that name or alias.

    Examples
    --------
    >>> get_port("rajin").name
    'NAJIN'
    """
    wanted = name.strip().upper()
    for port in PORTS.values():
        if wanted == port.name or wanted in port.aliases:
            return port
    known = ", ".join(sorted(PORTS))
    raise ConfigError(f"unknown port {name!r} for the simulator; use one of: {known}")
