"""Notice Markdown to safe HTML: raw HTML is not parsed, and the result is sanitized again."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_ALLOWED_TAGS = {"h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "br", "hr", "blockquote"}


# The same few published texts are shown on every visit to the notice and forms pages; the
# render is a pure function of the text, and half the notice page's time without the cache.
@lru_cache(maxsize=64)
def render_markdown(text: str) -> Markup:
    html = _markdown.render(text)
    return Markup(nh3.clean(html, tags=_ALLOWED_TAGS, attributes={}))  # noqa: S704 - sanitized by nh3
