"""The workspace database: what analysts create, with an append-only audit trail.

Store layer: imports only core modules (``errors``, ``schema``). SQLite in the store
(``<store>/workspace.sqlite``) by default, PostgreSQL when the caller passes a URL (the
CLI reads ``$DARKFLEET_DATABASE_URL``). Alembic migrations ship in ``migrations/`` and
run on every open. See docs/workspace.md.
"""

from darkfleet.store.workspace._db import HEAD, current_revision
from darkfleet.store.workspace.workspace import (
    ACTIONS,
    ANNOTATIONS,
    STATUSES,
    WORKSPACE_FILE,
    Action,
    ItemVersion,
    SightingFields,
    Status,
    Workspace,
    open_workspace,
    workspace_url,
)

__all__ = [
    "ACTIONS",
    "ANNOTATIONS",
    "HEAD",
    "STATUSES",
    "WORKSPACE_FILE",
    "Action",
    "ItemVersion",
    "SightingFields",
    "Status",
    "Workspace",
    "current_revision",
    "open_workspace",
    "workspace_url",
]
