"""The two lists a disclosure names: why (the notice's list of uses) and what (record item groups).

Both are defined here and nowhere else. The item groups are deliberately coarse, so they can later
be mapped onto the record-item registry one to many without changing a recorded entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Purpose:
    key: str
    label: str  # lazy string (plain words, as the client reads them)
    needs_consent: str | None = None  # the consent form kind that must be active, if any
    may_delay: bool = False  # an order may keep it from the client's view until a date


RESEARCH_CONSENT = "consent_research"
OTHER_CONSENT = "consent_other"

# Translators: why a client's information was given to someone outside the HMIS. The client reads
# these on the "Who saw my information" page; they follow the privacy notice's list of uses.
PURPOSES = (
    Purpose("audit", _l("An audit or review of the HMIS's work")),
    Purpose("research_agreement", _l("Research under a signed research agreement")),
    Purpose(
        "research_identified",
        _l("Research that uses your name or SSN, with your written consent"),
        needs_consent=RESEARCH_CONSENT,
    ),
    Purpose(
        "mandated_report",
        _l("A report the law requires (homelessness, abuse, neglect or domestic violence)"),
    ),
    Purpose("coroner", _l("A coroner, medical examiner or funeral director doing their job")),
    Purpose(
        "federal_officials",
        _l("Federal officials, for national security or protecting certain officials"),
        may_delay=True,
    ),
    Purpose(
        "law_enforcement",
        _l("Police or courts, only what they needed (for example a court order or warrant)"),
        may_delay=True,
    ),
    Purpose("required_by_law", _l("Another use the law requires"), may_delay=True),
    Purpose("serious_threat", _l("To prevent a serious threat to someone's health or safety")),
    Purpose(
        "other_with_consent",
        _l("Another use, with your written consent"),
        needs_consent=OTHER_CONSENT,
    ),
)
PURPOSE_BY_KEY = {purpose.key: purpose for purpose in PURPOSES}

# Translators: which parts of a client's record were given out (a list the client reads).
ITEM_GROUPS = {
    "identity": _l("Your name and date of birth"),
    "ssn": _l("Your Social Security number"),
    "contact": _l("How to contact you"),
    "demographics": _l("Your race, ethnicity, gender and veteran status"),
    "enrollments": _l("The programs you were in, with dates"),
    "exits": _l("Why you left a program and where you went"),
    "case_manager": _l("Your case manager's contact"),
    "requests": _l("Your requests and complaints"),
}


def parse_items(text: str) -> list[str]:
    """Item keys from "identity, ssn" (any order, duplicates dropped); unknown keys stay in,
    for the caller to refuse."""
    seen: list[str] = []
    for part in text.replace(";", ",").split(","):
        key = part.strip().lower().replace("-", "_").replace(" ", "_")
        key = ITEM_ALIASES.get(key, key)
        if key and key not in seen:
            seen.append(key)
    return seen


# Words an operator may type for a purpose: the notice's own words, singular or plural.
PURPOSE_ALIASES = {
    "audits": "audit",
    "auditor": "audit",
    "auditors": "audit",
    "research": "research_agreement",
    "researchers": "research_agreement",
    "identified_research": "research_identified",
    "mandated": "mandated_report",
    "mandated_reports": "mandated_report",
    "coroners": "coroner",
    "medical_examiner": "coroner",
    "federal": "federal_officials",
    "federal_official": "federal_officials",
    "police": "law_enforcement",
    "court_order": "law_enforcement",
    "required": "required_by_law",
    "law": "required_by_law",
    "threat": "serious_threat",
    "serious_threats": "serious_threat",
    "other": "other_with_consent",
    "consent": "other_with_consent",
}
ITEM_ALIASES = {"name": "identity", "dob": "identity", "enrollment": "enrollments"}


def purpose_key(typed: str) -> str:
    """The purpose key for what an operator typed ("Law-Enforcement", "auditors")."""
    key = typed.strip().lower().replace("-", "_").replace(" ", "_")
    return PURPOSE_ALIASES.get(key, key)
