"""The exchange blueprint (`exchange.<page>` under /staff/exchange): its pages are in views
(the exchange page, the export of changes) and import_views (an import run's report)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exchange", __name__)
