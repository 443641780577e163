"""The staff accounts blueprint (`accounts.<page>` under /staff): its pages are in
sign_in_views, account_views and user_views, gathered by portal.accounts.views."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/staff")
