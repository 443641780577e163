"""(Being written.)"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)
