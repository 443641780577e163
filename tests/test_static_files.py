"""Static files carry their content's hash in their name, so browsers keep them for a year and
a changed file is fetched at once; each is sent brotli- or gzip-compressed when accepted."""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import brotli
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal import static_files

STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def _fetch(client: FlaskClient, url: str, accept: str | None = None) -> TestResponse:
    """Buffered: WhiteNoise answers with an open file, which an unbuffered response leaves open."""
    headers = {"Accept-Encoding": accept} if accept is not None else {}
    return client.get(url, headers=headers, buffered=True)


def _page_assets(client: FlaskClient) -> list[str]:
    return STATIC_URL.findall(client.get("/").get_data(as_text=True))


def test_pages_name_static_files_by_their_content(client: FlaskClient) -> None:
    assets = _page_assets(client)
    assert len(assets) == 3  # the stylesheet, htmx and the portal's script
    for url in assets:
        assert static_files.VERSIONED_NAME.search(url), url
        response = _fetch(client, url)
        assert response.status_code == 200
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=315360000" in response.headers["Cache-Control"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [("br, gzip", "br", brotli.decompress), ("gzip", "gzip", gzip.decompress)],
)
def test_static_files_go_compressed_when_the_browser_accepts(
    client: FlaskClient, accept: str, encoding: str, decode
) -> None:
    for url in _page_assets(client):
        plain = _fetch(client, url, accept="")
        packed = _fetch(client, url, accept)
        assert plain.headers.get("Content-Encoding") is None
        assert packed.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert len(packed.data) < len(plain.data) / 2
        assert decode(packed.data) == plain.data


def test_unversioned_names_are_cached_for_a_minute_only(client: FlaskClient) -> None:
    response = _fetch(client, "/static/css/portal.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=60, public"


def test_a_changed_source_is_noticed_and_rebuilt(tmp_path: Path) -> None:
    folder = tmp_path / "static"
    shutil.copytree(static_files.STATIC_FOLDER / "css", folder / "css", dirs_exist_ok=True)
    for generated in [*folder.rglob("*.gz"), *folder.rglob("*.br")]:
        generated.unlink()
    assert static_files.stale_files(folder) == ["css/portal.css", "css/reports.css"]  # no manifest

    static_files.build(folder)
    assert static_files.stale_files(folder) == []
    (folder / "css" / "portal.css").write_text("body { color: black; }\n")
    assert static_files.stale_files(folder) == ["css/portal.css"]
    static_files.build(folder)
    assert static_files.stale_files(folder) == []
    assert len(list(folder.glob("css/portal-*.css"))) == 1  # the old version is gone
