"""(Being written.)"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exchange", __name__)
