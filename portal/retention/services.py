"""The retention schedule, the list of records due, and the purge.

HUD's 2004 privacy standards ask for a disposal plan: by default personal data is kept for 7 years
after the client's last enrollment activity (the latest entry, exit or update of an enrollment;
a client with no enrollment: the latest change to their record). The HMIS lead sets the years per
data type. The purge empties the personal fields of that type and keeps the rows as a
de-identified stub: the personal id, demographic codes, enrollments and requests stay, so report
totals do not move and audit entries still point at something. The audit trail is never touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.access.models import AccessCode, ClientSession, HandOff
from portal.audit.services import Actor, record
from portal.consents.models import Consent
from portal.db import in_chunks, table_of
from portal.hmis.models import Client, Enrollment, Exit, IdentityVersion
from portal.requests.models import Request, RequestEvent, WithheldItem
from portal.retention.models import RetentionPurge, RetentionRule
from portal.timeutil import utcnow

DEFAULT_YEARS = 7
# Translators: types of personal data in the retention schedule (the notice page lists them).
DATA_TYPES: dict[str, str] = {  # lazy strings
    "identity": _l("Name, date of birth and Social Security number"),
    "contact": _l("Contact details given with a request or complaint"),
    "free_text": _l("Written text: request details, messages, notes and signatures"),
}
MIN_YEARS, MAX_YEARS = 1, 75


@dataclass(frozen=True)
class Rule:
    data_type: str
    years: int


def schedule(session: Session) -> list[Rule]:
    """The rule for every data type, the default where the lead set none."""
    kept = {rule.data_type: rule.years for rule in session.scalars(select(RetentionRule))}
    return [Rule(data_type, kept.get(data_type, DEFAULT_YEARS)) for data_type in DATA_TYPES]


def set_years(session: Session, data_type: str, years: int, staff_user_id: int | None) -> bool:
    """Keep this data type for so many years; False when nothing changed."""
    if data_type not in DATA_TYPES or not MIN_YEARS <= years <= MAX_YEARS:
        raise ValueError(f"no rule {data_type!r} of {years} years")
    rule = session.get(RetentionRule, data_type)
    if rule is None:
        if years == DEFAULT_YEARS:
            return False
        session.add(
            RetentionRule(
                data_type=data_type, years=years, updated_at=utcnow(), updated_by_id=staff_user_id
            )
        )
    elif rule.years == years:
        return False
    else:
        rule.years, rule.updated_at, rule.updated_by_id = years, utcnow(), staff_user_id
    session.flush()
    return True


def years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def _day(value: dt.date | dt.datetime | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def last_activity(session: Session) -> dict[str, dt.date]:
    """Each client's last enrollment activity (or last record change, without enrollments)."""
    latest: dict[str, dt.date] = {}

    def keep(personal_id: str, *values: dt.date | dt.datetime | None) -> None:
        for value in values:
            day = _day(value)
            if day is not None and (personal_id not in latest or day > latest[personal_id]):
                latest[personal_id] = day

    live = Enrollment.date_deleted.is_(None)
    for pid, entry, updated, created in session.execute(
        select(
            Enrollment.personal_id,
            func.max(Enrollment.entry_date),
            func.max(Enrollment.date_updated),
            func.max(Enrollment.date_created),
        )
        .where(live)
        .group_by(Enrollment.personal_id)
    ):
        keep(pid, entry, updated, created)
    for pid, left, updated in session.execute(
        select(Exit.personal_id, func.max(Exit.exit_date), func.max(Exit.date_updated))
        .where(Exit.date_deleted.is_(None))
        .group_by(Exit.personal_id)
    ):
        keep(pid, left, updated)
    for pid, updated, created in session.execute(
        select(Client.personal_id, Client.date_updated, Client.date_created)
    ):
        if pid not in latest:
            keep(pid, updated, created)
    return latest


@dataclass(frozen=True)
class Due:
    personal_id: str
    last_activity: dt.date
    data_types: tuple[str, ...]
    rules: tuple[Rule, ...]


def records_due(session: Session, today: dt.date | None = None) -> list[Due]:
    """Clients with a data type past its rule and not purged yet, oldest activity first."""
    today = today or utcnow().date()
    rules = schedule(session)
    purged: dict[str, set[str]] = {}
    for pid, data_type in session.execute(
        select(RetentionPurge.personal_id, RetentionPurge.data_type)
    ):
        purged.setdefault(pid, set()).add(data_type)
    # A later HMIS import can bring a purged client's identity back: then it is due again.
    identified: set[str] = set()
    for chunk in in_chunks(list(purged)):
        identified |= set(
            session.scalars(
                select(Client.personal_id).where(
                    Client.personal_id.in_(chunk),
                    (Client.first_name.is_not(None))
                    | (Client.last_name.is_not(None))
                    | (Client.dob.is_not(None))
                    | (Client.ssn.is_not(None)),
                )
            )
        )
    due: list[Due] = []
    for pid, last in last_activity(session).items():
        done = purged.get(pid, set()) - ({"identity"} if pid in identified else set())
        applying = tuple(
            rule
            for rule in rules
            if years_later(last, rule.years) < today and rule.data_type not in done
        )
        if applying:
            due.append(Due(pid, last, tuple(r.data_type for r in applying), applying))
    due.sort(key=lambda d: (d.last_activity, d.personal_id))
    return due


def _purge_identity(session: Session, ids: list[str]) -> None:
    empty = {
        "first_name": None,
        "middle_name": None,
        "last_name": None,
        "name_suffix": None,
        "ssn": None,
        "dob": None,
    }
    session.execute(update(Client).where(Client.personal_id.in_(ids)).values(**empty))
    session.execute(
        update(IdentityVersion).where(IdentityVersion.personal_id.in_(ids)).values(**empty)
    )
    # Without a date of birth nobody can sign in; stop the codes and sessions too.
    now = utcnow()
    session.execute(
        update(AccessCode)
        .where(AccessCode.personal_id.in_(ids), AccessCode.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.execute(table_of(HandOff).delete().where(HandOff.personal_id.in_(ids)))
    session.execute(table_of(ClientSession).delete().where(ClientSession.personal_id.in_(ids)))


def _purge_contact(session: Session, ids: list[str]) -> None:
    session.execute(
        update(Request)
        .where(Request.personal_id.in_(ids))
        .values(contact_details=None, complainant_name=None)
    )


def _purge_free_text(session: Session, ids: list[str]) -> None:
    session.execute(
        update(Request)
        .where(Request.personal_id.in_(ids))
        .values(
            current_value=None,
            requested_value=None,
            corrected_value=None,
            reason=None,
            evidence=None,
            decision_explanation=None,
            disagreement=None,
            description=None,
            extension_reason=None,
            escalation_outcome=None,
            signed_name=None,
            drawn_signature=None,
        )
    )
    requests = select(Request.id).where(Request.personal_id.in_(ids))
    session.execute(
        update(RequestEvent).where(RequestEvent.request_id.in_(requests)).values(body=None)
    )
    session.execute(
        update(WithheldItem).where(WithheldItem.personal_id.in_(ids)).values(explanation=None)
    )
    session.execute(update(Consent).where(Consent.personal_id.in_(ids)).values(signed_name=None))
    session.execute(
        update(Client)
        .where(Client.personal_id.in_(ids))
        .values(additional_race_ethnicity=None, different_identity_text=None)
    )
    session.execute(update(Exit).where(Exit.personal_id.in_(ids)).values(other_destination=None))


PURGES = {"identity": _purge_identity, "contact": _purge_contact, "free_text": _purge_free_text}


def purge(session: Session, due: Iterable[Due]) -> list[Due]:
    """Purge what is due, in the caller's transaction; returns what was purged."""
    now = utcnow()
    done = list(due)
    by_type: dict[str, list[str]] = {}
    for item in done:
        for rule in item.rules:
            by_type.setdefault(rule.data_type, []).append(item.personal_id)
            earlier = session.scalar(
                select(RetentionPurge).where(
                    RetentionPurge.personal_id == item.personal_id,
                    RetentionPurge.data_type == rule.data_type,
                )
            )
            if earlier is not None:  # purged again after an import brought it back
                earlier.years, earlier.purged_at = rule.years, now
                continue
            session.add(
                RetentionPurge(
                    personal_id=item.personal_id,
                    data_type=rule.data_type,
                    years=rule.years,
                    purged_at=now,
                )
            )
    for data_type, ids in by_type.items():
        for chunk in in_chunks(ids):
            PURGES[data_type](session, list(chunk))
    session.flush()
    session.expire_all()
    return done


def purge_counts(session: Session, today: dt.date | None = None) -> tuple[int, int]:
    """(clients due now, clients purged so far), for the reports page."""
    purged = session.scalar(select(func.count(func.distinct(RetentionPurge.personal_id))))
    return len(records_due(session, today)), int(purged or 0)


def audit_purged(session: Session, purged: list[Due], actor: Actor | None = None) -> None:
    """One audit entry per client purged, naming the kinds of data purged."""
    for item in purged:
        record(
            session,
            "retention.purged",
            personal_id=item.personal_id,
            object_type="retention",
            object_id=",".join(item.data_types),
            actor=actor,
        )
