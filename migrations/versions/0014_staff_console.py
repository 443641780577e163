"""Staff console: queue index for due order, searchable names, saved views, assignment details

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 03:00:00
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0014"
# 0009 by the house rule; 0012 here because this branch merged issue 18's 0012 (the lead
# re-chains the migrations at merge).
down_revision = "0013"
branch_labels = None
depends_on = None

_SPECIAL = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})


def _fold(text: str) -> str:
    # A copy of portal.hmis.names.fold as of this migration (migrations do not import the app).
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL))
    kept = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(kept.split())


def upgrade() -> None:
    # The queue in due order read 2,737 rows to show 51 with status before due_at in the index.
    op.drop_index("ix_request_queue", table_name="request")
    op.create_index(
        "ix_request_queue",
        "request",
        ["agency_id", "type", "due_at", "id"],
        postgresql_include=["status", "claimed_by_id"],
    )
    op.create_index("ix_request_due_id", "request", ["due_at", "id"])
    op.create_index("ix_request_submitted_id", "request", ["submitted_at", "id"])
    with op.batch_alter_table("request") as batch:
        batch.add_column(sa.Column("escalation_due_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("first_decided_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("printed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("printed_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_request_first_decided_by_id_staff_user",
            "staff_user",
            ["first_decided_by_id"],
            ["id"],
        )
        batch.create_foreign_key(
            "fk_request_printed_by_id_staff_user", "staff_user", ["printed_by_id"], ["id"]
        )
    op.add_column("identity_version", sa.Column("name_search", sa.String(320), nullable=True))
    op.create_index("ix_identity_version_name_search", "identity_version", ["name_search"])
    bind = op.get_bind()
    versions = sa.table(
        "identity_version",
        sa.column("id", sa.Integer),
        sa.column("first_name", sa.String),
        sa.column("middle_name", sa.String),
        sa.column("last_name", sa.String),
        sa.column("name_search", sa.String),
    )
    rows = bind.execute(
        sa.select(versions.c.id, versions.c.first_name, versions.c.middle_name, versions.c.last_name)
    ).all()
    updates = [
        {"key": row.id, "folded": _fold(" ".join(p for p in row[1:] if p))} for row in rows
    ]
    if updates:
        bind.execute(
            versions.update()
            .where(versions.c.id == sa.bindparam("key"))
            .values(name_search=sa.bindparam("folded")),
            updates,
        )
    op.create_table(
        "saved_queue_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("query", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_saved_queue_view_staff_user_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_queue_view")),
        sa.UniqueConstraint("staff_user_id", "name", name=op.f("uq_saved_queue_view_staff_user_id")),
    )
    op.create_index(
        "ix_saved_queue_view_staff_user_id", "saved_queue_view", ["staff_user_id"]
    )
    op.create_table(
        "audit_verification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("intact", sa.Boolean(), nullable=True),
        sa.Column("entries", sa.Integer(), nullable=True),
        sa.Column("head_seq", sa.Integer(), nullable=True),
        sa.Column("head_at", sa.DateTime(), nullable=True),
        sa.Column("broken_at", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["staff_user.id"],
            name=op.f("fk_audit_verification_started_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_verification")),
    )


def downgrade() -> None:
    op.drop_table("audit_verification")
    op.drop_index("ix_saved_queue_view_staff_user_id", table_name="saved_queue_view")
    op.drop_table("saved_queue_view")
    op.drop_index("ix_identity_version_name_search", table_name="identity_version")
    op.drop_column("identity_version", "name_search")
    with op.batch_alter_table("request") as batch:
        batch.drop_constraint("fk_request_printed_by_id_staff_user", type_="foreignkey")
        batch.drop_constraint("fk_request_first_decided_by_id_staff_user", type_="foreignkey")
        batch.drop_column("printed_by_id")
        batch.drop_column("printed_at")
        batch.drop_column("first_decided_by_id")
        batch.drop_column("escalation_due_at")
    op.drop_index("ix_request_submitted_id", table_name="request")
    op.drop_index("ix_request_due_id", table_name="request")
    op.drop_index("ix_request_queue", table_name="request")
    op.create_index(
        "ix_request_queue",
        "request",
        ["agency_id", "type", "status", "claimed_by_id", "due_at"],
    )
