"""Saved queue views, through their service alone (no request context)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from portal.requests import saved_views
from tests import factories


def test_views_are_kept_per_user_once_per_name_and_at_most_twenty(db_session: Session) -> None:
    factories.hmis_world(db_session)
    owner = factories.staff_user(db_session)
    other = factories.staff_user(db_session, email="other@example.org")
    saved_views.save_view(db_session, owner.id, "Mine", "status=submitted")
    with pytest.raises(saved_views.DuplicateViewName):
        saved_views.save_view(db_session, owner.id, "Mine", "status=in_review")
    saved_views.save_view(db_session, other.id, "Mine", "")
    for number in range(saved_views.MAX_SAVED_VIEWS - 1):
        saved_views.save_view(db_session, owner.id, f"View {number:02}", "")
    with pytest.raises(saved_views.TooManySavedViews):
        saved_views.save_view(db_session, owner.id, "One too many", "")
    kept = saved_views.saved_views(db_session, owner.id)
    assert len(kept) == saved_views.MAX_SAVED_VIEWS
    assert (kept[0].name, kept[0].query) == ("Mine", "status=submitted")


def test_a_user_deletes_only_their_own_view(db_session: Session) -> None:
    factories.hmis_world(db_session)
    owner = factories.staff_user(db_session)
    other = factories.staff_user(db_session, email="other@example.org")
    view = saved_views.save_view(db_session, owner.id, "Mine", "")
    assert not saved_views.delete_view(db_session, other.id, view.id)
    assert not saved_views.delete_view(db_session, owner.id, view.id + 1000)
    assert saved_views.delete_view(db_session, owner.id, view.id)
    assert saved_views.saved_views(db_session, owner.id) == []
