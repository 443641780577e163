"""Corrections keep the HUD code of the value recorded; a printed copy keeps how it was handed over

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_HANDOVERS = ("handed_over", "mailed")


def _request() -> sa.TableClause:
    return sa.table(
        "request",
        sa.column("type", sa.String),
        sa.column("status", sa.String),
        sa.column("requested_code", sa.String),
        sa.column("corrected_code", sa.String),
        sa.column("decision_explanation", sa.Text),
        sa.column("handover", sa.String),
    )


def upgrade() -> None:
    with op.batch_alter_table("request") as batch:
        batch.add_column(sa.Column("corrected_code", sa.String(200), nullable=True))
        batch.add_column(sa.Column("handover", sa.String(20), nullable=True))
    request = _request()
    # Approved as asked: the codes the client chose are the codes recorded.
    op.get_bind().execute(
        request.update()
        .where(
            request.c.type == "correction",
            request.c.status == "approved",
            request.c.requested_code.is_not(None),
        )
        .values(corrected_code=request.c.requested_code)
    )
    # Until now a completed printed copy without an explanation kept its handover there.
    op.get_bind().execute(
        request.update()
        .where(
            request.c.type == "printed_copy",
            request.c.decision_explanation.in_(_HANDOVERS),
        )
        .values(handover=request.c.decision_explanation, decision_explanation=None)
    )


def downgrade() -> None:
    request = _request()
    op.get_bind().execute(
        request.update()
        .where(request.c.handover.is_not(None), request.c.decision_explanation.is_(None))
        .values(decision_explanation=request.c.handover)
    )
    with op.batch_alter_table("request") as batch:
        batch.drop_column("handover")
        batch.drop_column("corrected_code")
