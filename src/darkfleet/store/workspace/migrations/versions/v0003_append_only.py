"""Triggers that refuse UPDATE and DELETE on the version tables (0003).

Revises: 0002. The audit trail is append-only by contract; these triggers make the
database itself refuse to rewrite or remove a version, whoever connects to it.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("sighting_versions", "annotation_versions")


def upgrade() -> None:
    """Create the append-only triggers (SQLite and PostgreSQL spellings)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION darkfleet_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only: add a new version instead', "
            "TG_TABLE_NAME; END $$"
        )
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
