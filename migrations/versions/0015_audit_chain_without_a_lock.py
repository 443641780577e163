"""The audit chain without a lock on the request path: entries are numbered by a sequence
(id) and chained afterwards (seq, prev_hmac and hmac stay empty until then)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_COLUMNS = (
    "at, actor_kind, actor_id, actor_role, actor_agency, device, action, personal_id, "
    "object_type, object_id, prev_hmac, hmac"
)
_INDEXES = ("action", "actor_agency", "personal_id")


def _common() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_kind", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=True),
        sa.Column("actor_agency", sa.String(length=64), nullable=True),
        sa.Column("device", sa.String(length=10), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("personal_id", sa.String(length=64), nullable=True),
        sa.Column("object_type", sa.String(length=30), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
    ]


def _rebuild_on_sqlite(columns: list[sa.Column], copy: str) -> None:  # type: ignore[type-arg]
    """SQLite cannot change a primary key in place: a new table, the rows, the old one gone."""
    op.create_table("_audit_entry_new", *columns)
    op.execute(copy)
    for column in _INDEXES:
        op.drop_index(f"ix_audit_entry_{column}", table_name="audit_entry")
    op.drop_index("ix_audit_entry_unchained", table_name="audit_entry", if_exists=True)
    op.drop_table("audit_entry")
    op.rename_table("_audit_entry_new", "audit_entry")
    for column in _INDEXES:
        op.create_index(f"ix_audit_entry_{column}", "audit_entry", [column])


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_on_sqlite(
            [
                sa.Column("id", sa.Integer(), nullable=False),
                sa.Column("seq", sa.Integer(), nullable=True),
                *_common(),
                sa.Column("writer_hmac", sa.String(length=64), nullable=True),
                sa.Column("prev_hmac", sa.String(length=64), nullable=True),
                sa.Column("hmac", sa.String(length=64), nullable=True),
                sa.PrimaryKeyConstraint("id", name="pk_audit_entry"),
                sa.UniqueConstraint("seq", name="uq_audit_entry_seq"),
                sa.UniqueConstraint("hmac", name="uq_audit_entry_hmac"),
            ],
            f"INSERT INTO _audit_entry_new (id, seq, {_COLUMNS}) "  # noqa: S608 - fixed names
            f"SELECT seq, seq, {_COLUMNS} FROM audit_entry",
        )
    else:
        # Entries chained so far keep their place: their id is their seq.
        op.add_column("audit_entry", sa.Column("id", sa.BigInteger(), nullable=True))
        op.execute("UPDATE audit_entry SET id = seq")
        op.execute("CREATE SEQUENCE audit_entry_id_seq OWNED BY audit_entry.id")
        op.execute(
            "SELECT setval('audit_entry_id_seq', (SELECT coalesce(max(id), 0) + 1 "
            "FROM audit_entry), false)"
        )
        op.execute(
            "ALTER TABLE audit_entry ALTER COLUMN id SET DEFAULT nextval('audit_entry_id_seq')"
        )
        op.alter_column("audit_entry", "id", nullable=False)
        op.drop_constraint("pk_audit_entry", "audit_entry", type_="primary")
        op.create_primary_key("pk_audit_entry", "audit_entry", ["id"])
        for column in ("seq", "prev_hmac", "hmac"):
            op.alter_column("audit_entry", column, nullable=True)
        op.add_column("audit_entry", sa.Column("writer_hmac", sa.String(length=64), nullable=True))
        op.create_unique_constraint("uq_audit_entry_seq", "audit_entry", ["seq"])
    op.create_index(
        "ix_audit_entry_unchained",
        "audit_entry",
        ["id"],
        postgresql_where=sa.text("seq IS NULL"),
        sqlite_where=sa.text("seq IS NULL"),
    )


def downgrade() -> None:
    pending = op.get_bind().scalar(sa.text("SELECT count(*) FROM audit_entry WHERE seq IS NULL"))
    if pending:
        raise RuntimeError(
            f"{pending} audit entries are not chained: run `flask audit chain` first"
        )
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_on_sqlite(
            [
                sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
                *_common(),
                sa.Column("prev_hmac", sa.String(length=64), nullable=False),
                sa.Column("hmac", sa.String(length=64), nullable=False),
                sa.PrimaryKeyConstraint("seq", name="pk_audit_entry"),
                sa.UniqueConstraint("hmac", name="uq_audit_entry_hmac"),
            ],
            f"INSERT INTO _audit_entry_new (seq, {_COLUMNS}) "  # noqa: S608 - fixed names
            f"SELECT seq, {_COLUMNS} FROM audit_entry",
        )
        return
    op.drop_index("ix_audit_entry_unchained", table_name="audit_entry")
    op.drop_constraint("uq_audit_entry_seq", "audit_entry", type_="unique")
    op.drop_column("audit_entry", "writer_hmac")
    for column in ("seq", "prev_hmac", "hmac"):
        op.alter_column("audit_entry", column, nullable=False)
    op.drop_constraint("pk_audit_entry", "audit_entry", type_="primary")
    op.create_primary_key("pk_audit_entry", "audit_entry", ["seq"])
    op.drop_column("audit_entry", "id")  # its sequence goes with it
