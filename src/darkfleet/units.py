"""Unit conversion constants (core module, imports nothing of darkfleet).

All constants are exact by definition unless a comment names their source.
"""

from __future__ import annotations

from typing import Final

#: metres in one international nautical mile (exact, 1929 definition).
METRES_PER_NM: Final[float] = 1852.0
#: kilometres in one nautical mile.
KM_PER_NM: Final[float] = 1.852
#: metres per second in one knot (1 nm per hour).
MPS_PER_KNOT: Final[float] = METRES_PER_NM / 3600.0
#: mean Earth radius in metres (IUGG mean radius R1), used for haversine distances.
EARTH_RADIUS_M: Final[float] = 6_371_008.8
#: microseconds in one second, for Datetime("us") arithmetic.
US_PER_S: Final[int] = 1_000_000


def nm_to_m(distance_nm: float) -> float:
    """Convert nautical miles to metres."""
    return distance_nm * METRES_PER_NM


def m_to_nm(distance_m: float) -> float:
    """Convert metres to nautical miles."""
    return distance_m / METRES_PER_NM


def knots_to_mps(speed_knots: float) -> float:
    """Convert knots to metres per second."""
    return speed_knots * MPS_PER_KNOT


def mps_to_knots(speed_mps: float) -> float:
    """Convert metres per second to knots."""
    return speed_mps / MPS_PER_KNOT
