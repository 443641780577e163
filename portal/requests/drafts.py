"""Answers kept between a form and its check page, so the check page is a GET of its own
(Post/Redirect/Get): Back and reload show it again and never send anything."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portal.requests.models import FormDraft
from portal.requests.services import usable_key
from portal.timeutil import utcnow

KEPT_FOR = dt.timedelta(days=1)
NOT_ANSWERS = ("csrf_token", "change")


def save_draft(
    session: Session, *, key: str | None, kind: str, owner: str, answers: MultiDict[str, str]
) -> str | None:
    """Keep the answers under the form's key; None when the key is not one the portal made."""
    key = usable_key(key)
    if key is None:
        return None
    session.execute(delete(FormDraft).where(FormDraft.created_at < utcnow() - KEPT_FOR))
    kept = {name: answers.getlist(name) for name in answers if name not in NOT_ANSWERS}
    found = session.scalars(select(FormDraft).where(FormDraft.key == key)).first()
    if found is not None and (found.owner, found.kind) != (owner, kind):
        return None  # someone else's key: never overwritten
    if found is None:
        found = FormDraft(key=key, kind=kind, owner=owner, created_at=utcnow(), answers="")
        session.add(found)
    found.answers = json.dumps(kept, ensure_ascii=False)
    session.flush()
    return key


def load_draft(session: Session, *, key: str | None, kind: str, owner: str) -> MultiDict[str, str]:
    """The answers kept under this key for this owner and form; empty when there are none."""
    key = usable_key(key)
    found = (
        session.scalars(
            select(FormDraft).where(
                FormDraft.key == key,
                FormDraft.kind == kind,
                FormDraft.owner == owner,
                FormDraft.created_at >= utcnow() - KEPT_FOR,
            )
        ).first()
        if key
        else None
    )
    if found is None:
        return MultiDict()
    answers = MultiDict(
        [(name, value) for name, values in json.loads(found.answers).items() for value in values]
    )
    answers["submission_key"] = found.key
    return answers


def drop_draft(session: Session, key: str | None) -> None:
    if key:
        session.execute(delete(FormDraft).where(FormDraft.key == key))
