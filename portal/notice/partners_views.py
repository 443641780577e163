"""(Being written.)"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("partners_admin", __name__)
