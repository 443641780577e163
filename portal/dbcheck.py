"""`python -m portal.dbcheck URL`: exit 0 when a database answers at URL (used by make test)."""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError


def main(url: str) -> int:
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
