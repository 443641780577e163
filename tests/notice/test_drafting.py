"""The HMIS lead drafts, previews and publishes new versions of the notice, the sharing forms and
the staff policy: drafts stay private, the preview is the public rendering, a published version
never changes, and a new version asks clients and staff again from its effective date."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.accounts.models import Role, StaffUser
from portal.accounts.policy import POLICY, policy_to_accept
from portal.audit.models import AuditEntry
from portal.notice import drafting
from portal.notice import services as notice_services
from portal.notice.models import NoticeText, NoticeVersion
from portal.notice.rendering import render_markdown
from portal.notice.services import current_version, needs_acknowledgement, published_versions
from portal.sharing.services import REFUSAL_FORM
from portal.timeutil import utcnow
from tests.accounts.staff import (
    AGENCY_A,
    csrf_token,
    hmis_world,
    make_staff,
    policy_version,
    post_form,
    sign_in_as,
)
from tests.factories import notice_version
from tests.fixtures.clients import PERSON, SignIn, signed_in_client

VERSIONS = "/staff/versions"
NEW_NOTICE = "/staff/versions/privacy-notice/new"
HTMX = {"HX-Request": "true"}
UNSAFE = "## Rights\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) and **bold**"


def _today() -> dt.date:
    return utcnow().date()


def _texts(languages: tuple[str, ...] = ("en", "es", "pl"), tag: str = "new") -> dict[str, str]:
    fields = {}
    for code in languages:
        fields[f"{code}_summary_of_changes"] = f"What changed, {tag} [{code}]"
        fields[f"{code}_in_short"] = f"- In short, {tag} [{code}]"
        fields[f"{code}_body"] = f"## Section [{code}]\n\nBody {tag} [{code}]."
    return fields


def _date(day: dt.date) -> dict[str, str]:
    return {
        "effective_month": str(day.month),
        "effective_day": str(day.day),
        "effective_year": str(day.year),
    }


def _form(
    day: dt.date | None = None, languages: tuple[str, ...] = ("en", "es", "pl"), tag: str = "new"
) -> dict[str, str]:
    return {**_date(day or _today()), **_texts(languages, tag)}


@pytest.fixture
def lead_user(db_session: Session) -> StaffUser:
    return make_staff(db_session, Role.HMIS_LEAD, "lead@county.example")


@pytest.fixture
def lead(app: Flask, db_session: Session, lead_user: StaffUser) -> FlaskClient:
    return sign_in_as(app, db_session, lead_user)


def _save_new(
    lead: FlaskClient, data: dict[str, str], kind: str = "privacy-notice"
) -> TestResponse:
    return post_form(lead, f"/staff/versions/{kind}/new", {"action": "save", **data})


def _new_draft(
    lead: FlaskClient,
    db_session: Session,
    day: dt.date | None = None,
    languages: tuple[str, ...] = ("en", "es", "pl"),
    tag: str = "new",
) -> NoticeVersion:
    response = _save_new(lead, _form(day, languages, tag))
    assert response.status_code == 303, response.get_data(as_text=True)
    version_id = int(response.headers["Location"].split("/")[-2])
    version = db_session.get(NoticeVersion, version_id)
    assert version is not None
    return version


def _post(
    lead: FlaskClient,
    path: str,
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> TestResponse:
    """POST as the page's form would, with this browser's CSRF token."""
    token = csrf_token(lead, VERSIONS)
    return lead.post(path, data={"csrf_token": token, **(data or {})}, headers=headers or {})


WHAT_CHANGED = {f"what_changed_{code}": f"What changed [{code}]" for code in ("en", "es", "pl")}


def _publish(lead: FlaskClient, version: NoticeVersion, **data: str) -> TestResponse:
    """Publish as the lead would, writing what changed in each language (required)."""
    return _post(
        lead, f"/staff/versions/{version.id}/publish", {"confirm": "1", **WHAT_CHANGED, **data}
    )


def _typed(page: BeautifulSoup, field_id: str) -> str:
    """What a text area holds (HTML drops the newline WTForms puts first)."""
    return page.find(id=field_id).get_text().removeprefix("\r\n")


def _audit(db_session: Session, action: str) -> list[AuditEntry]:
    return list(db_session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# ---------------------------------------------------------------- drafting


def test_the_list_shows_every_kind_with_its_versions_and_drafts(
    lead: FlaskClient, db_session: Session
) -> None:
    notice_version(db_session, number=1, effective_date=dt.date(2009, 10, 1))
    notice_version(db_session, number=2, effective_date=dt.date(2021, 1, 1))
    draft = _new_draft(lead, db_session)
    page = lead.get(VERSIONS).page
    assert page.find("h1").get_text(strip=True) == "Notice and form versions"
    assert [h2.get_text(strip=True) for h2 in page.select("main section > h2")] == [
        "Privacy notice",
        "Client Data Sharing Refusal Form",
        "Client Data Sharing Restore Form",
        "End User Policy and Code of Ethics",
        "Consent to identified research",
        "Consent to another use or disclosure",
    ]
    notice = page.select_one("section[aria-labelledby=kind-privacy-notice]")
    rows = [row.find("th").get_text(strip=True) for row in notice.select("tbody tr")]
    assert rows == ["Version 2", "Version 1"]
    assert notice.select("tbody tr")[0].select("td")[-1].get_text(strip=True) == "In effect"
    drafts = notice.select(".link-list a")
    assert [a.get_text(strip=True) for a in drafts] == ["Draft of version 3"]
    assert drafts[0]["href"] == f"/staff/versions/{draft.id}/edit"
    new_links = [a["href"] for a in page.select("main a.button")]
    assert new_links == [
        "/staff/versions/privacy-notice/new",
        "/staff/versions/sharing-refusal/new",
        "/staff/versions/sharing-restore/new",
        "/staff/versions/end-user-policy/new",
        "/staff/versions/consent-research/new",
        "/staff/versions/consent-other/new",
    ]
    assert lead.get("/staff/versions/no-such-kind/new").status_code == 404


def test_a_saved_draft_is_invisible_to_the_public(
    client: FlaskClient, lead: FlaskClient, db_session: Session
) -> None:
    notice_version(db_session, number=1)
    response = _save_new(lead, _form(tag="secret draft"))
    assert response.status_code == 303
    draft = db_session.scalars(
        select(NoticeVersion).where(NoticeVersion.published_at.is_(None))
    ).one()
    assert response.headers["Location"] == f"/staff/versions/{draft.id}/edit"
    assert {text.language for text in draft.texts} == {"en", "es", "pl"}
    saved = lead.get(response.headers["Location"]).page
    assert "The draft is saved" in saved.select_one(".alert--success").get_text()
    assert _typed(saved, "en_body") == "## Section [en]\n\nBody secret draft [en]."

    public = client.get("/privacy-notice").page
    assert "Body of version 1 [en]." in public.select_one(".notice-body").get_text()
    assert "secret draft" not in client.get("/privacy-notice").get_data(as_text=True)
    history = client.get("/privacy-notice/versions").page
    assert [a.get_text() for a in history.select(".version-list__title a")] == ["Version 1"]
    assert "secret draft" not in client.get("/privacy-notice/versions").get_data(as_text=True)
    assert client.get("/privacy-notice/versions/2").status_code == 404
    assert [v.number for v in published_versions(db_session)] == [1]
    entry = _audit(db_session, "notice.draft_saved")[0]
    assert (entry.object_type, entry.object_id) == ("notice_version", str(draft.id))


def test_a_draft_can_be_saved_again_and_a_language_emptied(
    lead: FlaskClient, db_session: Session
) -> None:
    draft = _new_draft(lead, db_session)
    later = _today() + dt.timedelta(days=30)
    edited = {**_form(later, languages=("en", "es"), tag="second"), "action": "save"}
    response = post_form(lead, f"/staff/versions/{draft.id}/edit", edited)
    assert response.status_code == 303
    db_session.expire_all()
    again = db_session.get(NoticeVersion, draft.id)
    assert again is not None
    assert again.effective_date == later
    assert again.published_at is None
    texts = {text.language: text for text in again.texts}
    assert set(texts) == {"en", "es"}
    assert texts["es"].body == "## Section [es]\n\nBody second [es]."
    assert len(_audit(db_session, "notice.draft_saved")) == 2
    assert db_session.scalar(select(NoticeVersion.id).where(NoticeVersion.id != draft.id)) is None


def test_a_new_version_starts_from_the_newest_published_text(
    lead: FlaskClient, db_session: Session
) -> None:
    notice_version(db_session, number=1, effective_date=dt.date(2009, 10, 1))
    notice_version(db_session, number=2, languages=("en", "es"))
    page = lead.get(NEW_NOTICE).page
    assert "starts from the text of version 2" in page.select_one("#copied-from").get_text()
    assert _typed(page, "es_body") == "## Section [es]\n\nBody of version 2 [es]."
    assert _typed(page, "en_in_short") == "- Short point of version 2 [en]"
    assert _typed(page, "en_summary_of_changes") == ""  # what changed is new to write
    assert _typed(page, "pl_body") == ""
    assert not page.find(id="effective_month").get("value")
    # The policy has no version yet: its first draft starts empty.
    empty = lead.get("/staff/versions/end-user-policy/new").page
    assert empty.select_one("#copied-from") is None
    assert _typed(empty, "en_body") == ""


def test_errors_are_shown_next_to_their_fields_and_nothing_typed_is_lost(
    lead: FlaskClient, db_session: Session
) -> None:
    typed = _form(languages=("en", "es"))
    typed["en_body"] = "   "
    typed["es_in_short"] = ""
    typed["effective_month"] = "13"
    response = _save_new(lead, typed)
    assert response.status_code == 200
    page = response.page
    assert page.title.get_text().startswith("Error:")
    links = [a["href"] for a in page.select(".error-summary a")]
    assert links == ["#effective_month", "#en_body", "#es_in_short"]
    assert "Enter the full text in English." in page.select_one(".error-summary").get_text()
    spanish = page.find(id="es_in_short")
    assert spanish["aria-invalid"] == "true"
    assert "es_in_short-error" in spanish["aria-describedby"].split()
    assert "Enter the plain summary in Spanish too" in page.find(id="es_in_short-error").get_text()
    # Everything typed is still there, in its own language.
    assert _typed(page, "es_body") == typed["es_body"]
    assert page.find(id="es_body")["lang"] == "es"
    assert page.find(id="effective_month")["value"] == "13"
    assert page.find(id="effective_year")["value"] == typed["effective_year"]
    # Polish was left empty: no error, its readers will get English.
    assert page.find(id="pl_body").get("aria-invalid") is None
    assert db_session.scalar(select(NoticeVersion.id)) is None


def test_limits_are_stated_and_enforced(lead: FlaskClient, db_session: Session) -> None:
    form = lead.get(NEW_NOTICE).page
    assert "Up to 100,000 characters." in form.find(id="en_body-hint").get_text()
    assert "Up to 1,000 characters." in form.find(id="en_summary_of_changes-hint").get_text()
    too_long = {**_form(), "pl_body": "x" * 100_001}
    response = _save_new(lead, too_long)
    assert response.status_code == 200
    assert response.page.find(id="pl_body-error").get_text(" ", strip=True) == (
        "Error: The full text in Polish can be at most 100,000 characters. Shorten it."
    )
    assert _typed(response.page, "pl_body") == "x" * 100_001
    assert db_session.scalar(select(NoticeVersion.id)) is None


def test_the_effective_date_is_today_or_later_and_never_before_the_newest_version(
    lead: FlaskClient, db_session: Session
) -> None:
    yesterday = _today() - dt.timedelta(days=1)
    response = _save_new(lead, _form(yesterday))
    assert "cannot be in the past" in response.page.find(id="effective-error").get_text()
    notice_version(db_session, number=4, effective_date=_today() + dt.timedelta(days=60))
    response = _save_new(lead, _form(_today() + dt.timedelta(days=10)))
    assert response.status_code == 200
    assert "Version 4 takes effect on" in response.page.find(id="effective-error").get_text()
    assert _save_new(lead, _form(_today() + dt.timedelta(days=60))).status_code == 303


# ---------------------------------------------------------------- preview


def test_the_preview_is_the_public_rendering_and_is_sanitised(
    client: FlaskClient, lead: FlaskClient, db_session: Session
) -> None:
    draft = _new_draft(lead, db_session)
    typed = {**_form(), "en_body": UNSAFE, "en_in_short": "- one\n- <b>two</b>", "preview": "en"}
    response = _post(lead, f"/staff/versions/{draft.id}/preview", typed, headers=HTMX)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    fragment = response.page
    assert fragment.find("html") is None  # a fragment, not a page
    region = fragment.select_one("#preview-en")
    body = region.select_one(".notice-body")
    assert body.decode_contents() == str(render_markdown(UNSAFE))
    in_short = region.select_one(".summary-box")
    assert in_short.find("h4").extract().get_text() == "In short"
    assert in_short.decode_contents().strip() == str(render_markdown("- one\n- <b>two</b>")).strip()
    assert in_short.find("b") is None
    assert body.find("script") is None
    assert body.find("a") is None
    assert not fragment.find_all(href=True)
    # Nothing typed in the preview is saved.
    db_session.expire_all()
    assert "Rights" not in {t.body for t in db_session.get(NoticeVersion, draft.id).texts}

    # Saved and published, the public page shows exactly what the preview showed.
    save = {**_form(), "en_body": UNSAFE, "action": "save"}
    assert post_form(lead, f"/staff/versions/{draft.id}/edit", save).status_code == 303
    assert _publish(lead, draft).status_code == 303
    public = client.get("/privacy-notice").page.select_one(".notice-body")
    assert public.decode_contents().strip() == body.decode_contents().strip()


def test_the_preview_shows_each_language_with_its_own_headings(
    lead: FlaskClient, db_session: Session
) -> None:
    draft = _new_draft(lead, db_session)
    typed = {**_form(languages=("en", "es")), "preview": "es"}
    spanish = _post(lead, f"/staff/versions/{draft.id}/preview", typed, headers=HTMX).page
    region = spanish.select_one("#preview-es")
    assert region.select_one("div[lang=es] .summary-box h4").get_text() == "En resumen"
    assert "Body new [es]." in region.select_one(".notice-body").get_text()
    typed["preview"] = "pl"
    polish = _post(lead, f"/staff/versions/{draft.id}/preview", typed, headers=HTMX).page
    note = polish.select_one("#preview-pl .alert--warning")
    assert note["lang"] == "pl"
    assert "nie jest jeszcze dostępna w Twoim języku" in note.get_text()


def test_preview_works_without_javascript_and_on_a_new_draft(
    lead: FlaskClient, db_session: Session
) -> None:
    typed = {**_form(), "en_body": "## Typed, not saved\n\n*Yes*", "preview": "all"}
    page = post_form(lead, NEW_NOTICE, typed).page
    assert page.find("h1").get_text(strip=True) == "Privacy notice: new version"
    body = page.select_one("#preview-en .notice-body")
    assert body.decode_contents() == str(render_markdown(typed["en_body"]))
    assert page.select_one("#preview-es .notice-body h2").get_text() == "Section [es]"
    assert _typed(page, "en_body") == typed["en_body"]
    assert db_session.scalar(select(NoticeVersion.id)) is None
    # The htmx request of a new draft's page gets the fragment of one language.
    typed["preview"] = "en"
    fragment = _post(lead, NEW_NOTICE, typed, headers=HTMX).page
    assert fragment.find("html") is None
    assert fragment.select_one("#preview-en .notice-body h2").get_text() == "Typed, not saved"
    assert db_session.scalar(select(NoticeVersion.id)) is None


def test_the_form_asks_htmx_for_a_preview_as_the_lead_types(
    lead: FlaskClient, db_session: Session
) -> None:
    draft = _new_draft(lead, db_session)
    page = lead.get(f"/staff/versions/{draft.id}/edit").page
    fieldset = page.select_one("fieldset#text-es")
    assert fieldset["data-hx-post"] == f"/staff/versions/{draft.id}/preview"
    assert fieldset["data-hx-trigger"] == "input changed delay:500ms"
    assert fieldset["data-hx-target"] == "#preview-es"
    assert fieldset["data-hx-vals"] == '{"preview": "es"}'
    assert not [
        attribute
        for tag in page.find_all(True)
        for attribute in tag.attrs
        if attribute.startswith("hx-")
    ]
    assert page.select_one("#preview-es .notice-body h2").get_text() == "Section [es]"
    buttons = {b.get_text(strip=True): b for b in page.select("main form button")}
    assert buttons["Preview"]["name"] == "preview"


# ---------------------------------------------------------------- publishing


def test_a_version_for_a_later_date_takes_effect_on_that_date(
    client: FlaskClient,
    lead: FlaskClient,
    db_session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = notice_version(db_session, number=1, effective_date=dt.date(2021, 1, 1))
    start = _today() + dt.timedelta(days=10)
    draft = _new_draft(lead, db_session, day=start, tag="coming")
    check = _post(lead, f"/staff/versions/{draft.id}/publish")
    assert check.status_code == 200
    assert check.page.find("h1").get_text(strip=True) == "Publish version 2: Privacy notice"
    summary = check.page.select_one(".summary-list").get_text()
    assert "Until then the version in effect now stays in use." in summary
    assert f"{start.year}" in summary
    assert check.page.select_one("input[name=fallback_confirmed]") is None  # nothing missing
    db_session.expire_all()
    assert db_session.get(NoticeVersion, draft.id).published_at is None  # only checked

    published = _publish(lead, draft)
    assert published.status_code == 303
    assert published.headers["Location"] == VERSIONS
    db_session.expire_all()
    version = db_session.get(NoticeVersion, draft.id)
    assert version is not None
    assert version.number == 2
    assert version.published_at is not None
    assert not version.english_fallback_confirmed
    entry = _audit(db_session, "notice.published")[0]
    assert (entry.object_type, entry.object_id) == ("notice_version", str(draft.id))
    listed = lead.get(VERSIONS).page
    assert "is published. It takes effect on" in listed.select_one(".alert--success").get_text()

    assert current_version(db_session, start - dt.timedelta(days=1)).id == old.id
    assert current_version(db_session, start).id == version.id
    assert "Body of version 1 [en]." in client.get("/privacy-notice").page.get_text()
    day_before = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(23, 59))
    monkeypatch.setattr(notice_services, "utcnow", lambda: day_before)
    assert "Body of version 1 [en]." in client.get("/privacy-notice").page.get_text()
    monkeypatch.setattr(notice_services, "utcnow", lambda: day_before + dt.timedelta(minutes=1))
    page = client.get("/privacy-notice").page
    assert "Body coming [en]." in page.select_one(".notice-body").get_text()
    history = [a.get_text() for a in page.select("a")]
    assert "Earlier versions and what changed" in history


def test_numbers_follow_the_order_of_publication(
    app: Flask, db_session: Session, lead: FlaskClient
) -> None:
    notice_version(db_session, number=1)
    first_draft = _new_draft(lead, db_session, tag="first")
    second_draft = _new_draft(lead, db_session, tag="second")
    assert _publish(lead, second_draft).status_code == 303
    assert _publish(lead, first_draft).status_code == 303
    db_session.expire_all()
    assert db_session.get(NoticeVersion, second_draft.id).number == 2
    assert db_session.get(NoticeVersion, first_draft.id).number == 3
    assert current_version(db_session).id == first_draft.id


def test_a_new_notice_asks_a_client_who_acknowledged_the_old_one_again(
    client: FlaskClient, code: str, sign_in: SignIn, lead: FlaskClient, db_session: Session
) -> None:
    signed_in_client(client, sign_in, code)  # acknowledges version 1
    assert client.get("/my-page").status_code == 200
    assert needs_acknowledgement(db_session, PERSON) is None

    draft = _new_draft(lead, db_session, tag="again")
    assert _publish(lead, draft).status_code == 303
    db_session.expire_all()
    assert needs_acknowledgement(db_session, PERSON).id == draft.id

    # Signed in already: the very next page asks. And at the next sign-in it asks first.
    assert client.get("/my-page").headers["Location"] == "/privacy-notice/acknowledge"
    token = client.get("/privacy-notice").page.select_one("form.sign-out input[name=csrf_token]")
    assert client.post("/sign-out", data={"csrf_token": token["value"]}).status_code == 303
    assert client.get("/my-page").headers["Location"] == "/sign-in"
    assert sign_in(code).status_code == 303
    assert client.get("/my-page").headers["Location"] == "/privacy-notice/acknowledge"
    page = client.get("/privacy-notice/acknowledge").page
    assert "Body again [en]." in page.select_one(".notice-body").get_text()
    token = page.select_one("main form input[name=csrf_token]")["value"]
    assert client.post("/privacy-notice/acknowledge", data={"csrf_token": token}).status_code == 303
    assert client.get("/my-page").status_code == 200


def test_a_new_policy_version_asks_staff_to_accept_it(
    app: Flask, db_session: Session, lead_user: StaffUser
) -> None:
    hmis_world(db_session)
    first = policy_version(db_session)
    worker = make_staff(db_session, Role.AGENCY_STAFF, "worker@a.example", AGENCY_A)
    staff = sign_in_as(app, db_session, worker)
    post_form(staff, "/staff/policy", {"accept": "y", "version_id": str(first.id)})
    assert staff.get("/staff").status_code == 200
    lead = sign_in_as(app, db_session, lead_user)
    post_form(lead, "/staff/policy", {"accept": "y", "version_id": str(first.id)})

    response = _save_new(lead, _form(tag="policy two"), kind="end-user-policy")
    assert response.status_code == 303
    draft = db_session.scalars(
        select(NoticeVersion).where(
            NoticeVersion.kind == POLICY, NoticeVersion.published_at.is_(None)
        )
    ).one()
    assert staff.get("/staff").status_code == 200  # a draft asks nobody
    assert _publish(lead, draft).status_code == 303
    db_session.expire_all()
    assert policy_to_accept(db_session, worker).id == draft.id
    assert staff.get("/staff").headers["Location"] == "/staff/policy"
    page = staff.get("/staff/policy").page
    assert "What changed, policy two [en]" in page.select_one(".summary-box").get_text()


def test_sharing_forms_get_new_versions_the_same_way(
    lead: FlaskClient, db_session: Session
) -> None:
    response = _save_new(lead, _form(tag="refusal"), kind="sharing-refusal")
    assert response.status_code == 303
    draft = db_session.scalars(select(NoticeVersion)).one()
    assert draft.kind == REFUSAL_FORM
    assert current_version(db_session, kind=REFUSAL_FORM) is None
    assert _publish(lead, draft).status_code == 303
    db_session.expire_all()
    published = current_version(db_session, kind=REFUSAL_FORM)
    assert published is not None
    assert published.number == 1


def test_a_missing_language_needs_the_english_fallback_confirmed(
    client: FlaskClient, lead: FlaskClient, db_session: Session
) -> None:
    notice_version(db_session, number=1, effective_date=dt.date(2021, 1, 1))
    draft = _new_draft(lead, db_session, languages=("en", "es"), tag="two languages")
    check = _post(lead, f"/staff/versions/{draft.id}/publish").page
    languages = [li.get_text(" ", strip=True) for li in check.select(".summary-list ul li")]
    assert languages == [
        "English: written",
        "Español: written",
        "Polski: not written: its readers get the English text",
    ]
    box = check.select_one("input[name=fallback_confirmed]")
    label = check.find("label", attrs={"for": box["id"]}).get_text(strip=True)
    assert label.startswith("I confirm: readers of Polish get the English text")

    refused = _publish(lead, draft)
    assert refused.status_code == 200
    assert refused.page.title.get_text().startswith("Error:")
    assert refused.page.select_one(".error-summary a")["href"] == "#fallback_confirmed"
    assert refused.page.find(id="fallback_confirmed")["aria-invalid"] == "true"
    db_session.expire_all()
    assert db_session.get(NoticeVersion, draft.id).published_at is None
    with pytest.raises(drafting.FallbackNotConfirmed):
        drafting.publish(
            db_session, db_session.get(NoticeVersion, draft.id), fallback_confirmed=False
        )
    db_session.rollback()

    assert _publish(lead, draft, fallback_confirmed="y").status_code == 303
    db_session.expire_all()
    version = db_session.get(NoticeVersion, draft.id)
    assert version.published_at is not None
    assert version.english_fallback_confirmed

    polish = client.get("/privacy-notice?lang=pl").page
    assert (
        "nie jest jeszcze dostępna w Twoim języku"
        in polish.select_one(".alert--warning").get_text()
    )
    assert polish.select_one(".notice-body")["lang"] == "en"
    assert "Body two languages [en]." in polish.select_one(".notice-body").get_text()
    spanish = client.get("/privacy-notice?lang=es").page
    assert spanish.select_one(".alert--warning") is None
    assert "Body two languages [es]." in spanish.select_one(".notice-body").get_text()


def test_a_draft_whose_date_has_passed_is_not_published(
    lead: FlaskClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = _new_draft(lead, db_session)
    tomorrow = utcnow() + dt.timedelta(days=1)
    monkeypatch.setattr(drafting, "utcnow", lambda: tomorrow)
    response = _publish(lead, draft)
    assert response.status_code == 200
    assert "cannot be in the past" in response.page.select_one(".error-summary").get_text()
    assert response.page.select_one("form[action$='/publish']") is None
    db_session.expire_all()
    assert db_session.get(NoticeVersion, draft.id).published_at is None


# ---------------------------------------------------------------- immutability, deleting


def test_published_versions_never_change(
    app: Flask, lead: FlaskClient, db_session: Session
) -> None:
    draft = _new_draft(lead, db_session, tag="final")
    assert _publish(lead, draft).status_code == 303
    db_session.expire_all()
    version = db_session.get(NoticeVersion, draft.id)
    published_at = version.published_at
    edit = f"/staff/versions/{draft.id}/edit"

    refused = lead.get(edit)
    assert refused.status_code == 303
    assert refused.headers["Location"] == VERSIONS
    message = lead.get(VERSIONS).page.select_one(".alert--warning").get_text()
    assert "Published versions never change" in message
    attempts = [
        (edit, {**_form(tag="changed"), "action": "save"}),
        (f"/staff/versions/{draft.id}/preview", {**_form(tag="changed"), "preview": "en"}),
        (f"/staff/versions/{draft.id}/delete", {"confirm": "1"}),
        (f"/staff/versions/{draft.id}/publish", {"confirm": "1"}),
    ]
    for path, data in attempts:
        response = _post(lead, path, data)
        assert response.status_code == 303, path
        assert response.headers["Location"] == VERSIONS
        htmx = _post(lead, path, data, headers=HTMX)
        assert htmx.headers["HX-Redirect"] == VERSIONS
    db_session.expire_all()
    version = db_session.get(NoticeVersion, draft.id)
    assert version.published_at == published_at
    assert version.number == 1
    assert {t.body for t in version.texts} == {
        f"## Section [{c}]\n\nBody final [{c}]." for c in ["en", "es", "pl"]
    }
    assert len(_audit(db_session, "notice.published")) == 1
    # The services refuse too, whoever calls them.
    with app.app_context():
        with pytest.raises(drafting.VersionPublished):
            drafting.update_draft(db_session, version, drafting.draft_of(version))
        with pytest.raises(drafting.VersionPublished):
            drafting.delete_draft(db_session, version)
        with pytest.raises(drafting.VersionPublished):
            drafting.publish(
                db_session,
                version,
                fallback_confirmed=True,
                what_changed={"en": "a", "es": "b", "pl": "c"},
            )
    assert lead.get("/staff/versions/999999/edit").status_code == 404


def test_a_draft_can_be_deleted_after_a_confirmation(
    lead: FlaskClient, db_session: Session
) -> None:
    draft = _new_draft(lead, db_session)
    draft_id = draft.id
    confirm = _post(lead, f"/staff/versions/{draft.id}/delete")
    assert confirm.status_code == 200
    assert confirm.page.find("h1").get_text(strip=True) == "Delete this draft?"
    assert db_session.get(NoticeVersion, draft.id) is not None
    deleted = _post(lead, f"/staff/versions/{draft.id}/delete", {"confirm": "1"})
    assert deleted.status_code == 303
    assert deleted.headers["Location"] == VERSIONS
    db_session.expunge_all()
    assert db_session.get(NoticeVersion, draft_id) is None
    assert db_session.scalar(select(NoticeText.id)) is None
    entry = _audit(db_session, "notice.draft_deleted")[0]
    assert (entry.object_type, entry.object_id) == ("notice_version", str(draft_id))
    assert lead.get(f"/staff/versions/{draft_id}/edit").status_code == 404


# ---------------------------------------------------------------- who


@pytest.mark.parametrize("role", [Role.AGENCY_STAFF, Role.AGENCY_ADMIN, Role.SYSTEM_ADMIN])
def test_only_the_hmis_lead_drafts_and_publishes(
    app: Flask, db_session: Session, lead: FlaskClient, role: Role
) -> None:
    hmis_world(db_session)
    draft = _new_draft(lead, db_session)
    agency = AGENCY_A if role.needs_agency else None
    other = sign_in_as(app, db_session, make_staff(db_session, role, "other@x.example", agency))
    token = csrf_token(other, "/staff")
    assert other.get(VERSIONS).status_code == 403
    assert other.get(NEW_NOTICE).status_code == 403
    assert other.get(f"/staff/versions/{draft.id}/edit").status_code == 403
    for action in ("edit", "preview", "publish", "delete"):
        path = f"/staff/versions/{draft.id}/{action}"
        data = {"csrf_token": token, "confirm": "1", **_form(), "action": "save"}
        assert other.post(path, data=data).status_code == 403, path
    db_session.expire_all()
    assert db_session.get(NoticeVersion, draft.id).published_at is None


def test_visitors_who_are_not_signed_in_are_sent_to_staff_sign_in(
    client: FlaskClient, db_session: Session
) -> None:
    assert client.get(VERSIONS).headers["Location"] == "/staff/sign-in"
    assert client.get(NEW_NOTICE).headers["Location"] == "/staff/sign-in"
