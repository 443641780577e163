"""What wrk sends for each benchmarked page, built from the signed-in browsers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from flask import Flask

from bench.load import Entry
from bench.visitors import SignedIn
from portal import db
from portal.client.record import Item, client_record
from portal.hmis import items

NOTICE_PATH = "/privacy-notice"
RECORD_PATH = "/my-record"
PDF_PATH = "/my-record/download/pdf"
# Filtered as agency staff work it: corrections nobody has taken yet (open ones, by due date).
QUEUE_PATH = "/staff/queue?type=correction&assignee=nobody"
CHECKED_ITEM = "identity.first_name"
SENT_LOCATION = r"/sent$"  # a Lua pattern: the confirmation page of a new request
CHECK_LOCATION = r"/check%?key="  # a Lua pattern: the check page of the answers kept


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
    """The correction form's own POST: validated, its answers kept, and answered with a redirect
    to the check-your-answers page (Post/Redirect/Get)."""
    path = f"/my-record/correct/{CHECKED_ITEM}"
    entries = [
        Entry("POST", path, c.cookie, _form(c, **_correction_answers(), requested_value="Fixd"))
        for c in clients  # each its own form: a key of its own (a draft is one person's)
    ]
    return Scenario(
        "correction_check", "correction form POST", entries, expected_location=CHECK_LOCATION
    )


def correction_send(clients: list[SignedIn], items: dict[str, list[Correctable]]) -> Scenario:
    """The check page's send button: each POST makes a new correction request (one per item
    and client, so each entry is sent once; wrk wraps around if the run outlasts them, and
    those refusals are counted apart). Each item is answered as its form asks: a name or text
    typed, a date in three boxes, a coded item with one of HUD's choices."""
    entries = []
    deepest = max((len(found) for found in items.values()), default=0)
    for depth in range(deepest):  # client by client, so that neighbours are different people
        for client in clients:
            found = items[client.personal_id or ""]
            if depth < len(found):
                item = found[depth]
                body = _form(client, **_correction_answers(), **item.answers)
                path = f"/my-record/correct/{quote(item.key)}/send"
                entries.append(Entry("POST", path, client.cookie, body))
    return Scenario(
        "correction_send",
        "correction send POST (writes)",
        entries,
        expected_location=SENT_LOCATION,
        warmup_entries=correction_check(clients).entries,
    )


@dataclass(frozen=True)
class Correctable:
    key: str
    answers: dict[str, str]  # the new value as the item's form takes it, and seen_value


def _new_value(
    item: Item, kind: items.Kind, entry: items.RecordItem, standards: str
) -> dict[str, str] | None:
    """A new value for the item, different from what the record says, in its form's fields;
    None when there is none to choose (a coded item without HUD choices in this version)."""
    if kind is items.Kind.DATE:
        day = "2001-01-02" if item.plain != "2001-01-02" else "2001-01-03"
        year, month, date = day.split("-")
        return {"new_month": month.lstrip("0"), "new_day": date.lstrip("0"), "new_year": year}
    if kind is items.Kind.CODED:
        now = {value.choice for value in item.coded}
        other = next((code for code in entry.allowed_codes(standards) if code not in now), None)
        return {"new_code": other} if other is not None else None
    return {"requested_value": "Synthetic corrected value"}


def correctable_items(app: Flask, personal_ids: list[str]) -> dict[str, list[Correctable]]:
    """Every item each client may ask to fix (the SSN aside: it takes nine digits), with a new
    value in its form's fields and the fingerprint the check page's hidden seen_value carries,
    from the portal's own record builder and registry of record items."""
    found: dict[str, list[Correctable]] = {}
    with app.test_request_context():
        session = db.session()
        for personal_id in personal_ids:
            built = client_record(session, personal_id)
            shown = built.items() if built else []
            found[personal_id] = []
            for item in shown:
                entry = items.entry_for(item.key)
                if not item.correctable or entry is None or item.key.endswith(".ssn"):
                    continue
                assert built is not None
                answers = _new_value(item, entry.kind, entry, built.data_standards)
                if answers is None:
                    continue
                answers["seen_value"] = item.fingerprint
                found[personal_id].append(Correctable(item.key, answers))
    return found
