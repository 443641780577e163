"""Publishing refuses a translation left as it was while English changed, unless the lead
publishes with English for now; the comparison page shows each language beside the version in
force (issue 20, item 6)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.accounts.models import Role, StaffUser
from portal.notice import drafting
from portal.notice.models import NoticeVersion
from tests.accounts.staff import make_staff, post_form, sign_in_as
from tests.factories import notice_version
from tests.notice.test_drafting import _date, _post, _publish, _today


@pytest.fixture
def lead(app: Flask, db_session: Session) -> FlaskClient:
    user: StaffUser = make_staff(db_session, Role.HMIS_LEAD, "lead@county.example")
    return sign_in_as(app, db_session, user)


def _draft(lead: FlaskClient, db_session: Session, spanish: dict[str, str]) -> NoticeVersion:
    """A new version whose English changed; Polish is updated, Spanish as given."""
    data = {
        **_date(_today()),
        "en_summary_of_changes": "We now keep records 7 years.",
        "en_in_short": "- We keep records 7 years",
        "en_body": "## Keeping\n\nSeven years.",
        "pl_summary_of_changes": "Teraz przechowujemy dane 7 lat.",
        "pl_in_short": "- Przechowujemy dane 7 lat",
        "pl_body": "## Przechowywanie\n\nSiedem lat.",
        **spanish,
    }
    response = post_form(lead, "/staff/versions/privacy-notice/new", {"action": "save", **data})
    assert response.status_code == 303, response.get_data(as_text=True)
    version = db_session.get(NoticeVersion, int(response.headers["Location"].split("/")[-2]))
    assert version is not None
    return version


OLD_SPANISH = {
    # As the factory wrote version 1 in Spanish: left as it was.
    "es_summary_of_changes": "Cambios de la versión 2",
    "es_in_short": "- Short point of version 1 [es]",
    "es_body": "## Section [es]\n\nBody of version 1 [es].",
}


def test_an_unchanged_translation_is_refused_then_published_with_english_for_now(
    client: FlaskClient, lead: FlaskClient, db_session: Session
) -> None:
    notice_version(db_session, number=1, effective_date=dt.date(2021, 1, 1))
    draft = _draft(lead, db_session, OLD_SPANISH)
    assert drafting.untranslated_languages(
        db_session, "privacy_notice", drafting.draft_of(draft)
    ) == ["es"]
    check = _post(lead, f"/staff/versions/{draft.id}/publish").page
    box = check.select_one("input[name=english_for_now]")
    label = check.find("label", attrs={"for": box["id"]}).get_text(strip=True)
    assert label.startswith("Publish with English for now: readers of Spanish")

    refused = _publish(lead, draft)
    assert refused.status_code == 200
    assert refused.page.select_one(".error-summary a")["href"] == "#english_for_now"
    db_session.expire_all()
    assert db_session.get(NoticeVersion, draft.id).published_at is None
    with pytest.raises(drafting.UntranslatedText):
        drafting.publish(
            db_session, db_session.get(NoticeVersion, draft.id), fallback_confirmed=False
        )
    db_session.rollback()

    assert _publish(lead, draft, english_for_now="y").status_code == 303
    db_session.expire_all()
    version = db_session.get(NoticeVersion, draft.id)
    assert version.published_at is not None
    assert version.english_fallback_confirmed
    assert sorted(t.language for t in version.texts) == ["en", "pl"]
    spanish = client.get("/privacy-notice?lang=es").page.get_text()
    assert "Seven years." in spanish  # the English text, with the note in Spanish
    assert "Body of version 1 [es]." not in spanish


def test_a_what_changed_copied_from_english_counts_as_untranslated(db_session: Session) -> None:
    draft = drafting.Draft(
        _today(),
        (
            drafting.DraftText("en", "New retention", "- a", "b"),
            drafting.DraftText("es", "New retention", "- a es", "b es"),
        ),
    )
    assert drafting.untranslated_languages(db_session, "privacy_notice", draft) == ["es"]


def test_an_updated_translation_publishes_without_asking(
    lead: FlaskClient, db_session: Session
) -> None:
    notice_version(db_session, number=1, effective_date=dt.date(2021, 1, 1))
    draft = _draft(
        lead,
        db_session,
        {
            "es_summary_of_changes": "Ahora guardamos los datos 7 años.",
            "es_in_short": "- Guardamos los datos 7 años",
            "es_body": "## Guardar\n\nSiete años.",
        },
    )
    check = _post(lead, f"/staff/versions/{draft.id}/publish").page
    assert check.select_one("input[name=english_for_now]") is None
    assert _publish(lead, draft).status_code == 303


def test_the_comparison_shows_each_language_beside_the_version_in_force(
    lead: FlaskClient, db_session: Session
) -> None:
    notice_version(db_session, number=1, effective_date=dt.date(2021, 1, 1))
    draft = _draft(lead, db_session, OLD_SPANISH)
    page = lead.get(f"/staff/versions/{draft.id}/compare").page
    assert page.find("h1").get_text(strip=True) == "Compare: Privacy notice"
    assert "beside version 1" in page.get_text()
    sections = page.select("section.compare-language")
    assert [s.find("h2").get_text(strip=True) for s in sections] == ["English", "Español", "Polski"]
    english = sections[0]
    pres = [p.get_text() for p in english.select("pre")]
    # Each part: the version in force, then the draft (what changed, in short, full text).
    assert "Body of version 1 [en]." in pres[4]
    assert "Seven years." in pres[5]
    assert page.select("[data-untranslated]") == page.select("[data-untranslated=es]")
    assert len(page.select("[data-untranslated]")) == 1


def test_the_publish_page_asks_for_what_changed_in_each_language(
    lead: FlaskClient, db_session: Session
) -> None:
    notice_version(db_session, number=1, effective_date=dt.date(2021, 1, 1))
    draft = _draft(
        lead,
        db_session,
        {
            "es_summary_of_changes": "Ahora guardamos los datos 7 años.",
            "es_in_short": "- Guardamos los datos 7 años",
            "es_body": "## Guardar\n\nSiete años.",
        },
    )
    refused = _post(
        lead,
        f"/staff/versions/{draft.id}/publish",
        {"confirm": "1", "what_changed_en": "Seven years.", "what_changed_es": "Seven years."},
    )
    assert refused.status_code == 200
    links = [a["href"] for a in refused.page.select(".error-summary a")]
    assert links == ["#what_changed_es", "#what_changed_pl"]
    assert "not in English" in refused.page.select_one("#what_changed_es-error").get_text()
    db_session.expire_all()
    assert db_session.get(NoticeVersion, draft.id).published_at is None
