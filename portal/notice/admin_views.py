"""(Being written.)"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notice_admin", __name__)
