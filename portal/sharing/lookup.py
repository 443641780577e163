"""Client look-up for staff, through the sharing rule.

A partner agency finds a client only by the identifying data it may see: a name entered by
another agency after the client refused sharing does not find them. SSNs are encrypted, so the
last four digits narrow a search made by name or date of birth (checked after decryption), they
never search the whole table alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from portal.hmis.models import IdentityVersion
from portal.hmis.names import fold, name_search
from portal.sharing.rule import (
    SharingHistory,
    Viewer,
    identity_versions_of,
    is_own_agency_client,
    sharing_histories,
    visible_identity,
)

MAX_CANDIDATES = 200
MAX_RESULTS = 50


@dataclass(frozen=True)
class Search:
    name: str = ""
    dob: dt.date | None = None
    ssn_last4: str = ""
    personal_id: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.dob or self.personal_id)


@dataclass
class Found:
    personal_id: str
    identity: IdentityVersion
    own_agency: bool
    history: SharingHistory


def _matches(identity: IdentityVersion, search: Search) -> bool:
    if search.personal_id and identity.personal_id != search.personal_id:
        return False
    if search.dob and identity.dob != search.dob:
        return False
    if search.ssn_last4 and not (identity.ssn or "").endswith(search.ssn_last4):
        return False
    names = name_search(identity.first_name, identity.middle_name, identity.last_name)
    return all(word in names for word in fold(search.name).split())


def _candidates(session: Session, search: Search) -> list[str]:
    """Personal ids with any identifying version that could match (SQL narrows, the rule and
    _matches decide)."""
    conditions = []
    if search.personal_id:
        conditions.append(IdentityVersion.personal_id == search.personal_id)
    if search.dob:
        conditions.append(IdentityVersion.dob == search.dob)
    # Without case or accents ("nunez" finds "Núñez"), on the folded name kept with each version.
    for word in fold(search.name).split():
        conditions.append(IdentityVersion.name_search.like(f"%{word}%"))
    statement = (
        select(IdentityVersion.personal_id)
        .where(and_(*conditions))
        .distinct()
        .limit(MAX_CANDIDATES)
    )
    return list(session.scalars(statement))


def search_clients(session: Session, viewer: Viewer, search: Search) -> list[Found]:
    if search.is_empty:
        return []
    ids = _candidates(session, search)
    versions = identity_versions_of(session, ids)
    histories = sharing_histories(session, ids)
    found = []
    for pid in ids:
        identity = visible_identity(viewer, histories[pid], versions[pid])
        if identity is not None and _matches(identity, search):
            own = is_own_agency_client(session, viewer, pid)
            found.append(Found(pid, identity, own, histories[pid]))
    found.sort(key=lambda f: ((f.identity.last_name or "").lower(), f.personal_id))
    return found[:MAX_RESULTS]
