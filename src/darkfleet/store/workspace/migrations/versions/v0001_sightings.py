"""Analysts' sightings, one row per version, and the current_sightings view (0001).

Revises: nothing (the first revision).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``sighting_versions`` and the ``current_sightings`` view."""
    op.create_table(
        "sighting_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sighting_id", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("recorded_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("vessel_text", sa.Text, nullable=False),
        sa.Column("mmsi", sa.BigInteger),
        sa.Column("imo", sa.BigInteger),
        sa.Column("start_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Double),
        sa.Column("lon", sa.Double),
        sa.Column("port", sa.Text),
        sa.Column("port_id", sa.Text),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("observation", sa.Text, nullable=False),
        sa.Column("confidence", sa.String(8), nullable=False),
        sa.UniqueConstraint("sighting_id", "version", name="uq_sighting_versions_id_version"),
    )
    op.create_index("ix_sighting_versions_mmsi", "sighting_versions", ["mmsi"])
    op.execute(
        "CREATE VIEW current_sightings AS SELECT v.* FROM sighting_versions v "
        "WHERE v.version = (SELECT MAX(w.version) FROM sighting_versions w "
        "WHERE w.sighting_id = v.sighting_id)"
    )


def downgrade() -> None:
    """Refuse: the workspace is an audit trail and never loses records."""
    raise NotImplementedError("workspace migrations are forward-only")
