"""Registry of detectors: built-ins and plug-ins of the ``darkfleet.detectors`` group.

Detect layer: imports only detect's own modules, ``errors`` and the standard library.
There is one registration path: built-ins are listed in ``BUILTINS`` below, and
third-party packages expose a ``DetectorSpec`` through the entry-point group
``darkfleet.detectors``, for example in their ``pyproject.toml``::

    [project.entry-points."darkfleet.detectors"]
    sts_transfer = "mypkg.sts:SPEC"

``load_detectors()`` returns both; a plug-in may not reuse a built-in's name.

``inputs`` lists the function's positional arguments in call order: ``"params"`` (an
instance of ``params_class``), ``"positions"`` (``schema.POSITIONS``), ``"statics"``
(``schema.STATICS``), ``"events:<type>"`` (``schema.EVENTS`` rows of that type),
``"context"`` (``GeoContext``), ``"mid_table"`` (``reference.load_mid_table()``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Final

import polars as pl

from darkfleet.detect.encounters import EncounterParams, detect_encounters
from darkfleet.detect.gaps import GapParams, detect_gaps
from darkfleet.detect.identity_change import IdentityChangeParams, detect_identity_changes
from darkfleet.detect.invalid_identity import InvalidIdentityParams, detect_invalid_identities
from darkfleet.detect.loitering import LoiteringParams, detect_loitering
from darkfleet.detect.port_visit import PortVisitParams, detect_port_visits
from darkfleet.detect.shuttle import ShuttleParams, detect_shuttles
from darkfleet.detect.spoofing import SpoofingParams, detect_spoofing
from darkfleet.errors import ConfigError

__all__ = ["BUILTINS", "ENTRY_POINT_GROUP", "DetectorSpec", "load_detectors"]

ENTRY_POINT_GROUP: Final = "darkfleet.detectors"


@dataclass(frozen=True, slots=True)
class DetectorSpec:
    """A detector: its event type, function, parameter class and inputs, in call order."""

    name: str
    function: Callable[..., pl.DataFrame | tuple[pl.DataFrame, pl.DataFrame]]
    params_class: type
    inputs: tuple[str, ...]


#: Built-in detectors by event type. Other modules add their lines here.
#: ``spoofing`` returns ``(events, tracks)``; the engine splits tracks with it before the
#: other detectors run (see ``darkfleet.engine.detect``). ``gap`` also takes ``as_of``.
BUILTINS: Final[dict[str, DetectorSpec]] = {
    "spoofing": DetectorSpec(
        "spoofing", detect_spoofing, SpoofingParams, ("positions", "params", "context")
    ),
    "gap": DetectorSpec("gap", detect_gaps, GapParams, ("positions", "params", "context")),
    "port_visit": DetectorSpec(
        "port_visit", detect_port_visits, PortVisitParams, ("positions", "params", "context")
    ),
    "loitering": DetectorSpec(
        "loitering", detect_loitering, LoiteringParams, ("positions", "params", "context")
    ),
    "encounter": DetectorSpec(
        "encounter", detect_encounters, EncounterParams, ("positions", "params", "context")
    ),
    "identity_change": DetectorSpec(
        "identity_change",
        detect_identity_changes,
        IdentityChangeParams,
        ("statics", "params", "positions"),
    ),
    "invalid_identity": DetectorSpec(
        "invalid_identity",
        detect_invalid_identities,
        InvalidIdentityParams,
        ("statics", "positions", "params", "mid_table"),
    ),
    "shuttle": DetectorSpec(
        "shuttle", detect_shuttles, ShuttleParams, ("events:port_visit", "params")
    ),
}


def load_detectors() -> dict[str, DetectorSpec]:
    """Return built-in detectors plus those installed under ``darkfleet.detectors``.

    Raises
    ------
    ConfigError
        A plug-in's entry point does not load to a ``DetectorSpec``, or reuses a name.

    Examples
    --------
    >>> sorted(load_detectors())[:3]
    ['encounter', 'gap', 'identity_change']
    """
    detectors = dict(BUILTINS)
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if entry.value.startswith("darkfleet."):
            continue  # darkfleet's own registrations are the built-ins above
        spec = entry.load()
        if not isinstance(spec, DetectorSpec):
            raise ConfigError(
                f"entry point {entry.name!r} ({entry.value}) in group {ENTRY_POINT_GROUP!r} must "
                f"be a darkfleet.detect.registry.DetectorSpec, got {type(spec).__name__}"
            )
        if spec.name in detectors:
            raise ConfigError(
                f"detector {spec.name!r} from entry point {entry.value} clashes with an existing "
                "detector; rename it"
            )
        detectors[spec.name] = spec
    return detectors
