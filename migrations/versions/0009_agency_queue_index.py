"""One index for the agency queue's filters

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 03:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # With 50,000 requests the queue's page and counts went through the heap row by row
    # (tens of milliseconds each on PostgreSQL); with this index, a few milliseconds.
    op.create_index(
        "ix_request_queue",
        "request",
        ["agency_id", "type", "status", "claimed_by_id", "due_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_request_queue", table_name="request")
