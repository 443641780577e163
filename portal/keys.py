"""Key rotation for every encrypted column.

The columns are found through their type (EncryptedString) in the models' metadata, never from a
list kept by hand, so a new encrypted column is rotated the day it is added. Rotation works table
by table in batches ordered by primary key, committing each batch: interrupted, it is simply run
again, and values already under the first key are left as they are. The verify pass then reads
every value with the first key alone, so the old key can be dropped once it reports no failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import Column, MetaData, String, Table, select, tuple_, type_coerce, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Label

from portal.crypto import EncryptedString, cipher, primary

BATCH = 500


@dataclass(frozen=True)
class EncryptedTable:
    table: Table
    columns: tuple[Column[str], ...]

    @property
    def names(self) -> list[str]:
        return [f"{self.table.name}.{column.name}" for column in self.columns]


@dataclass
class Report:
    """Counts per table.column: values re-encrypted, already under the first key, unreadable."""

    rotated: dict[str, int] = field(default_factory=dict)
    current: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)

    def add(self, counts: dict[str, int], name: str, number: int = 1) -> None:
        counts[name] = counts.get(name, 0) + number

    @property
    def values(self) -> int:
        return sum(self.rotated.values()) + sum(self.current.values())


def encrypted_tables(metadata: MetaData) -> list[EncryptedTable]:
    """Every table with an EncryptedString column, with those columns."""
    found = []
    for table in metadata.sorted_tables:
        columns = tuple(c for c in table.columns if isinstance(c.type, EncryptedString))
        if columns:
            found.append(EncryptedTable(table, columns))
    return found


def _raw(column: Column[str]) -> Label[str]:
    """The column as stored (the Fernet token), not decrypted."""
    return type_coerce(column, String).label(column.name)


def _batches(session: Session, found: EncryptedTable, size: int) -> Iterator[Sequence[Row[Any]]]:
    """Rows (primary key values, then the raw tokens) in primary-key order, a batch at a time."""
    key = list(found.table.primary_key.columns)
    after: tuple[Any, ...] | None = None  # the last primary key seen: any column types
    while True:
        statement = select(*key, *(_raw(c) for c in found.columns)).order_by(*key).limit(size)
        if after is not None:
            statement = statement.where(
                key[0] > after[0] if len(key) == 1 else tuple_(*key) > tuple_(*after)
            )
        rows = session.execute(statement).all()
        if not rows:
            return
        yield rows
        after = tuple(rows[-1][: len(key)])


def _under_first_key(token: str) -> bool:
    try:
        primary().decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def rotate_all(
    session: Session,
    metadata: MetaData,
    *,
    batch: int = BATCH,
    progress: Callable[[str, int], None] = lambda _name, _done: None,
) -> Report:
    """Re-encrypt every encrypted value not yet under the first key; commits each batch."""
    report = Report()
    for found in encrypted_tables(metadata):
        key = list(found.table.primary_key.columns)
        done = 0
        for rows in _batches(session, found, batch):
            for row in rows:
                changes = {}
                for index, column in enumerate(found.columns):
                    token = row[len(key) + index]
                    name = f"{found.table.name}.{column.name}"
                    if token is None:
                        continue
                    if _under_first_key(token):
                        report.add(report.current, name)
                        continue
                    rotated = cipher().rotate(token.encode("ascii")).decode("ascii")
                    changes[column.name] = type_coerce(rotated, String)
                    report.add(report.rotated, name)
                if changes:
                    where = [k == row[i] for i, k in enumerate(key)]
                    session.execute(update(found.table).where(*where).values(changes))
            session.commit()
            done += len(rows)
            progress(found.table.name, done)
    return report


def verify_all(session: Session, metadata: MetaData, *, batch: int = BATCH) -> Report:
    """Read every encrypted value with the first key alone; counts what reads and what not."""
    report = Report()
    for found in encrypted_tables(metadata):
        key_width = len(found.table.primary_key.columns)
        for rows in _batches(session, found, batch):
            for row in rows:
                for index, column in enumerate(found.columns):
                    token = row[key_width + index]
                    if token is None:
                        continue
                    name = f"{found.table.name}.{column.name}"
                    ok = _under_first_key(token)
                    report.add(report.current if ok else report.unreadable, name)
        session.rollback()
    return report
