"""The notice blueprint (`notice.<page>`): the public notice and acknowledgement in views, the
HMIS lead's versions in admin_views and partner listing in partners_views, gathered by
portal.notice.views."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notice", __name__)
