"""The XSS suite's own checks catch what they are for: each payload, put on a page unescaped,
is found (as markup from a payload, or as text that is not what was typed); escaped, it is not.
Otherwise a pass of test_xss.py would mean nothing."""

from __future__ import annotations

from bs4 import BeautifulSoup
from jinja2 import Template
from markupsafe import escape

from tests.attacks.corpus import (
    FORMULAS,
    PAYLOADS,
    RUN,
    as_stored,
    evaluated_templates,
    injected_markup,
    page_text,
    rounds,
    shown_as_text,
    squashed,
)

MARKUP_CHARACTERS = set("<>\"'&")


def _page(value: str) -> BeautifulSoup:
    html = (
        f"<!doctype html><html><body><p>{value}</p>"
        f"<input name=a value=\"{value}\"><input name=b value='{value}'></body></html>"
    )
    return BeautifulSoup(html, "html.parser")


def _caught(page: BeautifulSoup, value: str) -> bool:
    return bool(injected_markup(page)) or not shown_as_text(page_text(page), value)


def test_the_corpus_holds_the_classic_kinds() -> None:
    assert len(PAYLOADS) >= 20
    joined = "\n".join(PAYLOADS)
    for kind in ("<script>", "onerror=", "javascript:", "<svg onload", '"><', "'><", "{{7*7}}"):
        assert kind in joined, kind
    assert "${7*7}" in joined
    assert any("\x00" in payload for payload in PAYLOADS)
    assert any(not payload.isascii() for payload in PAYLOADS)
    assert all(RUN in p or "xss" in p.lower() or "7*7" in p or not p.isascii() for p in PAYLOADS)


def test_each_payload_is_caught_unescaped_and_passes_escaped() -> None:
    for payload in PAYLOADS:
        value = as_stored(payload)
        escaped = _page(str(escape(value)))
        assert injected_markup(escaped) == [], payload
        assert shown_as_text(page_text(escaped), value), payload
        if MARKUP_CHARACTERS & set(value):
            assert _caught(_page(value), value), f"not caught unescaped: {payload!r}"


def test_a_template_payload_that_runs_is_caught() -> None:
    for value in rounds():
        rendered = squashed(Template(as_stored(value)).render())
        if "{{7*7}}" in value or "{% print" in value:
            assert evaluated_templates(rendered, value), value
        assert evaluated_templates(squashed(as_stored(value)), value) == []


def test_the_rounds_carry_every_payload_and_every_formula_start() -> None:
    values = rounds(180)
    assert all(len(value) <= 180 for value in values)
    for payload in PAYLOADS:
        typable = payload.replace("\x00", "")  # a request with a NUL is refused at the door
        assert any(typable in value for value in values), payload
    starts = {value.split(" ", 1)[0] for value in values}
    assert {formula.split(" ", 1)[0] for formula in FORMULAS} <= starts


def test_the_portals_own_random_key_is_not_a_payload() -> None:
    """A check page's random key may spell "xss" by chance; a payload in the same link may not."""
    own = BeautifulSoup("<a href='/complaint/check?key=J8G0_5B9LNryXSsQpWBY'>x</a>", "html.parser")
    assert injected_markup(own) == []
    payload = BeautifulSoup("<a href='/complaint/check?key=ab&q=xss'>x</a>", "html.parser")
    assert injected_markup(payload) != []
