"""The workspace database: what analysts create, with an append-only audit trail.

Store layer: imports only core modules (``errors``, ``schema``). SQLite in the store
(``<store>/workspace.sqlite``) by default, PostgreSQL when the caller passes a URL (the
CLI reads ``$DARKFLEET_DATABASE_URL``). Alembic migrations ship in ``migrations/`` and
run on every open. Reports and their claims: ``claims.py``. See docs/workspace.md.
"""

from darkfleet.store.workspace._db import HEAD, current_revision
from darkfleet.store.workspace.claims import (
    CLAIM_ROWS,
    REPORT_ROWS,
    ClaimFields,
    ReportRecord,
    append_claim_version,
    claim_history,
    current_claim,
    current_claims,
    has_claim,
    list_reports,
    read_report_record,
    record_report,
)
from darkfleet.store.workspace.workspace import (
    ACTIONS,
    ANNOTATIONS,
    CURRENT_SIGHTINGS,
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
    "CLAIM_ROWS",
    "CURRENT_SIGHTINGS",
    "HEAD",
    "REPORT_ROWS",
    "STATUSES",
    "WORKSPACE_FILE",
    "Action",
    "ClaimFields",
    "ItemVersion",
    "ReportRecord",
    "SightingFields",
    "Status",
    "Workspace",
    "append_claim_version",
    "claim_history",
    "current_claim",
    "current_claims",
    "current_revision",
    "has_claim",
    "list_reports",
    "open_workspace",
    "read_report_record",
    "record_report",
    "workspace_url",
]
