"""One clock for the portal: naive UTC datetimes in the database, as SQLite and HUD CSV both use."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
