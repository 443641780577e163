"""Classic cross-site scripting payloads, and how to tell text that stayed text from markup that
came alive.

Every payload that would run script does so by setting `window.__xss` (the browser test watches
it) and names "xss" wherever it puts an attribute or a URL, so that an element or attribute born
from a payload can be told from the portal's own markup.
"""

from __future__ import annotations

import re
import unicodedata

from bs4 import BeautifulSoup, Tag

from portal.requests.forms import clean_text

RUN = "window.__xss=1"
ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9_.:-]*")  # every name the portal's markup uses

PAYLOADS: tuple[str, ...] = (
    f"<script>{RUN}</script>",
    f"<img src=x onerror={RUN}>",
    f"<svg onload={RUN}>",
    f"<svg><script>{RUN}</script></svg>",
    f'<a href="javascript:{RUN}">xss link</a>',
    f'"><script>{RUN}</script>',
    f"'><img src=x onerror={RUN}>",
    f'" onmouseover="{RUN}" data-xss="',
    f"' autofocus onfocus='{RUN}' data-xss='",
    f"</textarea><script>{RUN}</script>",
    f"</title><script>{RUN}</script>",
    f'<iframe src="javascript:{RUN}"></iframe>',
    f"<body onload={RUN}>",
    f"<details open ontoggle={RUN}>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={RUN}>",
    f'<a href="&#106;avascript:{RUN}">xss entity</a>',
    f"<IMG SRC=JaVaScRiPt:{RUN}>",
    f'<div hx-get="/xss" hx-trigger="load" hx-on::load="{RUN}">',
    f'<meta http-equiv="refresh" content="0;url=javascript:{RUN}">',
    '<base href="//xss.example/">',
    '<a rel="attachment" href="file:///etc/passwd">xss file</a>',
    f'<object data="data:text/html,<script>{RUN}</script>"></object>',
    f"javascript:{RUN}",
    f"</script><script>{RUN}</script>",
    "<!-- xss -->",
    "t1:{{7*7}}",  # template injection, each tagged: had it run, "t1:49" would show
    "t2:${7*7}",
    "t3:#{7*7} t4:<%= 7*7 %> t5:{{7*'7'}} t6:{% print 7*7 %}",
    "&lt;b&gt;xss&lt;/b&gt;",
    f"%3Cscript%3E{RUN}%3C/script%3E",
    "\\u003cscript\\u003exss\\u003c/script\\u003e",
    f"<scr\x00ipt>{RUN}</scr\x00ipt>",  # a null byte inside the tag name
    f"<scr\u200bipt>{RUN}</script>",  # a zero-width space
    f"<\u202escript>{RUN}</script>",  # a right-to-left override
    f"\uff1cscript\uff1e{RUN}\uff1c/script\uff1e",  # fullwidth brackets
    f"<\u017fcript>{RUN}</script>",  # long s, which some case folding turns into s
    "ł\u0301ó\u0301 Zażółć gęślą jaźń 名前 😀",
)

# A spreadsheet runs a cell starting with one of these (README: the export's rule 3).
FORMULAS: tuple[str, ...] = (
    '=HYPERLINK("http://xss.example","x")',
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    "=1+1",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Template payloads (as tagged in PAYLOADS) and what a template engine would make of them.
TEMPLATES = (
    ("t1", "{{7*7}}", "49"),
    ("t2", "${7*7}", "49"),
    ("t3", "#{7*7}", "49"),
    ("t4", "<%= 7*7 %>", "49"),
    ("t5", "{{7*'7'}}", "7777777"),
    ("t6", "{% print 7*7 %}", "49"),
)


def rounds(limit: int = 200) -> list[str]:
    """The payloads packed into values of at most limit characters (the shortest free-text
    limit), each beginning with a formula, so that every payload and every formula start
    passes through every field in a few rounds.

    NUL characters are taken out: the portal refuses any request carrying one before a view
    runs, and the importer reports them, so no NUL ever reaches a page (tested on its own)."""
    values: list[str] = []
    current = FORMULAS[0]
    for payload in (p.replace("\x00", "") for p in PAYLOADS):
        candidate = f"{current} {payload}"
        if len(candidate) > limit:
            values.append(current)
            current = f"{FORMULAS[len(values) % len(FORMULAS)]} {payload}"
        else:
            current = candidate
    values.append(current)
    while len(values) < len(FORMULAS):  # every formula leads a value at least once
        values.append(f"{FORMULAS[len(values)]} {PAYLOADS[len(values)].replace(chr(0), '')}")
    assert all(len(value) <= limit for value in values)
    return values


def as_stored(value: str) -> str:
    """The value as the portal keeps it: forms drop control characters (the null byte too)."""
    cleaned = clean_text(value)
    assert isinstance(cleaned, str)
    return cleaned


def squashed(text: str) -> str:
    """Text with whitespace folded, as HTML shows it and PDF text extraction returns it."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _is_echoed_value(element: Tag, attribute: str) -> bool:
    """A form field showing back what was typed: the escaped value is meant to be there."""
    return attribute == "value" and element.name in ("input", "option", "button")


# The portal's own random form keys (`?key=` of a Post/Redirect/Get check page) are base64: one
# in a few hundred holds the letters "xss" by chance, which is not a payload.
OWN_KEY = re.compile(r"(?<=[?&]key=)[A-Za-z0-9_-]+")


def injected_markup(page: BeautifulSoup) -> list[str]:
    """Elements and attributes of a parsed page that could only have come from a payload."""
    found: list[str] = []
    for element in page.find_all(True):
        if element.name == "script" and not element.get("src"):
            found.append(f"inline <script>: {element}"[:200])
        if element.name in ("iframe", "object", "embed", "base", "frame", "math", "style"):
            found.append(f"<{element.name}> element")
        if element.get("style") is not None:
            found.append(f"<{element.name} style>")
        if element.name == "meta" and element.get("http-equiv"):
            found.append("<meta http-equiv>")
        if element.name == "img" and not str(element.get("src", "")).startswith(
            ("/static/", "data:")
        ):
            found.append(f"<img src={element.get('src')!r}>")
        for attribute, raw in element.attrs.items():
            value = " ".join(raw) if isinstance(raw, list) else str(raw)
            name = attribute.lower()
            if name.startswith(("on", "hx-on", "data-hx-on")):
                found.append(f"<{element.name} {attribute}=...>")
            if "xss" in name or not ATTRIBUTE_NAME.fullmatch(name):
                found.append(f"<{element.name} {attribute}>")  # a way out of an attribute
            if _is_echoed_value(element, name):
                continue
            plain = "".join(OWN_KEY.sub("", value).split()).lower()
            if "xss" in plain or plain.startswith(("javascript:", "data:text", "file:")):
                found.append(f"<{element.name} {attribute}={value[:60]!r}>")
    return found


def page_text(page: BeautifulSoup) -> str:
    """The text a person reads on the page, whitespace folded."""
    return squashed(page.get_text(" "))


def shown_as_text(text: str, value: str) -> bool:
    """The value, as stored, appears in the page's text (page_text): escaped, not markup."""
    return squashed(as_stored(value)) in text


def template_needles(value: str) -> list[tuple[str, str]]:
    """(what ran, the text that would show it ran) for each template payload in value."""
    stored = as_stored(value)
    return [
        (f"{payload} became {result}", f"{tag}:{result}")
        for tag, payload, result in TEMPLATES
        if f"{tag}:{payload}" in stored
    ]


def evaluated_templates(text: str, value: str) -> list[str]:
    """Template payloads of value that ran, going by text (whitespace folded)."""
    return [ran for ran, needle in template_needles(value) if needle in text]
