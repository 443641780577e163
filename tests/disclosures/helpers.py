"""A small world for the register, consents and retention: the shared synthetic household, the
consent forms published, and an HMIS lead and agency administrators."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from portal.accounts.models import Role, StaffUser
from portal.accounts.services import create_staff_user
from portal.consents import services as consents
from portal.consents.models import Consent
from portal.consents.services import DEMO_CONSENT_FORMS
from portal.disclosures.services import NewDisclosure
from portal.notice.services import current_version, in_language, load_demo_versions
from portal.timeutil import utcnow
from tests.factories import AGENCY_A, AGENCY_B, hmis_world

PASSWORD = "disclosure test password 2026"


def world(session: Session) -> dict[str, StaffUser]:
    hmis_world(session)
    for kind, folder in DEMO_CONSENT_FORMS.items():
        load_demo_versions(session, folder, kind)
    users = {
        "lead": create_staff_user(
            session,
            email="lead@county.example",
            name="Lead",
            role=Role.HMIS_LEAD,
            organization_id=None,
            password=PASSWORD,
        ),
        "admin_a": create_staff_user(
            session,
            email="admin-a@agency.example",
            name="Admin A",
            role=Role.AGENCY_ADMIN,
            organization_id=AGENCY_A,
            password=PASSWORD,
        ),
        "admin_b": create_staff_user(
            session,
            email="admin-b@agency.example",
            name="Admin B",
            role=Role.AGENCY_ADMIN,
            organization_id=AGENCY_B,
            password=PASSWORD,
        ),
    }
    session.commit()
    return users


def disclosure(**overrides: object) -> NewDisclosure:
    values: dict[str, object] = {
        "personal_ids": ["P-PARENT"],
        "disclosed_on": utcnow().date() - dt.timedelta(days=3),
        "recipient_organization": "County Sheriff's Office",
        "recipient_person": "Detective Example",
        "purpose": "law_enforcement",
        "items": ["identity", "enrollments"],
        "basis": "Court order 2026-CV-0001",
    }
    values.update(overrides)
    return NewDisclosure(**values)  # type: ignore[arg-type]


def consent(
    session: Session,
    personal_id: str = "P-PARENT",
    *,
    signer_id: str | None = None,
    kind: str = "consent_research",
    end_date: dt.date | None = None,
) -> Consent:
    version = current_version(session, kind=kind)
    assert version is not None
    return consents.sign_consent(
        session,
        signer_id=signer_id or personal_id,
        personal_id=personal_id,
        version=version,
        text=in_language(version, "en").text,
        recipient="State University housing study",
        purpose="Match shelter stays with health records",
        end_date=end_date or utcnow().date() + dt.timedelta(days=365),
        signed_name="Synthetic Signer",
        channel="portal",
    )
