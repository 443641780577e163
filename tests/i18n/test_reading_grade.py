"""Plain language (DESIGN.md 9): the English client pages read at grade 6 or lower.

Each page is fetched as a client would see it, and the visible words of its <main> are measured
with textstat's Flesch-Kincaid grade. What the portal shows but did not write is left out: record
values, the values of summary lists, table cells, reference numbers, names, the full text of the
notice and of the sharing forms (those are the HMIS lead's documents; their short versions stay in).

Each heading, paragraph, list item, label or button counts as its own sentence: that is how a
reader meets them, and run together without full stops they would read as one endless sentence.

textstat 0.7.13 counts English syllables with NLTK's CMU dictionary, which it downloads on first
use. Tests never touch the network, so the language is given as "en-US", which textstat does not
map to that dictionary: syllables then come from Pyphen's en_US hyphenation, textstat's own
fallback for words the dictionary does not know.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup, NavigableString, Tag
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from textstat.textstat import textstatistics

from portal import PROJECT_ROOT
from portal.access.services import issue_access_code
from portal.hmis.models import Client, Organization, Project
from portal.hmis.services import run_import
from portal.notice.services import load_demo_notice, load_demo_versions
from portal.sharing.services import DEMO_SHARING_FORMS
from tests.conftest import HMIS_CSV
from tests.fixtures.clients import DOB, PERSON

TARGET = 6.0
DEMO_NOTICE = PROJECT_ROOT / "portal" / "notice" / "demo"

# Shown by the portal but not written by it: data, names, and the full legal texts.
NOT_OURS = ", ".join(
    [
        ".record-list",
        ".summary-list dd",
        "td",
        ".reference",
        ".notice-body",
        ".form-text",
        ".record-enrollment h3",  # program names
        ".agency-list strong",  # agency names
        ".agency-list .pre-line",  # what the HMIS lead wrote about each agency
        ".timeline strong",  # dates and times
        ".access-log__when",
        ".access-log__who",
    ]
)
# Not visible on the page (or not words): left out as well.
NOT_SEEN = "[hidden], .visually-hidden, script, template, textarea, select, option, svg, code"
BLOCKS = {
    *("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "dt", "dd", "th", "td"),
    *("caption", "label", "legend", "button", "summary", "blockquote"),
}
REFERENCE = re.compile(r"\b[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}\b")


def _statistics() -> textstatistics:
    statistics = textstatistics()
    statistics.set_lang("en-US")  # Pyphen's syllables, no download (see the module docstring)
    return statistics


READABILITY = _statistics()


@dataclass(frozen=True)
class Measured:
    grade: float
    sentences: tuple[str, ...]

    def hardest(self, count: int = 3) -> list[tuple[float, str]]:
        graded = [(READABILITY.flesch_kincaid_grade(s), s) for s in self.sentences]
        return sorted(graded, reverse=True)[:count]


def visible_sentences(html: BeautifulSoup, data: list[str]) -> list[str]:
    """The words of <main> the portal wrote, one sentence per heading, paragraph, item, label."""
    main = BeautifulSoup(str(html.find("main")), "html.parser")
    for element in main.select(f"{NOT_OURS}, {NOT_SEEN}"):
        element.decompose()
    pieces: list[tuple[Tag, list[str]]] = []
    for string in main.find_all(string=True):
        if not isinstance(string, NavigableString) or not string.strip():
            continue
        block = next((tag for tag in string.parents if tag.name in BLOCKS), string.parent)
        if pieces and pieces[-1][0] is block:
            pieces[-1][1].append(string)
        else:
            pieces.append((block, [string]))
    sentences = []
    for _, strings in pieces:
        text = REFERENCE.sub("", " ".join("".join(strings).split()))
        for value in data:  # whole names only: a name "One" must not take the "One" of a sentence
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", "", text)
        text = " ".join(text.split()).strip(" –·:")
        if not re.search(r"[A-Za-z]", text):
            continue
        sentences.append(text if text[-1] in ".!?" else f"{text}.")
    return sentences


def measure(html: BeautifulSoup, data: list[str]) -> Measured:
    sentences = visible_sentences(html, data)
    return Measured(READABILITY.flesch_kincaid_grade(" ".join(sentences)), tuple(sentences))


# ------------------------------------------------------------ the pages, as a client sees them


def _fields(page: BeautifulSoup) -> dict[str, list[str]]:
    """The hidden fields of the page's last form (the one that moves on)."""
    fields: dict[str, list[str]] = {}
    for element in page.find_all("form")[-1].find_all("input", attrs={"type": "hidden"}):
        fields.setdefault(element["name"], []).append(element.get("value", ""))
    return fields


def _token(page: BeautifulSoup) -> str:
    return str(page.find("input", attrs={"name": "csrf_token"})["value"])


def _pages(client: FlaskClient, code: str) -> Iterator[tuple[str, BeautifulSoup]]:
    """Every page the reading grade covers, in the order a client meets them."""
    yield "home", client.get("/?lang=en").page
    yield "sign-in", client.get("/sign-in").page
    yield "privacy notice", client.get("/privacy-notice").page
    yield "partner agencies", client.get("/partner-agencies").page
    yield "complaint form", client.get("/complaint").page

    sign_in = client.get("/sign-in").page
    signing_in = {"csrf_token": _token(sign_in), "code": code, **DOB}
    assert client.post("/sign-in", data=signing_in).status_code == 303
    notice = client.get("/privacy-notice/acknowledge").page
    client.post("/privacy-notice/acknowledge", data={"csrf_token": _token(notice)})

    yield "my page", client.get("/my-page").page
    yield "my record", client.get("/my-record").page
    yield "who looked", client.get("/my-page/who-looked").page
    yield "printed copy", client.get("/my-record/printed-copy").page
    yield "sharing status", client.get("/sharing").page

    yield "correction choose", client.get("/my-record/correct").page
    url = "/my-record/correct/identity.first_name"
    form = client.get(url).page
    yield "correction form", form
    answers = {
        **_fields(form),
        "requested_value": "Clientina",
        "reason": "My name is spelled wrong.",
        "evidence": "",
    }
    check = client.post(url, data=answers, follow_redirects=True).page
    yield "correction check", check
    sent = client.post(f"{url}/send", data=_fields(check))
    assert sent.status_code == 303
    reference = sent.headers["Location"].split("/")[-2]
    yield "requests list", client.get("/my-requests").page
    yield "request page", client.get(f"/my-requests/{reference}").page

    read = client.get("/sharing/stop").page
    yield "sharing read", read
    sign = client.post(
        "/sharing/stop", data={**_fields(read), "step": "read"}, follow_redirects=True
    ).page
    yield "sharing sign", sign
    signed = {**_fields(sign), "step": "sign", "agree": "y", "signed_name": "Client One"}
    check = client.post("/sharing/stop", data=signed, follow_redirects=True).page
    yield "sharing check", check
    receipt = client.post("/sharing/stop/sign", data=_fields(check))
    assert receipt.status_code == 303
    yield "sharing receipt", client.get(receipt.headers["Location"]).page


PAGES = [
    *("home", "sign-in", "privacy notice", "partner agencies", "complaint form"),
    *("my page", "my record", "who looked", "printed copy", "sharing status"),
    *("correction choose", "correction form", "correction check", "requests list"),
    *("request page", "sharing read", "sharing sign", "sharing check", "sharing receipt"),
]


@pytest.fixture(scope="module")
def grades(app: Flask) -> dict[str, Measured]:
    """Sign in as a synthetic client and measure every page once for the module."""
    with Session(app.extensions["portal.engine"], expire_on_commit=False) as session:
        assert run_import(session, HMIS_CSV / "edge-fy2024-bom").succeeded
        load_demo_notice(session, DEMO_NOTICE)
        for kind, folder in DEMO_SHARING_FORMS.items():
            load_demo_versions(session, folder, kind)
        code = issue_access_code(session, PERSON, app.secret_key)
        session.commit()
        data = _data_values(session)
    client = app.test_client()
    measured = {name: measure(page, data) for name, page in _pages(client, code)}
    assert list(measured) == PAGES
    return measured


def _data_values(session: Session) -> list[str]:
    """Names the portal shows inside its own sentences: the client's, programs', agencies'."""
    values: set[str] = set()
    client = session.get(Client, PERSON)
    assert client is not None
    values.add(f"{client.first_name or ''} {client.last_name or ''}".strip())  # as "signed in as"
    for organization in session.scalars(select(Organization)):
        values.update(filter(None, (organization.name, organization.common_name)))
    for project in session.scalars(select(Project)):
        values.update(filter(None, (project.name, project.common_name)))
    return sorted(values, key=len, reverse=True)  # the longest first: "Shelter One" before "One"


# ------------------------------------------------------------------------------- the tests


def _table(grades: dict[str, Measured]) -> str:
    lines = [f"Reading grade (Flesch-Kincaid, target {TARGET:g} or lower):"]
    for name, measured in grades.items():
        mark = "" if measured.grade <= TARGET else "   <- above the target"
        lines.append(f"  {name:<20} {measured.grade:5.1f}{mark}")
    return "\n".join(lines)


def test_every_page_is_measured_and_the_grades_are_shown(
    grades: dict[str, Measured], capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    table = _table(grades)
    print(table)  # seen with `pytest -s`
    if request.config.getoption("capture") != "no":
        with capsys.disabled():  # seen in `make test` too, where xdist keeps a worker's prints
            sys.stderr.write(f"\n{table}\n")
    for name, measured in grades.items():
        words = sum(len(sentence.split()) for sentence in measured.sentences)
        assert words >= 10, f"{name}: only {words} words measured; is the page empty?"


@pytest.mark.parametrize("page", PAGES)
def test_client_page_reads_at_grade_6_or_lower(grades: dict[str, Measured], page: str) -> None:
    measured = grades[page]
    hardest = "\n".join(f"  {grade:5.1f}  {sentence}" for grade, sentence in measured.hardest())
    assert measured.grade <= TARGET, (
        f"{page} reads at grade {measured.grade:.1f}; its hardest sentences:\n{hardest}"
    )
