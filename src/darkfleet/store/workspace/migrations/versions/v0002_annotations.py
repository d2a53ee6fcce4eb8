"""Disputes and corrections of items stored elsewhere (events), versioned (0002).

Revises: 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``annotation_versions`` and the ``current_annotations`` view."""
    op.create_table(
        "annotation_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("item_kind", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("recorded_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.UniqueConstraint("item_id", "version", name="uq_annotation_versions_id_version"),
    )
    op.execute(
        "CREATE VIEW current_annotations AS SELECT v.* FROM annotation_versions v "
        "WHERE v.version = (SELECT MAX(w.version) FROM annotation_versions w "
        "WHERE w.item_id = v.item_id)"
    )


def downgrade() -> None:
    """Refuse: the workspace is an audit trail and never loses records."""
    raise NotImplementedError("workspace migrations are forward-only")
