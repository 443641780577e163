"""Page weights: what a first and a repeat visit of a page transfer, gzipped.

Each page is fetched as a browser asks for it, accepting gzip, with the stylesheets,
scripts and fonts it names (fonts through the stylesheets' url()). A response the server sent
compressed counts as sent; one it sent uncompressed counts as gzip -6 would make it (the
target is about gzipped sizes, and a proxy in front may compress). A repeat visit transfers the
page again plus every asset that is not cached for at least a day.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from bench.visitors import Browser

ACCEPT = {"Accept-Encoding": "gzip"}  # the target counts gzipped bytes
CACHED_FOR = 86_400  # seconds: an asset cached at least this long is not fetched on a repeat visit
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")
FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".otf")


class _Assets(HTMLParser):
    """Stylesheets, scripts and preloaded fonts a page names."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        rel = (found.get("rel") or "").split()
        if tag == "script" and found.get("src"):
            self.urls.append(found["src"] or "")
        elif tag == "link" and found.get("href") and {"stylesheet", "preload"} & set(rel):
            self.urls.append(found["href"] or "")


@dataclass(frozen=True)
class Transfer:
    url: str
    kind: str  # html, css, js, font
    raw_bytes: int
    sent_bytes: int  # the body on the wire
    content_encoding: str
    gzipped_bytes: int  # as sent when compressed, else gzip -6 of it
    cache_control: str

    @property
    def cached_on_repeat(self) -> bool:
        control = self.cache_control.lower()
        if "no-store" in control or "no-cache" in control:
            return False
        age = re.search(r"max-age=(\d+)", control)
        return "immutable" in control or (age is not None and int(age[1]) >= CACHED_FOR)


def _kind(url: str, content_type: str) -> str:
    path = urlsplit(url).path
    if "css" in content_type or path.endswith(".css"):
        return "css"
    if "javascript" in content_type or path.endswith(".js"):
        return "js"
    if path.endswith(FONT_SUFFIXES) or "font" in content_type:
        return "font"
    return "html" if "html" in content_type else "other"


def _fetch(browser: Browser, url: str) -> tuple[Transfer, bytes]:
    response = browser.get(url, headers=ACCEPT, stream=True)
    if response.status_code != 200:
        raise SystemExit(f"page weight: {url} answered {response.status_code}")
    on_wire = response.raw.read(decode_content=False)
    encoding = response.headers.get("Content-Encoding", "")
    body = gzip.decompress(on_wire) if encoding == "gzip" else on_wire
    gzipped = len(on_wire) if encoding == "gzip" else len(gzip.compress(body, 6))
    content_type = response.headers.get("Content-Type", "")
    transfer = Transfer(
        url=url,
        kind=_kind(url, content_type),
        raw_bytes=len(body),
        sent_bytes=len(on_wire),
        content_encoding=encoding or "none",
        gzipped_bytes=gzipped,
        cache_control=response.headers.get("Cache-Control", ""),
    )
    return transfer, body


def _font_urls(css_url: str, css: bytes) -> list[str]:
    found = CSS_URL.findall(css.decode("utf-8", "replace"))
    return [urljoin(css_url, url) for url in found if urlsplit(url).path.endswith(FONT_SUFFIXES)]


def _on_this_site(browser: Browser, url: str) -> str | None:
    """The path (and query) of a URL on the portal; None for another site's."""
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != urlsplit(browser.base_url).netloc:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def page_weight(browser: Browser, path: str) -> dict[str, object]:
    """First and repeat visit of one page, with each transfer listed."""
    page, html = _fetch(browser, path)
    parser = _Assets()
    parser.feed(html.decode("utf-8", "replace"))
    pending = [urljoin(path, url) for url in parser.urls]
    transfers, seen = [page], set()
    while pending:
        url = _on_this_site(browser, pending.pop(0))
        if url is None or url in seen:  # each asset once; another site's is not the portal's
            continue
        seen.add(url)
        asset, body = _fetch(browser, url)
        transfers.append(asset)
        if asset.kind == "css":
            pending.extend(_font_urls(url, body))
    assets = transfers[1:]
    return {
        "path": path,
        "html_gzipped_bytes": page.gzipped_bytes,
        "html_sent_bytes": page.sent_bytes,
        "html_content_encoding": page.content_encoding,
        "first_visit_gzipped_bytes": sum(t.gzipped_bytes for t in transfers),
        "first_visit_sent_bytes": sum(t.sent_bytes for t in transfers),
        "repeat_visit_gzipped_bytes": page.gzipped_bytes
        + sum(t.gzipped_bytes for t in assets if not t.cached_on_repeat),
        "transfers": [{**vars(t), "cached_on_repeat": t.cached_on_repeat} for t in transfers],
    }
