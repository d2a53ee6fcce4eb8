"""News reports and the claims extracted from them, append-only (0004).

Revises: 0003. ``reports`` holds one row per report (its main text and where it came
from); ``claim_versions`` one row per version of a claim, versioned like sightings so
claims can be disputed and corrected; view ``current_claims`` gives each claim's latest
version. Both tables refuse UPDATE and DELETE, like the tables of 0003.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("reports", "claim_versions")


def upgrade() -> None:
    """Create ``reports``, ``claim_versions``, ``current_claims`` and the triggers."""
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(40), nullable=False, unique=True),
        sa.Column("title", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("file", sa.Text),
        sa.Column("published_date", sa.Date),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("added_ts", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "claim_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("claim_id", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("recorded_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("report_id", sa.String(40), sa.ForeignKey("reports.report_id"), nullable=False),
        sa.Column("claim_index", sa.Integer, nullable=False),
        sa.Column("sentence_index", sa.Integer, nullable=False),
        sa.Column("sentence", sa.Text, nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("source_phrase", sa.Text),
        sa.Column("predicate", sa.Text, nullable=False),
        sa.Column("vessels", sa.Text, nullable=False),
        sa.Column("places", sa.Text, nullable=False),
        sa.Column("time_phrase", sa.Text),
        sa.Column("time_start_date", sa.Date),
        sa.Column("time_end_date", sa.Date),
        sa.Column("quantity_phrase", sa.Text),
        sa.Column("quantity_value", sa.Double),
        sa.Column("quantity_unit", sa.Text),
        sa.Column("quantity_qualifier", sa.String(16)),
        sa.Column("certainty", sa.String(16), nullable=False),
        sa.Column("certainty_cue", sa.Text),
        sa.Column("refers_to_claim_id", sa.String(40)),
        sa.UniqueConstraint("claim_id", "version", name="uq_claim_versions_id_version"),
    )
    op.create_index("ix_claim_versions_report_id", "claim_versions", ["report_id"])
    op.execute(
        "CREATE VIEW current_claims AS SELECT v.* FROM claim_versions v "
        "WHERE v.version = (SELECT MAX(w.version) FROM claim_versions w "
        "WHERE w.claim_id = v.claim_id)"
    )
    if op.get_bind().dialect.name == "postgresql":
        # darkfleet_append_only() was created by 0003.
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION darkfleet_append_only()"
            )
        return
    for table in TABLES:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: add a new version "
                "instead'); END"
            )


def downgrade() -> None:
    """Refuse: the workspace is an audit trail and never loses records."""
    raise NotImplementedError("workspace migrations are forward-only")
