"""What wrk sends for each benchmarked page, built from the signed-in browsers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from flask import Flask

from bench.load import Entry
from bench.visitors import SignedIn
from portal import db
from portal.client.record import client_record

NOTICE_PATH = "/privacy-notice"
RECORD_PATH = "/my-record"
PDF_PATH = "/my-record/download/pdf"
# Filtered as agency staff work it: corrections nobody has taken yet (open ones, by due date).
QUEUE_PATH = "/staff/queue?type=correction&assignee=nobody"
CHECKED_ITEM = "identity.first_name"
SENT_LOCATION = r"/sent$"  # a Lua pattern: the confirmation page of a new request


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    entries: list[Entry]
    expected_location: str = ""  # for POSTs that answer with a redirect
    # Sent before the measured run; one-time requests warm up with harmless ones instead.
    warmup_entries: list[Entry] | None = None


def _form(signed_in: SignedIn, **fields: str) -> str:
    return urlencode({"csrf_token": signed_in.csrf_token, **fields})


def _correction_answers() -> dict[str, str]:
    return {
        "submission_key": secrets.token_urlsafe(32),
        "requested_value": "Synthetic corrected value",
        "reason": "Synthetic reason typed by the benchmark.",
        "evidence": "",
    }


def ceiling() -> Scenario:
    return Scenario("ceiling", "ceiling (bare Flask)", [Entry("GET", "/")])


def notice() -> Scenario:
    return Scenario("notice", "public notice", [Entry("GET", NOTICE_PATH)])


def record(clients: list[SignedIn]) -> Scenario:
    entries = [Entry("GET", RECORD_PATH, c.cookie) for c in clients]
    return Scenario("record", "signed-in record", entries)


def queue(staff: list[SignedIn]) -> Scenario:
    entries = [Entry("GET", QUEUE_PATH, s.cookie) for s in staff]
    return Scenario("queue", "staff queue (filtered)", entries)


def pdf(clients: list[SignedIn], key: str = "pdf", label: str = "record PDF") -> Scenario:
    return Scenario(key, label, [Entry("GET", PDF_PATH, c.cookie) for c in clients])


def correction_check(clients: list[SignedIn]) -> Scenario:
    """The correction form's own POST: validated, answered with the check-your-answers page."""
    path = f"/my-record/correct/{CHECKED_ITEM}"
    entries = [Entry("POST", path, c.cookie, _form(c, **_correction_answers())) for c in clients]
    return Scenario("correction_check", "correction form POST", entries)


def correction_send(clients: list[SignedIn], items: dict[str, list[tuple[str, str]]]) -> Scenario:
    """The check page's send button: each POST makes a new correction request (one per item
    and client, so each entry is sent once; wrk wraps around if the run outlasts them, and
    those refusals are counted apart)."""
    entries = []
    deepest = max((len(found) for found in items.values()), default=0)
    for depth in range(deepest):  # client by client, so that neighbours are different people
        for client in clients:
            found = items[client.personal_id or ""]
            if depth < len(found):
                key, fingerprint = found[depth]
                body = _form(client, **_correction_answers(), seen_value=fingerprint)
                path = f"/my-record/correct/{quote(key)}/send"
                entries.append(Entry("POST", path, client.cookie, body))
    return Scenario(
        "correction_send",
        "correction send POST (writes)",
        entries,
        expected_location=SENT_LOCATION,
        warmup_entries=correction_check(clients).entries,
    )


def correctable_items(app: Flask, personal_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    """(item key, fingerprint) of every item each client may ask to fix: what the check page's
    hidden seen_value carries, from the portal's own record builder."""
    found: dict[str, list[tuple[str, str]]] = {}
    with app.test_request_context():
        session = db.session()
        for personal_id in personal_ids:
            built = client_record(session, personal_id)
            items = built.items() if built else []
            found[personal_id] = [(i.key, i.fingerprint) for i in items if i.correctable]
    return found
