"""The client's accounting: portal access and recorded disclosures in one list, newest first.

Staff access comes from the audit trail (what the client already saw as "who has looked at your
record"); disclosures from the register, without superseded entries or ones still delayed by an
order. Staff are named by agency and role, never by name.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.audit.services import staff_access_to
from portal.disclosures.items import ITEM_GROUPS, PURPOSE_BY_KEY
from portal.disclosures.services import disclosures_for_client
from portal.pdf import pdf_from_template

# Translators: what a staff member did with the client's record, shown to the client.
ACTION_LABELS: dict[str, str] = {  # lazy strings
    "client.identity_viewed": _l("Looked at your name and date of birth"),
    "client.record_opened": _l("Looked at your record"),
    "client.ssn_revealed_by_staff": _l("Looked at your full Social Security number"),
    "staff.request_viewed": _l("Looked at one of your requests"),
    "request.decided": _l("Decided on one of your requests"),
    "request.submitted": _l("Made a request for you"),
    "access_code.issued": _l("Gave you an access code"),
    "access_code.replaced": _l("Gave you a new access code in place of the old one"),
    "access_code.revoked": _l("Stopped your access code"),
    "notice.acknowledged": _l("Noted that you read the privacy notice"),
}
ROLE_LABELS: dict[str, str] = {  # lazy strings
    "agency_staff": _l("Agency staff"),
    "agency_admin": _l("Agency administrator"),
    "hmis_lead": _l("HMIS lead (County Community Services)"),
    "system_admin": _l("System administrator"),
}


@dataclass(frozen=True)
class Line:
    kind: str  # access (in the portal) or disclosure (outside the HMIS)
    day: dt.date
    at: dt.datetime | None  # the moment, for portal access
    who: str
    what: str
    why: str | None
    basis: str | None
    reference: str | None
    keys: tuple[str, ...]  # the action key, or the purpose and item keys (for the JSON)


def accounting(session: Session, personal_id: str, today: dt.date | None = None) -> list[Line]:
    """Everything the client may see of who saw their information, newest first."""
    lines = []
    for event in staff_access_to(session, personal_id):
        at = event.at
        who = event.agency or _("County HMIS")
        role = ROLE_LABELS.get(event.role or "")
        lines.append(
            Line(
                "access",
                at.date(),
                at,
                f"{who} · {role}" if role else who,
                str(ACTION_LABELS.get(event.action, event.action)),
                None,
                None,
                None,
                (event.action,),
            )
        )
    for entry in disclosures_for_client(session, personal_id, today):
        who = entry.recipient_organization
        if entry.recipient_person:
            who = f"{who} ({entry.recipient_person})"
        purpose = PURPOSE_BY_KEY.get(entry.purpose)
        lines.append(
            Line(
                "disclosure",
                entry.disclosed_on,
                None,
                who,
                "; ".join(str(ITEM_GROUPS.get(key, key)) for key in entry.item_keys),
                str(purpose.label) if purpose else entry.purpose,
                entry.basis,
                entry.reference,
                (entry.purpose, *entry.item_keys),
            )
        )
    lines.sort(key=lambda line: (line.day, line.at.time() if line.at else dt.time()), reverse=True)
    return lines


def accounting_json(lines: list[Line], *, produced_at: dt.datetime, language: str) -> str:
    """The accounting for machines: keys as recorded, with the client's-language words."""
    return json.dumps(
        {
            "schema": "hmis-portal/accounting-of-disclosures/1",
            "produced_at": produced_at.isoformat(timespec="seconds") + "Z",
            "language": language,
            "entries": [
                {
                    "kind": line.kind,
                    "date": line.day.isoformat(),
                    "at": line.at.isoformat(timespec="seconds") + "Z" if line.at else None,
                    "who": line.who,
                    "what": line.what,
                    "why": line.why,
                    "basis": line.basis,
                    "reference": line.reference,
                    "action" if line.kind == "access" else "purpose": line.keys[0],
                    **({"items": list(line.keys[1:])} if line.kind == "disclosure" else {}),
                }
                for line in lines
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def accounting_pdf(lines: list[Line], *, produced_at: dt.datetime, language: str) -> bytes:
    """A tagged PDF (PDF/UA-1) in the client's language."""
    return pdf_from_template(
        "disclosures/accounting_pdf.html", lines=lines, produced_at=produced_at, language=language
    )
