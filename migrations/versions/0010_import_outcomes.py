"""Row-level import outcomes (quarantined and flagged rows) and stopped imports

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_run") as batch:
        batch.add_column(sa.Column("status", sa.String(12), nullable=False, server_default=""))
        batch.add_column(sa.Column("source_path", sa.String(1000), nullable=True))
        batch.add_column(sa.Column("accepted_run_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("accepted_by", sa.String(200), nullable=True))
    # Runs from before this revision either imported everything or nothing.
    op.execute(
        "UPDATE import_run SET status = CASE WHEN succeeded THEN 'imported' ELSE 'refused' END"
    )
    op.create_table(
        "import_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=False),
        sa.Column("file", sa.String(40), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(100), nullable=False),
        sa.Column("raw_value", sa.String(300), nullable=True),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("message", sa.String(300), nullable=False),
        sa.Column("record_key", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_run.id"],
            name=op.f("fk_import_outcome_import_run_id_import_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_outcome")),
    )
    op.create_index(
        "ix_import_outcome_run_file_rule", "import_outcome", ["import_run_id", "file", "rule"]
    )


def downgrade() -> None:
    op.drop_index("ix_import_outcome_run_file_rule", table_name="import_outcome")
    op.drop_table("import_outcome")
    with op.batch_alter_table("import_run") as batch:
        batch.drop_column("accepted_by")
        batch.drop_column("accepted_run_id")
        batch.drop_column("source_path")
        batch.drop_column("status")
