"""The public privacy notice: current version, earlier versions, history, print view, partners."""

from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.hmis.services import run_import
from tests.conftest import HMIS_CSV
from tests.factories import notice_version


def test_current_notice_is_the_newest_in_effect(client: FlaskClient, db_session: Session) -> None:
    notice_version(db_session, number=1, effective_date=dt.date(2009, 10, 1))
    notice_version(db_session, number=2, effective_date=dt.date(2021, 1, 1))
    notice_version(db_session, number=3, effective_date=dt.date(2099, 1, 1))  # not yet in effect
    notice_version(db_session, number=4, effective_date=dt.date(2020, 1, 1), published=False)
    page = client.get("/privacy-notice").page
    assert page.find("h1").get_text(strip=True) == "Privacy notice"
    assert "Body of version 2 [en]." in page.select_one(".notice-body").get_text()
    assert "Short point of version 2 [en]" in page.select_one(".summary-box").get_text()
    assert "January 1, 2021" in page.select_one(".notice-meta").get_text()


def test_notice_is_shown_in_the_chosen_language(client: FlaskClient, db_session: Session) -> None:
    notice_version(db_session)
    page = client.get("/privacy-notice?lang=pl").page
    assert page.find("h1").get_text(strip=True) == "Informacja o prywatności"
    assert "Body of version 1 [pl]." in page.select_one(".notice-body").get_text()
    assert page.select_one(".alert--warning") is None


def test_missing_language_falls_back_to_english_and_says_so(
    client: FlaskClient, db_session: Session
) -> None:
    notice_version(db_session, languages=("en",))
    page = client.get("/privacy-notice?lang=es").page
    assert page.select_one(".notice-body")["lang"] == "en"
    assert "todavía no está disponible" in page.select_one(".alert--warning").get_text()


def test_notice_markdown_cannot_inject_html(client: FlaskClient, db_session: Session) -> None:
    notice_version(
        db_session, body="## Title\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))"
    )
    response = client.get("/privacy-notice")
    body = response.page.select_one(".notice-body")
    assert body.find("script") is None
    assert body.find("a") is None  # the link was refused; its text stays as harmless text
    assert not body.find_all(href=True)


def test_history_lists_every_published_version(client: FlaskClient, db_session: Session) -> None:
    for number, year in ((1, 2009), (2, 2012), (3, 2014), (4, 2021)):
        notice_version(db_session, number=number, effective_date=dt.date(year, 10, 1))
    page = client.get("/privacy-notice/versions").page
    titles = [a.get_text(strip=True) for a in page.select(".version-list__title a")]
    assert titles == ["Version 4", "Version 3", "Version 2", "Version 1"]
    assert "This is the current version." in page.select(".version-list li")[0].get_text()
    old = client.get("/privacy-notice/versions/1").page
    assert old.find("h1").get_text(strip=True) == "Privacy notice, version 1"
    assert "no longer used" in old.select_one(".alert--warning").get_text()
    assert client.get("/privacy-notice/versions/99").status_code == 404


def test_print_view_has_the_notice_and_a_print_button(
    client: FlaskClient, db_session: Session
) -> None:
    notice_version(db_session)
    page = client.get("/privacy-notice/print").page
    assert page.find("body")["class"] == ["print-view"]
    assert page.select_one("button[data-print]").has_attr("hidden")  # shown by script only
    assert "Body of version 1 [en]." in page.get_text()


def test_no_notice_yet_is_a_404_not_a_crash(client: FlaskClient) -> None:
    assert client.get("/privacy-notice").status_code == 404


def test_partner_agencies_come_from_the_import(client: FlaskClient, db_session: Session) -> None:
    assert run_import(db_session, HMIS_CSV / "icount-fy2024").succeeded
    page = client.get("/partner-agencies").page
    names = [li.get_text(strip=True) for li in page.select(".agency-list li")]
    assert len(names) == 10
    assert "The Humanitarian Services" in names
    assert names == sorted(names)
