"""Paging the staff queue by key: each sort's columns (the id last), a row's key for the next
page's `after`, and a statement ordered and started after a key (a row comparison, never OFFSET,
so page 1,000 costs what page 1 does)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, tuple_

from portal.requests.models import Request


@dataclass(frozen=True)
class SortOrder:
    """The columns a sort orders by, last of all the id; descending or not as a whole."""

    columns: tuple[Any, ...]
    descending: bool = False


SORTS = {
    "due": SortOrder((Request.due_at, Request.id)),
    "received": SortOrder((Request.submitted_at, Request.id), descending=True),
    "type": SortOrder((Request.type, Request.due_at, Request.id)),
    "status": SortOrder((Request.status, Request.due_at, Request.id)),
}
SORT_ALIASES = {"newest": "received"}  # the name of the sort in links made before


def _values(row: Any, order: SortOrder) -> list[Any]:
    return [getattr(row, column.key) for column in order.columns]


def page_key(row: Any, sort: str) -> str:
    """The key of a row for the next page's `after` (its sort values, then its id)."""
    parts = []
    for value in _values(row, SORTS[sort]):
        parts.append(value.isoformat() if isinstance(value, dt.datetime) else str(value))
    return "~".join(parts)


def _parse_key(after: str, sort: str) -> list[Any] | None:
    parts = after.split("~")
    columns = SORTS[sort].columns
    if len(parts) != len(columns):
        return None
    values: list[Any] = []
    try:
        for column, part in zip(columns, parts, strict=True):
            if column.key == "id":
                values.append(int(part))
            elif column.key in ("due_at", "submitted_at"):
                values.append(dt.datetime.fromisoformat(part))
            else:
                values.append(part)
    except ValueError:
        return None
    return values


def ordered(statement: Select[Any], sort: str, after: str | None) -> Select[Any]:
    """The statement in the sort's order, starting after the key (a row comparison, no OFFSET)."""
    order = SORTS[sort]
    if after and (values := _parse_key(after, sort)) is not None:
        row = tuple_(*order.columns)
        statement = statement.where(
            row < tuple_(*values) if order.descending else row > tuple_(*values)
        )
    keys = [column.desc() if order.descending else column for column in order.columns]
    return statement.order_by(*keys)
