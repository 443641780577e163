"""The requests blueprint (`requests.<page>`): the client's pages in views and complaint_views,
the staff's in staff_views and queue_views, gathered by portal.requests.views."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("requests", __name__)
