"""Sanctions lists and screening (fuse layer; imports core, ``reference`` and ``fuse``).

- ``formats``: read FollowTheMoney JSON lines, OFAC's ``sdn.csv`` and a plain CSV into
  list entries, naming every rejected row;
- ``history``: a new version of a list replaces the old one and keeps every version;
- ``normalize`` and ``names``: comparable vessel names and blocked fuzzy comparison;
- ``match``: screen vessels (their identity periods) against entries, giving
  ``sanctions_match`` events and near misses.

Everything here is pure (frames in, frames out) except ``formats.read_list_file``, which
reads the one file it is given. ``engine.sanctions`` connects it to a store. See
``docs/sanctions.md``.
"""

from darkfleet.fuse.sanctions.formats import ENTRY_COLUMNS, ListFile, read_list_file
from darkfleet.fuse.sanctions.history import current_entries, merge_list_versions
from darkfleet.fuse.sanctions.match import (
    MATCHES,
    NEAR_MISSES,
    ScreenParams,
    ScreenResult,
    screen_vessels,
)
from darkfleet.fuse.sanctions.normalize import normalize_name

__all__ = [
    "ENTRY_COLUMNS",
    "MATCHES",
    "NEAR_MISSES",
    "ListFile",
    "ScreenParams",
    "ScreenResult",
    "current_entries",
    "merge_list_versions",
    "normalize_name",
    "read_list_file",
    "screen_vessels",
]
