"""Client journeys: a coded correction's HUD codes, when a client last saw a request, and a
notice version's short "what changed"

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-06 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("request") as batch:
        batch.add_column(sa.Column("requested_code", sa.String(200), nullable=True))
        batch.add_column(sa.Column("client_seen_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("notice_text") as batch:
        batch.add_column(sa.Column("what_changed", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notice_text") as batch:
        batch.drop_column("what_changed")
    with op.batch_alter_table("request") as batch:
        batch.drop_column("client_seen_at")
        batch.drop_column("requested_code")
