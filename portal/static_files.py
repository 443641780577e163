"""Static files: versioned names, served precompressed and cached for a year.

`make static` (`python -m portal.static_files`, with Flask-Static-Digest's digester) writes a
copy of each file under static/ with the MD5 of its content in its name
(`css/portal-<md5>.css`), gzip and brotli versions next to it, and static/cache_manifest.json
(the test suite does the same when a source changed). Templates name files through
`static_url_for`, which looks them up there. WhiteNoise, in front of the app in every instance,
serves the brotli or gzip file the browser accepts and marks versioned names immutable: a changed
file gets a new name, so a year of caching is safe. Without a manifest (a checkout where
`make static` has not run) the plain names are served and cached for a minute only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from wsgiref.headers import Headers

from flask import Flask
from flask_static_digest import FlaskStaticDigest, digester
from whitenoise import WhiteNoise

from portal.security import response_headers

log = logging.getLogger(__name__)

VERSIONED_NAME = re.compile(r"-[0-9a-f]{32}\.[a-z0-9]+$")
ONE_MINUTE = 60
STATIC_FOLDER = Path(__file__).resolve().parent.parent / "static"


def init_app(app: Flask) -> None:
    static_folder = Path(app.static_folder or "static")
    if stale := stale_files(static_folder):
        log.warning("static files changed since `make static`: %s", ", ".join(stale))
    app.config.setdefault("FLASK_STATIC_DIGEST_COMPRESSION", ["gzip", "brotli"])
    FlaskStaticDigest(app)
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]  # WSGI middleware
        app.wsgi_app,
        root=str(static_folder),
        prefix=app.static_url_path,
        max_age=ONE_MINUTE,
        immutable_file_test=is_versioned,
        add_headers_function=_with_response_headers(app.config["PORTAL"].is_production),
    )


def _with_response_headers(production: bool) -> Callable[[Headers, str, str], None]:
    """Files leave through WhiteNoise, outside Flask: give them the headers pages carry."""
    extra = response_headers(production=production)

    def add(headers: Headers, _path: str, _url: str) -> None:
        for name, value in extra.items():
            headers[name] = value

    return add


def stale_files(static_folder: Path) -> list[str]:
    """Source files the manifest lacks or names by an older content (all, if it is missing)."""
    manifest_path = static_folder / "cache_manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    stale = []
    for path in sorted(static_folder.rglob("*")):
        name = path.relative_to(static_folder).as_posix()
        if not path.is_file() or path.suffix in {".gz", ".br"} or is_versioned(name, name):
            continue
        if name == "cache_manifest.json":
            continue
        stem, suffix = posixpath.splitext(name)
        digest = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
        if manifest.get(name) != f"{stem}-{digest}{suffix}":  # how Flask-Static-Digest names
            stale.append(name)
    return stale


def is_versioned(_path: str, url: str) -> bool:
    return bool(VERSIONED_NAME.search(url))


def _static_headers(headers: dict[str, str], _path: str, _url: str) -> None:
    """What the app's own responses carry that matters for a file: no sniffing a CSS or
    script into another type, and no use by other sites."""
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"


def build(static_folder: Path = STATIC_FOLDER) -> None:
    """Replace the versioned and compressed files with ones made from the current sources."""
    folder = str(static_folder) + "/"
    digester.clean(folder, [], gzip_files=True, brotli_files=True)
    digester.compile(folder, folder, [], gzip_files=True, brotli_files=True)


if __name__ == "__main__":
    build()
