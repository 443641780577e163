"""Configuration from PORTAL_* environment variables, frozen once the app starts."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet
from flask import current_app

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
    # Who issues a client's documents (the record PDF, receipts): the CoC and its HMIS lead.
    issuer: str = "County Continuum of Care – HMIS lead: County Community Services"
    # Where sign-in failure counters live: redis://... shared by every instance, or memory://
    # for a single process (make run, tests).
    rate_limit_storage: str = "memory://"
    # Times are stored in UTC and shown in the county's own time zone.
    timezone: str = "America/Chicago"
    # How many proxies (nginx, a load balancer) stand in front of the portal and set
    # X-Forwarded-For/-Proto/-Host. 0: none, the headers are ignored (they could be forged).
    proxy_hops: int = 0
    # Each process keeps at most db_pool_size + db_max_overflow PostgreSQL connections open
    # (docs/operations.md: instances x workers x both must stay under max_connections).
    db_pool_size: int = 5
    db_max_overflow: int = 5
    # The import's safety threshold (docs/exchange.md): an export that would delete more than
    # this share of the clients or enrollments held, or quarantine more than this share of its
    # rows, commits nothing until the HMIS lead accepts it.
    import_max_deleted_percent: int = 10
    import_max_quarantined_percent: int = 5
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


def _proxy_hops(raw: str) -> int:
    if not raw.isdigit() or int(raw) > 5:
        raise ConfigurationError("PORTAL_PROXY_HOPS must be a whole number from 0 to 5.")
    return int(raw)


def _whole_number(name: str, default: int, lowest: int, highest: int) -> int:
    raw = _env(name, str(default)) or str(default)
    if not raw.isdigit() or not lowest <= int(raw) <= highest:
        raise ConfigurationError(
            f"PORTAL_{name} must be a whole number from {lowest} to {highest}."
        )
    return int(raw)


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
    redis_url = _env("REDIS_URL")
    if production and not redis_url:
        # Counters in memory belong to one process: with several gunicorn workers or instances
        # each would allow its own share of guesses.
        raise ConfigurationError("PORTAL_REDIS_URL must be set when PORTAL_ENV=production.")
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
        rate_limit_storage=redis_url or "memory://",
        proxy_hops=_proxy_hops(_env("PROXY_HOPS", "0") or "0"),
        db_pool_size=_whole_number("DB_POOL_SIZE", Settings.db_pool_size, 1, 100),
        db_max_overflow=_whole_number("DB_MAX_OVERFLOW", Settings.db_max_overflow, 0, 100),
        timezone=_env("TIMEZONE", Settings.timezone) or Settings.timezone,
        help_desk_phone=_env("HELP_DESK_PHONE", Settings.help_desk_phone) or "",
        help_desk_email=_env("HELP_DESK_EMAIL", Settings.help_desk_email) or "",
        import_max_deleted_percent=_whole_number(
            "IMPORT_MAX_DELETED_PERCENT", Settings.import_max_deleted_percent, 0, 100
        ),
        import_max_quarantined_percent=_whole_number(
            "IMPORT_MAX_QUARANTINED_PERCENT", Settings.import_max_quarantined_percent, 0, 100
        ),
        issuer=_env("ISSUER", Settings.issuer) or Settings.issuer,
    )


def current_settings() -> Settings:
    """The running app's settings, typed (app.config holds Any)."""
    settings: Settings = current_app.config["PORTAL"]
    return settings


def secret_key() -> str:
    """The running app's SECRET_KEY: always text here (Settings.secret_key), though Flask types
    it str | bytes | None."""
    key = current_app.secret_key
    if not isinstance(key, str):
        raise ConfigurationError("SECRET_KEY must be set as text.")
    return key
