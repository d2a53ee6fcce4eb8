"""NumPy geodesy on the mean Earth sphere (core: imports only ``units``; pure).

One copy for every layer: the detectors (``detect._geo`` adds Polars expressions), the
simulator (an independent source of data, which may not import ``detect``), the sea
router (``reference.sea_routes``) and dark-leg reasoning.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from darkfleet.units import EARTH_RADIUS_M

FloatArray = npt.NDArray[np.float64]

__all__ = ["bearing_deg", "haversine_m", "offset_m"]


def haversine_m(
    lat1: FloatArray | float,
    lon1: FloatArray | float,
    lat2: FloatArray | float,
    lon2: FloatArray | float,
) -> FloatArray:
    """Great-circle distance in metres between points given in degrees.

    Examples
    --------
    >>> round(float(haversine_m(0.0, 0.0, 0.0, 1.0)) / 1852, 1)
    60.0
    """
    phi1 = np.radians(lat1)
    phi2 = np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin(dphi / 2.0) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2.0) ** 2
    return np.asarray(
        2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=np.float64
    )


def bearing_deg(
    lat1: FloatArray | float,
    lon1: FloatArray | float,
    lat2: FloatArray | float,
    lon2: FloatArray | float,
) -> FloatArray:
    """Initial great-circle bearing from point 1 to point 2, degrees clockwise from north in [0, 360).

    Examples
    --------
    >>> float(bearing_deg(0.0, 0.0, 0.0, 1.0))
    90.0
    """
    phi1 = np.radians(lat1)
    phi2 = np.radians(lat2)
    dlmb = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    y = np.sin(dlmb) * np.cos(phi2)
    x = np.cos(phi1) * np.sin(phi2) - np.sin(phi1) * np.cos(phi2) * np.cos(dlmb)
    return np.asarray(np.degrees(np.arctan2(y, x)) % 360.0, dtype=np.float64)


def offset_m(
    lat: FloatArray | float,
    lon: FloatArray | float,
    north_m: FloatArray | float,
    east_m: FloatArray | float,
) -> tuple[FloatArray, FloatArray]:
    """Move points by small north/east offsets in metres (local flat-Earth approximation).

    Good to well under a metre for offsets of a few kilometres.

    Examples
    --------
    >>> lat, lon = offset_m(0.0, 0.0, 1000.0, 0.0)
    >>> round(float(haversine_m(0.0, 0.0, lat, lon)), 3)
    1000.0
    """
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    dlat = np.degrees(np.asarray(north_m, dtype=np.float64) / EARTH_RADIUS_M)
    dlon = np.degrees(
        np.asarray(east_m, dtype=np.float64) / (EARTH_RADIUS_M * np.cos(np.radians(lat)))
    )
    return lat + dlat, lon + dlon
