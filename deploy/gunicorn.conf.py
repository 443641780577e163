"""gunicorn settings for one portal instance behind nginx (docs/operations.md).

    cd /srv/portal && .venv/bin/gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:8001 wsgi:app

Several instances (on one machine or several) run this same file, each on its own address;
nginx spreads requests over them. The PORTAL_* settings come from the environment (an
environment file in deploy/portal@.service), identical for every instance.
"""

from __future__ import annotations

import os
import re

from gunicorn.glogging import Logger

# Where this instance listens. nginx's upstream block lists every instance's address.
bind = [os.environ.get("PORTAL_BIND", "127.0.0.1:8001")]

# A 2-core machine: 2 processes of 4 threads each. A request spends much of its time waiting for
# PostgreSQL, so threads keep the cores busy; processes let two requests render at once despite
# Python's global lock. Each thread holds at most one database connection, so the pool
# (PORTAL_DB_POOL_SIZE, default 5) covers the 4 threads without overflow.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("PORTAL_THREADS", "4"))

# A PDF of a long record takes a few seconds; a minute means something is stuck. nginx's
# proxy_read_timeout is a little longer, so nginx reports gunicorn's verdict, not its own.
timeout = 60
graceful_timeout = 30  # a restart lets requests in progress finish
keepalive = 15  # nginx keeps upstream connections open (keepalive in its upstream block)

# Start a fresh worker now and then, so memory that a large PDF or import took comes back.
max_requests = 2000
max_requests_jitter = 200

# Load the app once, then fork the workers: faster starts, less memory. Nothing is connected
# before the fork (create_app opens no connection); post_fork below makes sure of it.
preload_app = True

# nginx on this machine may say which requests came over https (X-Forwarded-Proto). The portal
# itself reads X-Forwarded-For/-Proto/-Host through werkzeug's ProxyFix (PORTAL_PROXY_HOPS=1);
# list nginx's address here too when it runs on another machine.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# gunicorn's control socket is one path per user ($HOME/.gunicorn/gunicorn.ctl): several
# instances on one machine would fight over it, and systemd restarts instances anyway.
control_socket_disable = True

# Logs to stdout/stderr: systemd's journal keeps them.
accesslog = "-"
errorlog = "-"
loglevel = "info"
# When, nginx's request id (to find the same request in nginx's log), method and path, status,
# bytes and milliseconds. No query string, referrer, cookie or client address: the portal's
# URLs can carry one-time tokens and access codes, and nginx already logs addresses.
access_log_format = '%(t)s %({x-request-id}i)s "%(r)s" %(s)s %(B)s %(M)sms'

# Paths whose last part is a one-time token: a set-up link is a staff password for 3 days.
_TOKEN_PATHS = re.compile(r"^(/continue/|/staff/set-up/)[^/]+")
# The only request headers a changed access_log_format may show: every other header, response
# header and environ atom (cookies, referrers, redirect targets, the raw URI) can hold a secret.
_LOGGABLE_HEADERS = ("{x-request-id}i", "{user-agent}i")


def loggable_path(path: str) -> str:
    """The request path with any one-time token replaced by [token]."""
    return _TOKEN_PATHS.sub(r"\1[token]", path)


class PortalAccessLogger(Logger):
    """gunicorn's logger, with access-log atoms that cannot leak tokens or query strings."""

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        atoms = super().atoms(resp, req, environ, request_time)
        path = loggable_path(environ.get("PATH_INFO", ""))
        atoms.update(U=path, q="-", f="-", r=f"{atoms['m']} {path} {atoms['H']}")
        return {
            name: value
            for name, value in atoms.items()
            if not name.startswith("{") or name in _LOGGABLE_HEADERS
        }


logger_class = PortalAccessLogger


def post_fork(_server, _worker):  # type: ignore[no-untyped-def]
    """A pooled connection must never be shared by two processes: start each worker's pool
    empty (SQLAlchemy's advice for forked processes)."""
    from wsgi import app

    app.extensions["portal.engine"].dispose(close=False)
