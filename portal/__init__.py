"""HMIS Client Privacy Portal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import crypto, db
from portal.config import Settings, load_settings
from portal.ratelimit import (
    COMPLAINT_LIMITS,
    STAFF_SIGN_IN_LIMITS,
    TWO_STEP_LIMITS,
    FailureLimiter,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, object] | None = None) -> Flask:
    """Build the portal: configuration, extensions, blueprints, nothing else."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    if test_config and "SETTINGS" in test_config:
        given = test_config["SETTINGS"]
        if not isinstance(given, Settings):
            raise TypeError("test_config's SETTINGS must be a Settings")
        settings = given
    else:
        settings = load_settings(Path(app.instance_path))
    _configure(app, settings)
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k != "SETTINGS"})

    crypto.configure(settings.ssn_keys)
    db.init_app(app, settings.database_url)

    from portal import (
        db_commands,
        errors,
        htmx,
        i18n,
        keys_commands,
        security,
        static_files,
    )
    from portal.access import commands as access_commands
    from portal.accounts import commands as accounts_commands
    from portal.audit import commands as audit_commands
    from portal.demo import commands as demo_commands
    from portal.exchange import commands as exchange_commands
    from portal.retention import commands as retention_commands

    app.jinja_env.add_extension("jinja2.ext.do")

    htmx.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    # Each feature registers its own `flask` command group, from its `commands` module
    # (disclosures, for now, through its blueprint's CLI group).
    for commands in (
        db_commands,
        exchange_commands,
        accounts_commands,
        keys_commands,
        demo_commands,
        access_commands,
        audit_commands,
        retention_commands,
    ):
        commands.init_app(app)
    static_files.init_app(app)

    from portal.access import current as access_current
    from portal.access.views import bp as access_bp
    from portal.accounts import current as staff_current
    from portal.accounts.views import bp as accounts_bp
    from portal.audit_browser.views import bp as audit_bp
    from portal.client.views import bp as client_bp
    from portal.consents.views import bp as consents_bp
    from portal.disclosures.views import bp as disclosures_bp
    from portal.exchange.views import bp as exchange_bp
    from portal.notice.views import bp as notice_bp
    from portal.public.views import bp as public_bp
    from portal.reports.views import bp as reports_bp
    from portal.requests.views import bp as requests_bp
    from portal.retention.views import bp as retention_bp
    from portal.sharing.views import bp as sharing_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(notice_bp)
    app.register_blueprint(access_bp)
    app.register_blueprint(client_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(requests_bp)
    app.register_blueprint(sharing_bp)
    app.register_blueprint(exchange_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(disclosures_bp)
    app.register_blueprint(consents_bp)
    app.register_blueprint(retention_bp)
    access_current.init_app(app)
    app.extensions["portal.sign_in_limiter"] = FailureLimiter(settings.rate_limit_storage)
    app.extensions["portal.complaint_limiter"] = FailureLimiter(
        settings.rate_limit_storage, COMPLAINT_LIMITS
    )
    app.extensions["portal.staff_sign_in_limiter"] = FailureLimiter(
        settings.rate_limit_storage, STAFF_SIGN_IN_LIMITS
    )
    app.extensions["portal.two_step_limiter"] = FailureLimiter(
        settings.rate_limit_storage, TWO_STEP_LIMITS
    )
    staff_current.init_app(app)
    from portal.audit import services as audit_services

    audit_services.init_app(app)
    from portal.notice import published

    published.init_app(app)
    _middleware(app, settings)
    return app


def _middleware(app: Flask, settings: Settings) -> None:
    """WSGI middleware around Flask, outermost first: the public notice's fast path, ProxyFix,
    WhiteNoise (static files, static_files.init_app)."""
    from portal.notice.fast_path import NoticeFastPath

    inner = app.wsgi_app
    if settings.proxy_hops:
        # Trust exactly the proxies the county put in front: the client's address (rate limits)
        # and https (secure cookies, CSRF's referrer check) then come from their headers.
        hops = settings.proxy_hops
        inner = ProxyFix(inner, x_for=hops, x_proto=hops, x_host=hops)
    # The fast path answers only what no forwarded header changes (portal/notice/fast_path.py).
    app.wsgi_app = NoticeFastPath(inner, app)  # type: ignore[method-assign]  # WSGI middleware, as Flask documents


def _configure(app: Flask, settings: Settings) -> None:
    app.config.update(
        PORTAL=settings,
        SECRET_KEY=settings.secret_key,
        # Flask's default is 31 days; nothing personal may outlive a short idle time.
        PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=15),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_NAME="portal_session",
        WTF_CSRF_TIME_LIMIT=None,  # the session's own lifetime bounds the token
        MAX_CONTENT_LENGTH=10 * 1024 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=dt.timedelta(days=365),  # static names carry versions
    )
