"""A staff member's saved queue views: the queue's filters kept under a name, for that user."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.requests.models import SavedQueueView

MAX_SAVED_VIEWS = 20


class TooManySavedViews(Exception):
    """The user already keeps MAX_SAVED_VIEWS views."""


class DuplicateViewName(Exception):
    """The user already has a view with that name."""


def saved_views(session: Session, staff_user_id: int) -> list[SavedQueueView]:
    """The user's saved views, by name."""
    return list(
        session.scalars(
            select(SavedQueueView)
            .where(SavedQueueView.staff_user_id == staff_user_id)
            .order_by(SavedQueueView.name)
        )
    )


def save_view(session: Session, staff_user_id: int, name: str, query: str) -> SavedQueueView:
    """Keep query under name for the user, in the session's transaction (the caller commits)."""
    if len(saved_views(session, staff_user_id)) >= MAX_SAVED_VIEWS:
        raise TooManySavedViews
    view = SavedQueueView(staff_user_id=staff_user_id, name=name, query=query)
    try:
        with session.begin_nested():
            session.add(view)
    except IntegrityError as error:
        raise DuplicateViewName from error
    return view


def delete_view(session: Session, staff_user_id: int, view_id: int) -> bool:
    """Delete the user's view; False when there is none of theirs by that id."""
    found = session.get(SavedQueueView, view_id)
    if found is None or found.staff_user_id != staff_user_id:
        return False
    session.delete(found)
    session.flush()
    return True
