"""Signed distance-to-shore grid shipped with darkfleet (reference layer).

``load_shore_grid()`` reads ``data/shore_grid.npz`` (built by ``scripts/build_shore_grid.py``
from Natural Earth 1:10m admin-0 countries, public domain; see ``data/SOURCE.md``) into a
``darkfleet.detect.context.DistanceGrid``: kilometres, positive at sea, negative on land,
0.05 degree cells, values saturated at +-250 km (meaning "at least 250 km").

Reads only a file inside the package; imports ``darkfleet.detect.context`` for the type.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from darkfleet.detect.context import DistanceGrid
from darkfleet.errors import StoreError

__all__ = ["SHORE_GRID_SATURATION_KM", "load_shore_grid"]

#: Stored values are clipped to +-this many km; a value at the bound means "at least".
SHORE_GRID_SATURATION_KM = 250.0


@lru_cache(maxsize=1)
def load_shore_grid() -> DistanceGrid:
    """Return the global signed distance-to-shore grid (km; > 0 sea, < 0 land).

    The grid is decoded once per process (about 0.5 s, 104 MB as float32) and cached; the
    returned object is immutable in practice (treat ``values_km`` as read-only).

    Returns
    -------
    DistanceGrid
        3600 x 7200 cells of 0.05 degrees from (-90, -180); values in km, saturated at
        +-250 km.

    Raises
    ------
    StoreError
        When the packaged file is missing or unreadable (a broken installation).

    Examples
    --------
    >>> grid = load_shore_grid()
    >>> bool(grid.lookup_km(np.array([0.0]), np.array([-140.0]))[0] >= 250.0)  # mid-Pacific
    True
    """
    resource = resources.files("darkfleet.reference").joinpath("data/shore_grid.npz")
    try:
        with resources.as_file(resource) as path, np.load(path) as npz:
            row_diff = npz["row_diff_tenths_km"]
            lat_min = float(npz["lat_min"])
            lon_min = float(npz["lon_min"])
            cell_deg = float(npz["cell_deg"])
    except (OSError, KeyError, ValueError) as err:
        raise StoreError(
            f"cannot read the packaged shore grid {resource}: {err}; reinstall darkfleet or "
            "rebuild it with scripts/build_shore_grid.py"
        ) from err
    tenths = np.cumsum(row_diff, axis=1, dtype=np.int32)
    values_km = (tenths.astype(np.float32) / np.float32(10.0)).astype(np.float32)
    values_km.setflags(write=False)
    return DistanceGrid(values_km=values_km, lat_min=lat_min, lon_min=lon_min, cell_deg=cell_deg)
