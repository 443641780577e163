"""The client's record as built for display, kept per client (record_view, a read model)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty at first: every record is built when it is next read.
    op.create_table(
        "record_view",
        sa.Column("personal_id", sa.String(length=64), nullable=False),
        sa.Column("items_stamp", sa.Integer(), server_default="0", nullable=False),
        sa.Column("list_stamp", sa.Integer(), server_default="0", nullable=False),
        sa.Column("items_built", sa.Integer(), nullable=True),
        sa.Column("list_built", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("items_body", sa.String(), nullable=True),
        sa.Column("list_body", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("personal_id", name=op.f("pk_record_view")),
    )


def downgrade() -> None:
    op.drop_table("record_view")
