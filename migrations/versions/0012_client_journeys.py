"""Client journeys: a coded correction's HUD codes, when a client last saw a request, a
notice version's short "what changed", and form drafts between a form and its check page

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("request") as batch:
        batch.add_column(sa.Column("requested_code", sa.String(200), nullable=True))
        batch.add_column(sa.Column("client_seen_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("notice_text") as batch:
        batch.add_column(sa.Column("what_changed", sa.Text(), nullable=True))
    op.create_table(
        "form_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(43), nullable=False),
        sa.Column("kind", sa.String(120), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("answers", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_draft")),
        sa.UniqueConstraint("key", name=op.f("uq_form_draft_key")),
    )
    op.create_index(op.f("ix_form_draft_created_at"), "form_draft", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_form_draft_created_at"), table_name="form_draft")
    op.drop_table("form_draft")
    with op.batch_alter_table("notice_text") as batch:
        batch.drop_column("what_changed")
    with op.batch_alter_table("request") as batch:
        batch.drop_column("client_seen_at")
        batch.drop_column("requested_code")
