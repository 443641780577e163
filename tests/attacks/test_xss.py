"""Cross-site scripting: the corpus goes in through every free-text field a client or a staff
member can type, and through the HMIS record itself (a name as imported); then every place the
text is shown is read back: client pages, the staff request pages and queue, the record PDF, the
CSV and JSON downloads, the HMIS export.

In every HTML page nothing of a payload became an element or an attribute, each field's value is
on the page as the text it was typed, no template payload was run, and no CSV cell can start a
formula. The payloads are packed into a few rounds of values (the shortest limit is 200
characters), each value tagged with the field it went into, so that each field is found where it
must be shown.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.hmis.identity import record_identity_changes
from portal.hmis.models import Client
from portal.requests.models import Request
from portal.timeutil import utcnow
from tests.attacks.conftest import Browsers
from tests.attacks.corpus import (
    FORMULA_STARTS,
    as_stored,
    evaluated_templates,
    injected_markup,
    page_text,
    rounds,
    shown_as_text,
    template_needles,
)
from tests.attacks.forms import fill_in, submit
from tests.test_authorization_matrix import CLIENT_A, World

TAG_ROOM = 20  # " ~" and the longest field tag
# What the HMIS says about client A, as if typed into the HMIS of record and imported.
IMPORTED_FIRST = "<img src=x onerror=window.__xss=1> {{7*7}}"
IMPORTED_LAST = '"><script>window.__xss=1</script> =1+1'
# Where each tag must be shown as text, by the kind of request.
CLIENT_SEES = {
    "correction": (
        "requested_value",
        "reason",
        "evidence",
        "extension_reason",
        "message_text",
        "explanation",
        "corrected_value",
        "statement",
    ),
    "complaint": ("description", "contact_details"),
    "entered_correction": (
        "entered_current",
        "entered_requested",
        "entered_reason",
        "denial_explanation",
    ),
    "entered_complaint": ("entered_complaint",),
    "refusal": ("signed_name",),
    "entered_restore": ("entered_signed",),
}
STAFF_SEES = {
    "correction": (*CLIENT_SEES["correction"], "note"),
    "complaint": ("description", "contact_details", "name"),
    "anonymous_complaint": ("anon_description", "anon_contact", "anon_name"),
    "entered_correction": CLIENT_SEES["entered_correction"],
    "entered_complaint": CLIENT_SEES["entered_complaint"],
}
NEVER_TO_CLIENTS = ("note",)  # internal notes


@dataclass
class Typed:
    """What went in: per round, the value of each tag; and each request made, by kind."""

    values: list[dict[str, str]] = field(default_factory=list)
    requests: list[tuple[int, str, str]] = field(default_factory=list)  # round, kind, reference


def _value(chunk: str, tag: str) -> str:
    return f"{chunk} ~{tag}"


def _newest_reference(session: Session) -> str:
    session.expire_all()
    return session.scalars(select(Request.reference).order_by(Request.id.desc()).limit(1)).one()


class Attack:
    """Types the corpus in, as the people of the matrix's world, checking each page on the way."""

    def __init__(self, browsers: Browsers, session: Session) -> None:
        self.browsers, self.session = browsers, session
        self.typed = Typed()
        self.problems: list[str] = []
        self.pages = 0
        self.needles: list[tuple[str, str]] = []  # template payloads typed so far, had they run

    # ---------------------------------------------------------------- checks

    def check(self, response: TestResponse, where: str) -> TestResponse:
        """No markup from a payload, no template run; the page's text kept for expect_text."""
        assert response.status_code < 500, (where, response.status_code)
        if response.mimetype == "text/html":
            page = getattr(response, "page", None) or BeautifulSoup(
                response.get_data(as_text=True), "html.parser"
            )
            self.pages += 1
            self.problems += [f"{where}: {found}" for found in injected_markup(page)]
            text = page_text(page)
            self.problems += [f"{where}: {ran}" for ran, needle in self.needles if needle in text]
            response.shown_text = text  # type: ignore[attr-defined]
        return response

    def expect_text(
        self, response: TestResponse, where: str, tags: tuple[str, ...], r: int
    ) -> None:
        text = response.shown_text  # type: ignore[attr-defined]
        for tag in tags:
            if not shown_as_text(text, self.typed.values[r][tag]):
                self.problems.append(f"{where}: {tag} of round {r} is not shown as text")

    def expect_imported(self, response: TestResponse, where: str) -> None:
        """The client's name as the HMIS has it (a payload itself) is shown as text."""
        if not shown_as_text(response.shown_text, IMPORTED_FIRST):  # type: ignore[attr-defined]
            self.problems.append(f"{where}: the imported name is not shown as text")

    def _follow(self, user: str, response: TestResponse) -> TestResponse:
        """The page a step redirects to (Post/Redirect/Get), or the page itself."""
        if response.status_code == 303:
            return self.get(user, response.headers["Location"])
        return response

    def get(self, user: str, path: str, **kwargs: object) -> TestResponse:
        return self.check(self.browsers[user].get(path, **kwargs), f"{user} GET {path}")

    # ---------------------------------------------------------------- typing it in

    def _send(self, user: str, path: str, typed: dict[str, str | list[str]]) -> TestResponse:
        response = self.check(fill_in(self.browsers[user], path, typed), f"{user} POST {path}")
        return response

    def _submit(
        self,
        user: str,
        response: TestResponse,
        action: str,
        typed: dict[str, str | list[str]] | None = None,
        *,
        check_page: bool = True,
    ) -> TestResponse:
        page = response.page  # type: ignore[attr-defined]
        sent = submit(self.browsers[user], page, action, typed, check_page=check_page)
        return self.check(sent, f"{user} POST {action}")

    def _staff_actions(self, reference: str, actions: dict[str, dict[str, str]]) -> None:
        """Actions taken on the request page as it stands (so at most one that needs its
        version, the last)."""
        page = self.get("staff_a", f"/staff/requests/{reference}")
        for action, typed in actions.items():
            sent = self._submit("staff_a", page, f"/staff/requests/{reference}/{action}", typed)
            assert sent.status_code == 303, (action, sent.status_code)

    def round(self, r: int, chunk: str) -> None:
        tags = {tag for kinds in (CLIENT_SEES, STAFF_SEES) for ts in kinds.values() for tag in ts}
        v = {tag: _value(chunk, tag) for tag in sorted(tags)}
        self.typed.values.append(v)
        self.needles += template_needles(chunk)

        # The client asks for a correction: form, check page, send.
        path = "/my-record/correct/identity.last_name"
        typed = {k: v[k] for k in ("requested_value", "reason", "evidence")}
        check_page = self._send("client_a", path, typed)
        assert check_page.status_code == 303  # the check page is a page of its own
        check_page = self.get("client_a", check_page.headers["Location"])
        sent = self._submit("client_a", check_page, f"{path}/send")
        assert sent.status_code == 303, sent.status_code
        correction = _newest_reference(self.session)
        self.typed.requests.append((r, "correction", correction))
        # Staff work on it: a note, a message, more time, a partial approval.
        self._staff_actions(correction, {"extension": {"extension_reason": v["extension_reason"]}})
        decision = {
            "outcome": "partly_approved",
            "corrected_value": v["corrected_value"],
            "explanation": v["explanation"],
        }
        self._staff_actions(
            correction,
            {
                "notes": {"note": v["note"]},
                "messages": {"message_text": v["message_text"]},
                "decision": decision,
            },
        )
        # The client disagrees.
        statement = f"/my-requests/{correction}/statement"
        assert self._send("client_a", statement, {"statement": v["statement"]}).status_code == 303

        # A complaint, signed in and without signing in (from another device each round: a
        # device may send only a few complaints an hour without signing in).
        self.browsers["anonymous"] = self.browsers.fresh("anonymous")
        for user, kind in (("client_a", "complaint"), ("anonymous", "anonymous_complaint")):
            description, contact, name = (v[tag] for tag in STAFF_SEES[kind])
            complaint = {
                "category": "privacy",
                "description": description,
                "contact_method": "mail",  # a mailing address: any text (a phone is checked)
                "contact_details": contact,
                "name": name,
            }
            check_page = self._send(user, "/complaint", complaint)
            assert check_page.status_code == 303  # the check page is a page of its own
            check_page = self.get(user, check_page.headers["Location"])
            sent = self._submit(user, check_page, "/complaint/send")
            assert sent.status_code in (200, 303)
            self.typed.requests.append((r, kind, _newest_reference(self.session)))

        # The client signs the refusal form (with a "drawing" that is not one).
        page = self.get("client_a", "/sharing/stop")
        page = self._follow("client_a", self._submit("client_a", page, "/sharing/stop"))  # read
        who = {"covered": [CLIENT_A]}
        page = self._follow("client_a", self._submit("client_a", page, "/sharing/stop", who))
        # The signature must be the client's name (a payload itself, see IMPORTED_FIRST).
        v["signed_name"] = f"{IMPORTED_FIRST} {IMPORTED_LAST}"
        sign = {"agree": "y", "signed_name": v["signed_name"], "drawn_signature": chunk}
        page = self._follow("client_a", self._submit("client_a", page, "/sharing/stop", sign))
        assert page.status_code == 200
        signed = self._submit("client_a", page, "/sharing/stop/sign")
        assert signed.status_code == 303, signed.status_code
        self.typed.requests.append((r, "refusal", _newest_reference(self.session)))

        # Staff enter what the client brought on paper: a restore form, a complaint, a correction.
        enter = f"/staff/clients/{CLIENT_A}/requests/new"
        entries = {
            "entered_restore": {"type": "sharing_restore", "signed_name": v["entered_signed"]},
            "entered_complaint": {
                "type": "complaint",
                "details": v["entered_complaint"],
                "category": "privacy",
                "contact_method": "none",
            },
            "entered_correction": {
                "type": "correction",
                "item_key": "identity.name_suffix",
                "current_value": v["entered_current"],
                "requested_value": v["entered_requested"],
                "details": v["entered_reason"],
            },
        }
        for kind, typed in entries.items():
            sent = self._send("staff_a", enter, {"channel": "in_person", **typed})
            assert sent.status_code == 303, (kind, sent.status_code)
            self.typed.requests.append((r, kind, _newest_reference(self.session)))
        denial = {
            "outcome": "denied",
            "denial_reason": "accurate_complete",
            "explanation": v["denial_explanation"],
        }
        self._staff_actions(_newest_reference(self.session), {"decision": denial})


def _seed_imported_names(session: Session) -> None:
    client = session.get(Client, CLIENT_A)
    assert client is not None
    client.first_name, client.last_name = IMPORTED_FIRST, IMPORTED_LAST
    client.date_updated = utcnow()
    session.flush()
    record_identity_changes(session, [CLIENT_A], client.date_updated)
    session.commit()


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.removeprefix("\ufeff"))) for cell in row]


def _csv_problems(text: str, where: str) -> list[str]:
    return [
        f"{where}: cell {cell[:40]!r} starts a formula"
        for cell in _cells(text)
        if cell.startswith(FORMULA_STARTS)
    ]


def _json_strings(document: object) -> Iterator[str]:
    if isinstance(document, str):
        yield document
    elif isinstance(document, dict):
        for value in document.values():
            yield from _json_strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from _json_strings(value)


def _pdf_problems(body: bytes, where: str, expected: list[str]) -> list[str]:
    """The values are in the PDF's text, unrun; no file is attached and no link runs script.

    Text extraction returns letters the PDF's fonts lack as other letters, so each value is
    looked for word by word, in its words of plain ASCII ("<script>...</script>" among them)."""
    reader = PdfReader(io.BytesIO(body))
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    problems = [f"{where}: {e}" for value in expected for e in evaluated_templates(text, value)]
    flat = "".join(text.split())
    for value in expected:
        words = [w for w in as_stored(value).split() if w.isascii() and w.isprintable()]
        if missing := [word for word in words if word not in flat]:
            problems.append(f"{where}: {missing[:3]} not in the text")
    if reader.attachments:
        problems.append(f"{where}: files attached: {list(reader.attachments)}")
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            target = str(action.get_object().get("/URI", "")) if action is not None else ""
            if "xss" in target or target.lower().startswith(("javascript:", "file:", "data:")):
                problems.append(f"{where}: a link to {target}")
    return problems


def test_no_payload_typed_anywhere_runs_anywhere(
    db_session: Session, world: World, browsers: Browsers
) -> None:
    del world
    _seed_imported_names(db_session)
    attack = Attack(browsers, db_session)
    values = rounds(200 - TAG_ROOM)
    for r, chunk in enumerate(values):
        attack.round(r, chunk)
    typed, last, r = attack.typed, attack.typed.values[-1], len(values) - 1

    # Client pages: every request, the list, the record, the sharing page.
    for r, kind, reference in typed.requests:
        if kind == "anonymous_complaint":
            continue
        receipt = kind in ("refusal", "entered_restore")
        path = f"/sharing/receipt/{reference}" if receipt else f"/my-requests/{reference}"
        page = attack.get("client_a", path)
        assert page.status_code == 200, path
        attack.expect_text(page, f"client {path}", CLIENT_SEES[kind], r)
        for tag in NEVER_TO_CLIENTS:
            assert not shown_as_text(page.shown_text, typed.values[r][tag])  # type: ignore[attr-defined]
    for path in ("/my-page", "/my-requests", "/sharing", "/my-record/correct"):
        assert attack.get("client_a", path).status_code == 200, path
    record = attack.get("client_a", "/my-record")
    attack.expect_text(record, "client /my-record", ("corrected_value", "statement"), r)
    attack.expect_imported(record, "client /my-record")

    # Staff pages: every request as the HMIS lead (who sees them all), the queue, the client.
    for r, kind, reference in typed.requests:
        path = f"/staff/requests/{reference}"
        # As a page, and as htmx asks for it (once per kind: the same template).
        for headers in ({}, {"HX-Request": "true"}) if r == 0 else ({},):
            page = attack.get("hmis_lead", path, headers=headers)
            assert page.status_code == 200, path
            attack.expect_text(page, f"lead {path}", STAFF_SEES.get(kind, ()), r)
            if kind != "anonymous_complaint":
                attack.expect_imported(page, f"lead {path}")
    for user in ("hmis_lead", "staff_a"):
        for headers in ({}, {"HX-Request": "true"}):
            queue = attack.get(user, "/staff/queue", headers=headers)
            assert queue.status_code == 200
            attack.expect_imported(queue, f"{user} queue")
        assert attack.get(user, f"/staff/clients/{CLIENT_A}").status_code == 200

    # Files: the record as CSV, JSON and PDF, a receipt PDF, and the export to the HMIS.
    problems = attack.problems
    csv_body = browsers["client_a"].get("/my-record/download/csv").get_data(as_text=True)
    problems += _csv_problems(csv_body, "record CSV")
    if "'" + as_stored(last["corrected_value"]) not in _cells(csv_body):
        problems.append("record CSV: the corrected value is missing or not neutralised")
    download = browsers["client_a"].get("/my-record/download/json")
    assert download.mimetype == "application/json"
    strings = set(_json_strings(json.loads(download.get_data(as_text=True))))
    for value in (last["corrected_value"], last["statement"], IMPORTED_FIRST):
        if as_stored(value) not in strings:
            problems.append(f"record JSON: {value[:40]!r} is not one of its strings, unchanged")
    pdf = browsers["client_a"].get("/my-record/download/pdf").get_data()
    problems += _pdf_problems(pdf, "record PDF", [last["corrected_value"], last["statement"]])
    refusal = next(ref for r, kind, ref in reversed(typed.requests) if kind == "refusal")
    receipt = browsers["client_a"].get(f"/sharing/receipt/{refusal}/pdf").get_data()
    problems += _pdf_problems(receipt, "receipt PDF", [last["signed_name"]])

    exchange = attack.get("hmis_lead", "/staff/exchange")
    export = submit(
        browsers["hmis_lead"], exchange.page, "/staff/exchange/export", {"since": "2000-01-01"}
    )  # type: ignore[attr-defined]
    assert export.status_code == 200
    assert export.mimetype == "text/csv"
    exported = export.get_data(as_text=True)
    problems += _csv_problems(exported, "HMIS export")
    for by_tag in typed.values:
        if "'" + as_stored(by_tag["corrected_value"]) not in _cells(exported):
            problems.append("HMIS export: a corrected value is missing or not neutralised")

    assert problems == [], "\n".join(problems)
    assert attack.pages > 200
