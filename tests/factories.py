"""Plain factories with keyword overrides, for synthetic test data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from portal.accounts.models import StaffUser
from portal.notice.models import NoticeText, NoticeVersion
from portal.requests.models import Request, WithheldItem
from portal.timeutil import utcnow


def notice_version(
    session: Session,
    *,
    number: int = 1,
    effective_date: dt.date = dt.date(2021, 1, 1),
    languages: tuple[str, ...] = ("en", "es", "pl"),
    published: bool = True,
    body: str | None = None,
) -> NoticeVersion:
    version = NoticeVersion(
        kind="privacy_notice",
        number=number,
        effective_date=effective_date,
        published_at=utcnow() if published else None,
    )
    for language in languages:
        version.texts.append(
            NoticeText(
                language=language,
                summary_of_changes=f"Changes of version {number} [{language}]",
                in_short=f"- Short point of version {number} [{language}]",
                body=body or f"## Section [{language}]\n\nBody of version {number} [{language}].",
            )
        )
    session.add(version)
    session.commit()
    return version


# ---------------------------------------------------------------- a small synthetic HMIS

AGENCY_A = "ORG-A"
AGENCY_B = "ORG-B"
PARENT = "P-PARENT"
CHILD = "P-CHILD"  # 9 years old
ADULT_CHILD = "P-ADULT-CHILD"  # 19: signs for themselves
LONG_AGO = dt.datetime(2020, 1, 1, 9, 0)


def _birthday(years_ago: int) -> dt.date:
    today = utcnow().date()
    return today.replace(year=today.year - years_ago) - dt.timedelta(days=30)


def hmis_world(session: Session) -> None:
    """Two agencies with a project each; a household at agency A: a parent, a child and an
    adult child; the parent was also served by agency B. Everything created long ago."""
    from portal.hmis.identity import record_identity_changes
    from portal.hmis.models import Client, Enrollment, Organization, Project

    for agency, name in ((AGENCY_A, "Agency Alpha Shelter"), (AGENCY_B, "Agency Beta Outreach")):
        session.add(Organization(organization_id=agency, name=name, date_created=LONG_AGO))
        session.add(
            Project(
                project_id=f"PRJ-{agency}",
                organization_id=agency,
                name=f"{name} project",
                project_type=1,
                date_created=LONG_AGO,
            )
        )
    people = (
        (PARENT, "Canaryparent", _birthday(40), "123450001"),
        (CHILD, "Canarychild", _birthday(9), None),
        (ADULT_CHILD, "Canaryadult", _birthday(19), None),
    )
    for personal_id, first_name, dob, ssn in people:
        session.add(
            Client(
                personal_id=personal_id,
                data_standards="FY2026",
                first_name=first_name,
                last_name="Testfamily",
                dob=dob,
                ssn=ssn,
                sex=0,
                veteran_status=0,
                date_created=LONG_AGO,
                date_updated=LONG_AGO,
            )
        )
    session.flush()
    for personal_id, relationship in ((PARENT, 1), (CHILD, 2), (ADULT_CHILD, 2)):
        session.add(
            Enrollment(
                enrollment_id=f"E-A-{personal_id}",
                personal_id=personal_id,
                project_id=f"PRJ-{AGENCY_A}",
                entry_date=dt.date(2020, 1, 1),
                household_id="HH-1",
                relationship_to_hoh=relationship,
                date_created=LONG_AGO,
            )
        )
    add_enrollment(session, "E-B-old", PARENT, AGENCY_B, LONG_AGO)
    session.flush()
    record_identity_changes(session, [p[0] for p in people], LONG_AGO)
    session.commit()


def add_enrollment(
    session: Session, enrollment_id: str, personal_id: str, agency: str, created: dt.datetime
) -> None:
    from portal.hmis.models import Enrollment

    session.add(
        Enrollment(
            enrollment_id=enrollment_id,
            personal_id=personal_id,
            project_id=f"PRJ-{agency}",
            entry_date=created.date(),
            household_id=f"HH-{enrollment_id}",
            relationship_to_hoh=1,
            date_created=created,
        )
    )
    session.flush()


# ---------------------------------------------------------------- requests entered by phone


def phone_correction(
    session: Session,
    *,
    personal_id: str,
    item_key: str,
    current_value: str,
    requested_value: str,
    agency_id: str | None,
    reason: str = "spelling",
    evidence: str | None = None,
) -> Request:
    """A correction the client asked for by phone (staff typed it in); not committed."""
    from portal.requests import corrections
    from portal.requests.models import Channel
    from portal.requests.services import CLIENT_AUTHOR

    return corrections.request_correction(
        session,
        personal_id=personal_id,
        item_key=item_key,
        current_value=current_value,
        requested_value=requested_value,
        reason=reason,
        evidence=evidence,
        agency_id=agency_id,
        channel=Channel.PHONE,
        author=CLIENT_AUTHOR,
        submission_key=None,
    )


def phone_complaint(
    session: Session, *, personal_id: str, description: str, category: str = "privacy"
) -> Request:
    """A complaint the client made by phone, asking for no reply; not committed."""
    from portal.requests.models import Channel, RequestType
    from portal.requests.services import CLIENT_AUTHOR, open_request

    return open_request(
        session,
        RequestType.COMPLAINT,
        personal_id=personal_id,
        channel=Channel.PHONE,
        author=CLIENT_AUTHOR,
        category=category,
        description=description,
        contact_method="none",
    )


def phone_sharing_form(
    session: Session,
    *,
    personal_id: str,
    refuse: bool = True,
    covered: list[str] | None = None,
    signed_name: str = "Synthetic Signer",
    submission_key: str | None = None,
) -> Request:
    """A sharing refusal (or restore) form signed by phone on the form's current version (the
    demo form, published when there is none). Covers the signer unless told; not committed."""
    from portal.notice.services import current_version, in_language, load_demo_versions
    from portal.requests.models import Channel
    from portal.requests.services import CLIENT_AUTHOR
    from portal.sharing import services as sharing

    kind = sharing.form_kind(refuse)
    load_demo_versions(session, sharing.DEMO_SHARING_FORMS[kind], kind)  # once
    version = current_version(session, kind=kind)
    assert version is not None
    return sharing.sign(
        session,
        personal_id=personal_id,
        refuse=refuse,
        covered=covered or [personal_id],
        version=version,
        text=in_language(version, "en").text,
        signed_name=signed_name,
        drawn_signature=None,
        channel=Channel.PHONE,
        author=CLIENT_AUTHOR,
        submission_key=submission_key,
    )


# ---------------------------------------------------------------- staff, codes, withheld items

STAFF_PASSWORD = "synthetic staff passphrase 7"  # 12+ characters, not on the common list


def staff_user(
    session: Session,
    *,
    role: str = "agency_staff",
    email: str = "staff.a@example.org",
    agency: str | None = AGENCY_A,
    name: str | None = None,
    password: str | None = STAFF_PASSWORD,
    two_step: bool | None = None,
) -> StaffUser:
    """A staff user (agency staff at agency A unless told); committed. Roles that need the
    two-step code get an authenticator secret unless two_step says otherwise."""
    import pyotp

    from portal.accounts.models import Role
    from portal.accounts.services import create_staff_user

    chosen = Role(role)
    user = create_staff_user(
        session,
        email=email,
        name=name or email.split("@")[0].replace(".", " ").title(),
        role=chosen,
        organization_id=agency if chosen.needs_agency else None,
        password=password,
    )
    if chosen.needs_two_step if two_step is None else two_step:
        user.totp_secret = pyotp.random_base32()
    session.commit()
    return user


def access_code(
    session: Session,
    personal_id: str,
    secret_key: str,
    *,
    lifetime: dt.timedelta = dt.timedelta(days=180),
    issued_by_id: int | None = None,
) -> str:
    """A live access code for a client (revoking any other), as printed on the slip; committed."""
    from portal.access.services import issue_access_code

    code = issue_access_code(
        session, personal_id, secret_key, issued_by_id=issued_by_id, lifetime=lifetime
    )
    session.commit()
    return code


def withheld_item(
    session: Session,
    *,
    personal_id: str,
    item_key: str = "identity.ssn",
    reason: str = "litigation",
    explanation: str | None = "Compiled for a pending proceeding.",
    withheld_by_id: int | None = None,
) -> WithheldItem:
    """An item of the client's record withheld under a HUD exception; not committed."""
    item = WithheldItem(
        personal_id=personal_id,
        item_key=item_key,
        reason=reason,
        explanation=explanation,
        withheld_at=utcnow(),
        withheld_by_id=withheld_by_id,
    )
    session.add(item)
    session.flush()
    return item


def printed_copy_request(
    session: Session, *, personal_id: str, agency_id: str | None = AGENCY_A
) -> Request:
    """A request for a printed copy of the record, made at a desk; not committed."""
    from portal.requests.models import Channel, RequestType
    from portal.requests.services import CLIENT_AUTHOR, open_request

    return open_request(
        session,
        RequestType.PRINTED_COPY,
        personal_id=personal_id,
        channel=Channel.IN_PERSON,
        author=CLIENT_AUTHOR,
        agency_id=agency_id,
    )
