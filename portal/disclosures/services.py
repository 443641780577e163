"""Recording disclosures outside the HMIS, and reading them back.

The rules: the purpose is one of the notice's uses (portal/disclosures/items.py); a purpose that
needs the client's written consent is refused for anyone without one in force; an agency data
administrator records only for clients of their agency; a delay from the client's view needs a
use that can carry one (police, federal officials, another use the law requires) and names the
order in the basis. Entries never change: a correction is a new entry that supersedes the old.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import Role, StaffUser
from portal.consents.services import active_consent
from portal.db import in_chunks
from portal.disclosures import chain
from portal.disclosures.items import ITEM_GROUPS, PURPOSE_BY_KEY
from portal.disclosures.models import DisclosureEntry, DisclosurePerson
from portal.hmis.models import Client, Enrollment
from portal.requests.services import new_reference, normalize_reference
from portal.sharing.rule import Viewer, own_agency_client
from portal.timeutil import utcnow

RECORDER_ROLES = (Role.HMIS_LEAD, Role.AGENCY_ADMIN)
MAX_BATCH = 5_000


class DisclosureRefused(Exception):
    """The disclosure cannot be recorded; problems maps a field to what is wrong."""

    def __init__(self, problems: dict[str, str], personal_ids: Sequence[str] = ()) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems
        self.personal_ids = list(personal_ids)  # the ids a problem is about


@dataclass(frozen=True)
class NewDisclosure:
    personal_ids: Sequence[str]
    disclosed_on: dt.date
    recipient_organization: str
    purpose: str
    items: Sequence[str]
    basis: str
    recipient_person: str | None = None
    visible_from: dt.date | None = None
    supersedes: str | None = None


def parse_personal_ids(text: str) -> list[str]:
    """Personal ids from a pasted list: one a line, or separated by commas, spaces or tabs."""
    seen: list[str] = []
    for part in text.replace(",", " ").replace(";", " ").split():
        if part not in seen:
            seen.append(part)
    return seen


def _unknown_clients(session: Session, personal_ids: Sequence[str]) -> list[str]:
    found: set[str] = set()
    for chunk in in_chunks(list(personal_ids)):
        found |= set(
            session.scalars(select(Client.personal_id).where(Client.personal_id.in_(chunk)))
        )
    return [pid for pid in personal_ids if pid not in found]


def _outside_agency(session: Session, viewer: Viewer, personal_ids: Sequence[str]) -> list[str]:
    if viewer.sees_everything:
        return []
    own: set[str] = set()
    for chunk in in_chunks(list(personal_ids)):
        own |= set(
            session.scalars(own_agency_client(viewer).where(Enrollment.personal_id.in_(chunk)))
        )
    return [pid for pid in personal_ids if pid not in own]


def _check(new: NewDisclosure, today: dt.date) -> dict[str, str]:
    """Every problem at once, as codes per field (the form and the command word them)."""
    problems: dict[str, str] = {}
    purpose = PURPOSE_BY_KEY.get(new.purpose)
    if purpose is None:
        problems["purpose"] = "unknown"
    if not new.items:
        problems["items"] = "missing"
    elif any(key not in ITEM_GROUPS for key in new.items):
        problems["items"] = "unknown"
    if not new.personal_ids:
        problems["personal_ids"] = "missing"
    elif len(new.personal_ids) > MAX_BATCH:
        problems["personal_ids"] = "too_many"
    if new.disclosed_on > today:
        problems["disclosed_on"] = "future"
    if not new.recipient_organization.strip():
        problems["recipient_organization"] = "missing"
    if not new.basis.strip():
        problems["basis"] = "missing"
    if new.visible_from is not None:
        if purpose is not None and not purpose.may_delay:
            problems["visible_from"] = "not_for_purpose"
        elif new.visible_from <= new.disclosed_on:
            problems["visible_from"] = "not_after"
    return problems


def record_disclosure(
    session: Session, new: NewDisclosure, user: StaffUser | None
) -> DisclosureEntry:
    """Check and append one entry to the register (user None: an operator's command)."""
    today = utcnow().date()
    problems = _check(new, today)
    if problems:
        raise DisclosureRefused(problems)
    ids = list(dict.fromkeys(new.personal_ids))
    if unknown := _unknown_clients(session, ids):
        raise DisclosureRefused({"personal_ids": "unknown"}, unknown)
    viewer = Viewer(Role.HMIS_LEAD, None) if user is None else Viewer.of(user)
    if user is not None and user.role not in RECORDER_ROLES:
        raise DisclosureRefused({"personal_ids": "not_allowed"}, ids)
    if outside := _outside_agency(session, viewer, ids):
        raise DisclosureRefused({"personal_ids": "other_agency"}, outside)
    superseded = None
    if new.supersedes:
        superseded = entry_by_reference(session, new.supersedes)
        if superseded is None or not may_see_entry(session, viewer, superseded):
            raise DisclosureRefused({"supersedes": "unknown"})
        if is_superseded(session, superseded.reference):
            raise DisclosureRefused({"supersedes": "already"})
    purpose = PURPOSE_BY_KEY[new.purpose]
    consent_reference = None
    if purpose.needs_consent:
        consents = {
            pid: active_consent(session, pid, purpose.needs_consent, new.disclosed_on)
            for pid in ids
        }
        if missing := [pid for pid, consent in consents.items() if consent is None]:
            raise DisclosureRefused({"purpose": "no_consent"}, missing)
        if len(ids) == 1:
            only = consents[ids[0]]  # never None: a missing consent was refused above
            consent_reference = only.reference if only is not None else None
    entry = DisclosureEntry(
        reference=new_reference(),
        recorded_at=utcnow(),
        recorder_kind="system" if user is None else "staff",
        recorded_by_id=None if user is None else user.id,
        recorder_role=None if user is None else user.role.value,
        recorder_agency=None if user is None else user.organization_id,
        disclosed_on=new.disclosed_on,
        recipient_organization=new.recipient_organization.strip(),
        recipient_person=(new.recipient_person or "").strip() or None,
        purpose=new.purpose,
        items=",".join(new.items),
        basis=new.basis.strip(),
        consent_reference=consent_reference,
        visible_from=new.visible_from,
        supersedes=superseded.reference if superseded else None,
    )
    key = chain.register_key(current_app.config["PORTAL"].audit_key)
    return chain.append(session, key, entry, ids)


def entry_by_reference(session: Session, reference: str) -> DisclosureEntry | None:
    return session.scalar(
        select(DisclosureEntry)
        .where(DisclosureEntry.reference == normalize_reference(reference))
        .options(selectinload(DisclosureEntry.people))
    )


def is_superseded(session: Session, reference: str) -> bool:
    return bool(session.scalar(select(exists().where(DisclosureEntry.supersedes == reference))))


def superseded_by(session: Session, reference: str) -> DisclosureEntry | None:
    return session.scalar(select(DisclosureEntry).where(DisclosureEntry.supersedes == reference))


def may_see_entry(session: Session, viewer: Viewer, entry: DisclosureEntry) -> bool:
    """The HMIS lead sees every entry; an agency administrator those their agency recorded."""
    if viewer.sees_everything:
        return True
    return entry.recorder_agency is not None and entry.recorder_agency == viewer.agency_id


def register_page(
    session: Session, viewer: Viewer, personal_id: str | None = None, limit: int = 200
) -> list[DisclosureEntry]:
    """The newest entries this viewer may see (naming one client, if given)."""
    statement = (
        select(DisclosureEntry)
        .options(selectinload(DisclosureEntry.people))
        .order_by(DisclosureEntry.seq.desc())
        .limit(limit)
    )
    if personal_id:
        statement = statement.where(
            DisclosureEntry.id.in_(
                select(DisclosurePerson.entry_id).where(DisclosurePerson.personal_id == personal_id)
            )
        )
    if not viewer.sees_everything:
        statement = statement.where(DisclosureEntry.recorder_agency == viewer.agency_id)
    return list(session.scalars(statement))


def disclosures_for_client(
    session: Session, personal_id: str, today: dt.date | None = None
) -> list[DisclosureEntry]:
    """What the client sees: entries naming them, not superseded, and not delayed past today;
    newest disclosure first."""
    today = today or utcnow().date()
    superseding = select(DisclosureEntry.supersedes).where(DisclosureEntry.supersedes.is_not(None))
    return list(
        session.scalars(
            select(DisclosureEntry)
            .join(DisclosurePerson, DisclosurePerson.entry_id == DisclosureEntry.id)
            .where(
                DisclosurePerson.personal_id == personal_id,
                DisclosureEntry.reference.not_in(superseding),
                (DisclosureEntry.visible_from.is_(None)) | (DisclosureEntry.visible_from <= today),
            )
            .order_by(DisclosureEntry.disclosed_on.desc(), DisclosureEntry.seq.desc())
        )
    )


@dataclass
class MonthRow:
    month: dt.date
    purpose: str
    recipient: str
    entries: int
    clients: int


@dataclass
class DisclosureReport:
    rows: list[MonthRow] = field(default_factory=list)
    total_entries: int = 0
    total_clients: int = 0


def disclosure_report(
    session: Session, date_from: dt.date, date_to: dt.date, agency: str | None = None
) -> DisclosureReport:
    """Entries in force (not superseded) disclosed in the period, by month, purpose and
    recipient organisation: how many entries and how many client mentions."""
    superseding = select(DisclosureEntry.supersedes).where(DisclosureEntry.supersedes.is_not(None))
    statement = (
        select(
            DisclosureEntry.disclosed_on,
            DisclosureEntry.purpose,
            DisclosureEntry.recipient_organization,
            DisclosureEntry.id,
            func.count(DisclosurePerson.id),
        )
        .join(DisclosurePerson, DisclosurePerson.entry_id == DisclosureEntry.id)
        .where(
            DisclosureEntry.disclosed_on >= date_from,
            DisclosureEntry.disclosed_on <= date_to,
            DisclosureEntry.reference.not_in(superseding),
        )
        .group_by(
            DisclosureEntry.id,
            DisclosureEntry.disclosed_on,
            DisclosureEntry.purpose,
            DisclosureEntry.recipient_organization,
        )
    )
    if agency is not None:
        statement = statement.where(DisclosureEntry.recorder_agency == agency)
    grouped: dict[tuple[dt.date, str, str], MonthRow] = {}
    report = DisclosureReport()
    for day, purpose, recipient, _entry_id, clients in session.execute(statement):
        month = day.replace(day=1)
        row = grouped.setdefault(
            (month, purpose, recipient), MonthRow(month, purpose, recipient, 0, 0)
        )
        row.entries += 1
        row.clients += clients
        report.total_entries += 1
        report.total_clients += clients
    report.rows = sorted(grouped.values(), key=lambda r: (r.month, r.purpose, r.recipient))
    return report
