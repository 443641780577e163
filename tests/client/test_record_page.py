"""The record page: withheld items stay listed, with the reason in plain words."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.requests.models import WithheldItem
from portal.timeutil import utcnow
from tests.fixtures.clients import PERSON, SignIn, signed_in_client


def test_a_withheld_item_is_listed_with_its_reason_and_cannot_be_corrected(
    client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    db_session.add(
        WithheldItem(
            personal_id=PERSON,
            item_key="identity.dob",
            reason="endangers_safety",
            explanation="Ask the HMIS lead.",
            withheld_at=utcnow(),
        )
    )
    db_session.commit()
    signed_in_client(client, sign_in, code)
    page = client.get("/my-record").page
    row = next(
        item for item in page.select(".record-item") if "Date of birth" in item.dt.get_text()
    )
    text = row.get_text(" ", strip=True)
    assert "Withheld" in text
    assert "could put someone's life or safety in danger" in text
    assert "Ask the HMIS lead." in text
    assert "1982" not in text
    assert row.select_one("a[href*='/my-record/correct/']") is None
    assert client.get("/my-record/correct/identity.dob").status_code == 404
