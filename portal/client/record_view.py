"""The record page's read model (portal.client.models.RecordView): the record as built for
display, kept per client and built again only after something it is built from changed.

Whatever writes what a record is built from bumps the client's stamps in the same transaction:
the ORM's flushes through the hooks below (a client, enrollment, exit, withheld item, request or
sharing change), and ORM-enabled bulk statements (`session.execute(update(Client)...)`) too,
for everyone, since the hook cannot tell whose rows they touch. Writes that go around the
session's events (the import's COPY, raw connections) call changed() or changed_for_everyone()
themselves. A reader takes the stamps before the data it builds from, so a part it builds while
a writer commits is labelled with the older stamp and built again on the next read: a part is
never shown as current when it is not.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Insert, String, event, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.orm.attributes import get_history

from portal.client.models import EVERYONE, RecordView
from portal.client.record import (
    ClientRecord,
    CodedValue,
    EnrollmentRecord,
    Item,
    RecordItems,
    SharingEvent,
    Withholding,
    client_record,
    sharing_events,
)
from portal.crypto import cipher
from portal.db import table_of
from portal.hmis import importer
from portal.requests.models import Request, RequestType, Status

# Bodies of another shape than this are built again (raise it when the shape or content changes).
FORMAT = 1
_TABLE = table_of(RecordView)

# What each table changes: the items, or the list of requests and sharing changes.
_ITEM_TABLES = frozenset({"client", "enrollment", "exit", "withheld_item"})
_EVERYONE_TABLES = frozenset({"project", "organization", "hmis_user"})  # names in many records
_LIST_TABLES = frozenset({"sharing_change"})
# The columns of a request that items show (through an approved correction or a disagreement),
# and those the list shows.
_REQUEST_ITEM_COLUMNS = frozenset(
    {
        "personal_id",
        "type",
        "status",
        "item_key",
        "current_value",
        "requested_value",
        "requested_code",
        "corrected_value",
        "decided_at",
        "submitted_at",
        "disagreement",
    }
)
_REQUEST_LIST_COLUMNS = frozenset({"personal_id", "reference", "type", "status", "submitted_at"})
_WATCHED = _ITEM_TABLES | _EVERYONE_TABLES | _LIST_TABLES | {"request"}
_APPROVED = (Status.APPROVED, Status.PARTLY_APPROVED)


# ------------------------------------------------------------------ bumping the stamps


def _upsert(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_TABLE)
    return statement.on_conflict_do_update(
        index_elements=[_TABLE.c.personal_id],
        set_={
            "items_stamp": _TABLE.c.items_stamp + statement.excluded.items_stamp,
            "list_stamp": _TABLE.c.list_stamp + statement.excluded.list_stamp,
        },
    )


def changed(
    session: Session, personal_ids: Iterable[str], *, items: bool = True, listed: bool = True
) -> None:
    """These clients' records changed (items: their items; listed: their requests or sharing
    history): built again when next read. In the caller's transaction."""
    rows = [
        {"personal_id": pid, "items_stamp": int(items), "list_stamp": int(listed)}
        for pid in sorted(set(personal_ids))  # one order for every writer: no deadlock
    ]
    if rows and (items or listed):
        connection = session.connection()
        connection.execute(_upsert(connection.dialect.name), rows)


def changed_for_everyone(session: Session) -> None:
    """Every client's record may have changed (an import, a bulk update): all built again."""
    changed(session, [EVERYONE])


def _has_changes(target: object, names: frozenset[str]) -> bool:
    return any(get_history(target, name).has_changes() for name in names)


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    items: set[str] = set()
    listed: set[str] = set()
    everyone = False
    for state, target in (
        *(("new", t) for t in session.new),
        *(("dirty", t) for t in session.dirty),
        *(("deleted", t) for t in session.deleted),
    ):
        table = getattr(target, "__tablename__", None)
        if table not in _WATCHED:
            continue
        if state == "dirty" and not session.is_modified(target):
            continue
        if table in _EVERYONE_TABLES:
            everyone = True
            continue
        pid = getattr(target, "personal_id", None)
        if not pid:
            continue  # an anonymous complaint
        if table in _ITEM_TABLES:
            items.add(pid)
        elif table in _LIST_TABLES:
            listed.add(pid)
        elif isinstance(target, Request):
            if state == "dirty":
                if _has_changes(target, _REQUEST_ITEM_COLUMNS):
                    items.add(pid)
                if _has_changes(target, _REQUEST_LIST_COLUMNS):
                    listed.add(pid)
                continue
            listed.add(pid)
            if state == "deleted" or target.status in _APPROVED or target.disagreement:
                items.add(pid)
    if everyone:
        changed_for_everyone(session)
    changed(session, items & listed)
    changed(session, items - listed, listed=False)
    changed(session, listed - items, items=False)


def _set_columns(state: ORMExecuteState) -> set[str]:
    """The columns an UPDATE sets (empty when they cannot be told)."""
    values: dict[Any, Any] = getattr(state.statement, "_values", None) or {}
    names = {str(getattr(key, "key", key)) for key in values}
    parameters: Any = state.parameters
    if isinstance(parameters, dict):
        names |= set(parameters)
    elif isinstance(parameters, Sequence) and parameters and isinstance(parameters[0], dict):
        names |= set(parameters[0])
    return names


def _bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table not in _WATCHED:
        return
    if table == "request" and state.is_update:
        columns = _set_columns(state)
        if columns and not columns & (_REQUEST_ITEM_COLUMNS | _REQUEST_LIST_COLUMNS):
            return  # marked seen or exported: nothing a record shows
    changed_for_everyone(state.session)


event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "do_orm_execute", _bulk_statement)
importer.RECORD_CHANGED_LISTENERS.append(changed_for_everyone)


# ------------------------------------------------------------------ the bodies


@dataclass(frozen=True)
class RequestLine:
    """A request as the record lists it."""

    reference: str
    type: RequestType
    status: Status


@dataclass
class RecordPage(RecordItems):
    """The record as its page shows it: the items, the sharing history and the requests."""

    requests: list[RequestLine] = field(default_factory=list)


def _item_json(item: Item) -> dict[str, Any]:
    return {
        "k": item.key,
        "l": item.label,
        "v": item.value,
        "p": item.plain,
        "c": item.correctable,
        "m": item.masked,
        "w": item.was,
        "o": item.corrected_on.isoformat() if item.corrected_on else None,
        "h": [item.withheld.reason, item.withheld.explanation] if item.withheld else None,
        "d": item.disagreement,
        "x": [[v.hud_field, v.code, v.label, v.choice] for v in item.coded],
    }


def _item(found: dict[str, Any]) -> Item:
    withheld, corrected_on = found["h"], found["o"]
    return Item(
        key=found["k"],
        label=found["l"],
        value=found["v"],
        plain=found["p"],
        correctable=found["c"],
        masked=found["m"],
        was=found["w"],
        corrected_on=dt.datetime.fromisoformat(corrected_on) if corrected_on else None,
        withheld=Withholding(withheld[0], withheld[1]) if withheld else None,
        disagreement=found["d"],
        coded=[CodedValue(*value) for value in found["x"]],
    )


def _items_body(record: RecordItems) -> str:
    return json.dumps(
        {
            "f": FORMAT,
            "s": record.data_standards,
            "i": [_item_json(item) for item in record.identity],
            "d": [_item_json(item) for item in record.demographics],
            "e": [
                {
                    "id": e.enrollment_id,
                    "p": e.project,
                    "a": e.agency,
                    "m": e.case_manager,
                    "ai": e.agency_id,
                    "i": [_item_json(item) for item in e.items],
                }
                for e in record.enrollments
            ],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _list_body(events: list[SharingEvent], lines: Sequence[RequestLine | Request]) -> str:
    return json.dumps(
        {
            "f": FORMAT,
            "s": [
                [e.at.isoformat(), e.refused, e.reference, e.signed_by_someone_else] for e in events
            ],
            "r": [[r.reference, r.type.value, r.status.value] for r in lines],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _page(personal_id: str, items: dict[str, Any], listed: dict[str, Any]) -> RecordPage:
    return RecordPage(
        personal_id=personal_id,
        data_standards=items["s"],
        identity=[_item(i) for i in items["i"]],
        demographics=[_item(i) for i in items["d"]],
        enrollments=[
            EnrollmentRecord(
                enrollment_id=e["id"],
                project=e["p"],
                agency=e["a"],
                case_manager=e["m"],
                items=[_item(i) for i in e["i"]],
                agency_id=e["ai"],
            )
            for e in items["e"]
        ],
        sharing_events=[
            SharingEvent(dt.datetime.fromisoformat(at), refused, reference, other)
            for at, refused, reference, other in listed["s"]
        ],
        requests=[
            RequestLine(reference, RequestType(kind), Status(status))
            for reference, kind, status in listed["r"]
        ],
    )


# ------------------------------------------------------------------ reading


def _request_lines(session: Session, personal_id: str) -> list[RequestLine]:
    rows = session.connection().execute(
        select(Request.reference, Request.type, Request.status)
        .where(Request.personal_id == personal_id)
        .order_by(Request.submitted_at.desc(), Request.id.desc())
    )
    return [RequestLine(reference, kind, status) for reference, kind, status in rows]


def _opened(token: str | None) -> dict[str, Any] | None:
    if token is None:
        return None
    body: dict[str, Any] = json.loads(cipher().decrypt(token.encode("ascii")))
    return body if body.get("f") == FORMAT else None


@dataclass(frozen=True)
class _Stored:
    items: dict[str, Any] | None  # the items' body, if current (and in the language asked)
    listed: dict[str, Any] | None  # the list's body, if current
    items_now: int  # the stamps a part built now is labelled with
    list_now: int


def _stored(session: Session, personal_id: str, language: str) -> _Stored:
    """The client's row and everyone's, in one statement, taken before any data it is built
    from; a body is opened only when current."""
    columns = [c for c in _TABLE.c if c.name not in ("items_body", "list_body")]
    rows = {
        row.personal_id: row
        for row in session.connection().execute(
            select(
                *columns,
                type_coerce(_TABLE.c.items_body, String).label("items_body"),
                type_coerce(_TABLE.c.list_body, String).label("list_body"),
            ).where(_TABLE.c.personal_id.in_((EVERYONE, personal_id)))
        )
    }
    mine, everyone = rows.get(personal_id), rows.get(EVERYONE)
    items_now = (mine.items_stamp if mine else 0) + (everyone.items_stamp if everyone else 0)
    list_now = (mine.list_stamp if mine else 0) + (everyone.list_stamp if everyone else 0)
    items = listed = None
    if mine is not None and mine.items_built == items_now and mine.language == language:
        items = _opened(mine.items_body)
    if mine is not None and mine.list_built == list_now:
        listed = _opened(mine.list_body)
    return _Stored(items, listed, items_now, list_now)


def record_page(session: Session, personal_id: str, language: str) -> RecordPage | None:
    """The client's record as its page shows it, in their language: from the read model, with
    what changed since built again (and kept). None when the HMIS has no such client."""
    return _built(session, personal_id, language, _stored(session, personal_id, language))


def record_items(session: Session, personal_id: str, language: str) -> RecordItems | None:
    """The record's items as the client reads them (what a correction checks); the list of
    requests is neither read nor built when the items are current."""
    stored = _stored(session, personal_id, language)
    if stored.items is not None:
        return _page(personal_id, stored.items, {"s": [], "r": []})
    return _built(session, personal_id, language, stored)


def _built(session: Session, personal_id: str, language: str, stored: _Stored) -> RecordPage | None:
    items, listed = stored.items, stored.listed
    if items is not None and listed is not None:
        return _page(personal_id, items, listed)
    kept: dict[str, Any] = {}
    if items is None:
        record = client_record(session, personal_id)
        if record is None:
            return None
        body = _items_body(record)
        kept.update(items_built=stored.items_now, language=language, items_body=body)
        items = json.loads(body)
        if listed is None:
            body = _list_body(record.sharing_events, record.requests)
            kept.update(list_built=stored.list_now, list_body=body)
            listed = json.loads(body)
    if listed is None:
        events = sharing_events(session, personal_id)
        body = _list_body(events, _request_lines(session, personal_id))
        kept.update(list_built=stored.list_now, list_body=body)
        listed = json.loads(body)
    _keep(session, personal_id, kept)
    return _page(personal_id, items, listed)


def _keep(session: Session, personal_id: str, kept: dict[str, Any]) -> None:
    connection = session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(_TABLE).values(personal_id=personal_id, **kept)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[_TABLE.c.personal_id],
            set_={name: statement.excluded[name] for name in kept},
        )
    )


__all__ = ["ClientRecord", "RecordPage", "RequestLine", "changed", "changed_for_everyone"]
