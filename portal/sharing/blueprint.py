"""The sharing blueprint (`sharing.<page>`): the client's sharing choices in views, the staff's
client search and record in staff_views, gathered by portal.sharing.views."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sharing", __name__)
