"""The staff accounts pages, one blueprint in three modules by page group: signing in
(sign_in_views), the staff member's own account (account_views), managing staff users
(user_views)."""

from __future__ import annotations

from portal.accounts import account_views, sign_in_views, user_views
from portal.accounts.blueprint import bp

__all__ = ["account_views", "bp", "sign_in_views", "user_views"]
