"""The stylesheets name sides by where text starts and ends, never by left and right, so a
right-to-left page mirrors by itself (tests/browser/test_rtl.py measures it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal import PROJECT_ROOT
from portal.static_files import VERSIONED_NAME

# margin-left, padding-right, border-left-width, left:, float: right, text-align: left, ...
PHYSICAL = re.compile(
    r"\b(?:margin|padding|border|inset|scroll-margin|scroll-padding)-(?:left|right)\b"
    r"|\b(?:border-(?:top|bottom)-(?:left|right)-radius)\b"
    r"|(?<![-\w])(?:left|right)\s*:"
    r"|\b(?:float|clear|text-align|caption-side)\s*:\s*(?:left|right)\b"
)
SOURCES = sorted(
    path
    for path in (PROJECT_ROOT / "static" / "css").glob("*.css")
    if not VERSIONED_NAME.search(path.name)  # copies made by `make static`
)


def _without_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", lambda c: "\n" * c.group().count("\n"), css, flags=re.DOTALL)


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.name)
def test_stylesheet_uses_logical_properties(path: Path) -> None:
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for number, line in enumerate(_without_comments(path.read_text("utf-8")).splitlines(), 1)
        if PHYSICAL.search(line)
    ]
    assert found == []


def test_the_pattern_catches_physical_sides() -> None:
    for css in ("margin-left: 1rem", "padding-right:0", "left: 0", "float: right", "clear:left"):
        assert PHYSICAL.search(css), css
    for css in ("margin-inline-start: 1rem", "inset-inline-end: 0", "text-align: start"):
        assert not PHYSICAL.search(css), css
