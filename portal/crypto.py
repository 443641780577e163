"""Field encryption for values that must never sit in the database in clear (SSNs, requested
values, TOTP secrets: every column of type EncryptedString).

MultiFernet: the first key encrypts, every key decrypts, so keys rotate by putting a new key
first and re-encrypting every encrypted column (`flask --app wsgi keys rotate`, portal/keys.py).
"""

from __future__ import annotations

from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

_cipher: MultiFernet | None = None
_primary: Fernet | None = None


def configure(keys: tuple[str, ...]) -> None:
    global _cipher, _primary
    if not keys:
        raise ValueError("at least one encryption key is required")
    fernets = [Fernet(key.encode("ascii")) for key in keys]
    _cipher, _primary = MultiFernet(fernets), fernets[0]


def primary() -> Fernet:
    """The first key alone: what encrypts, and what must read everything once rotated."""
    if _primary is None:
        raise RuntimeError("field encryption is not configured (create_app sets it up)")
    return _primary


def cipher() -> MultiFernet:
    if _cipher is None:
        raise RuntimeError("field encryption is not configured (create_app sets it up)")
    return _cipher


class EncryptedString(TypeDecorator[str]):
    """A string stored as a Fernet token; Python code only ever sees the plain value."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return cipher().encrypt(value.encode("utf-8")).decode("ascii")

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return cipher().decrypt(value.encode("ascii")).decode("utf-8")


def rotate(token: str) -> str:
    """Re-encrypt a stored token under the current first key."""
    return cipher().rotate(token.encode("ascii")).decode("ascii")
