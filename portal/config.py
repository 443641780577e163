"""Configuration from PORTAL_* environment variables, frozen once the app starts."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

ENV_PREFIX = "PORTAL_"


class ConfigurationError(RuntimeError):
    """The configuration cannot run the portal safely (e.g. production without a secret)."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(ENV_PREFIX + name)
    return value if value not in (None, "") else default


def _instance_secret(instance_path: Path, filename: str, make: Callable[[], str]) -> str:
    """A development secret from instance/, generated on first use (never in production)."""
    path = instance_path / filename
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    value = make()
    # Owner-only: the file holds a key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


@dataclass(frozen=True)
class Settings:
    environment: str
    secret_key: str
    database_url: str
    ssn_keys: tuple[str, ...]
    # Keys the audit chain's HMACs; kept outside the database so the database alone cannot
    # rewrite history.
    audit_key: str = ""
    help_desk_phone: str = "(847) 555-0142"
    help_desk_email: str = "hmis-help@example.org"
    service_name: str = "HMIS Client Privacy Portal"
    # Where sign-in failure counters live: redis://... shared by every instance, or memory://
    # for a single process (make run, tests).
    rate_limit_storage: str = "memory://"
    # Times are stored in UTC and shown in the county's own time zone.
    timezone: str = "America/Chicago"
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


def load_settings(instance_path: Path) -> Settings:
    """Build settings from the environment; development secrets live in instance/."""
    environment = _env("ENV", "development") or "development"
    production = environment == "production"

    secret_key = _env("SECRET_KEY")
    ssn_keys_raw = _env("SSN_KEYS")
    if production and not secret_key:
        raise ConfigurationError("PORTAL_SECRET_KEY must be set when PORTAL_ENV=production.")
    if production and not ssn_keys_raw:
        raise ConfigurationError("PORTAL_SSN_KEYS must be set when PORTAL_ENV=production.")
    audit_key = _env("AUDIT_KEY")
    if production and not audit_key:
        raise ConfigurationError("PORTAL_AUDIT_KEY must be set when PORTAL_ENV=production.")
    if not audit_key:
        audit_key = _instance_secret(instance_path, "audit_key", lambda: secrets.token_hex(32))
    if not secret_key:
        secret_key = _instance_secret(instance_path, "secret_key", lambda: secrets.token_hex(32))
    if not ssn_keys_raw:
        ssn_keys_raw = _instance_secret(
            instance_path, "ssn_keys", lambda: Fernet.generate_key().decode("ascii")
        )
    ssn_keys = tuple(key.strip() for key in ssn_keys_raw.split(",") if key.strip())

    default_db = f"sqlite:///{instance_path / 'portal.sqlite3'}"
    database_url = _env("DATABASE_URL", default_db) or default_db

    return Settings(
        environment=environment,
        secret_key=secret_key,
        database_url=database_url,
        ssn_keys=ssn_keys,
        audit_key=audit_key,
        rate_limit_storage=_env("REDIS_URL", "memory://") or "memory://",
        timezone=_env("TIMEZONE", Settings.timezone) or Settings.timezone,
        help_desk_phone=_env("HELP_DESK_PHONE", Settings.help_desk_phone) or "",
        help_desk_email=_env("HELP_DESK_EMAIL", Settings.help_desk_email) or "",
    )
