"""A client's own record, as the privacy notice promises it (DESIGN.md 6).

One builder serves the record page and every download, so what a client reads, prints and
downloads is the same. Each item has a stable key (what a correction names), a label and a value in
the client's language; approved corrections show the new value with the old one marked; items
withheld under a HUD exception stay in the list, marked, with the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portal.hmis import csvspec
from portal.hmis.code_labels import translated
from portal.hmis.codes import codes, race_labels
from portal.hmis.items import BY_KEY, entry_for, hud_cells
from portal.hmis.models import Client, Enrollment, Exit, HmisUser, Project
from portal.i18n import format_date, format_list
from portal.requests.models import Request, RequestType, Status, WithheldItem
from portal.requests.services import client_requests
from portal.sharing.models import SharingChange

GENDER_COLUMNS = {  # FY2024 3.06.1: column -> code in the Gender list
    "woman": 0,
    "man": 1,
    "culturally_specific": 2,
    "different_identity": 3,
    "non_binary": 4,
    "transgender": 5,
    "questioning": 6,
}
RACE_COLUMNS = {  # column -> key in the Race list
    "am_ind_ak_native": "AmIndAKNative",
    "asian": "Asian",
    "black_af_american": "BlackAfAmerican",
    "hispanic_latinaeo": "HispanicLatinaeo",
    "mid_east_n_african": "MidEastNAfrican",
    "native_hi_pacific": "NativeHIPacific",
    "white": "White",
}
YES = 1


@dataclass(frozen=True)
class Withholding:
    reason: str  # one of requests.services.DENIAL_REASONS
    explanation: str | None


@dataclass(frozen=True)
class CodedValue:
    """One coded value as the HUD CSV holds it: the column, the code in it and what it means."""

    hud_field: str  # the HUD CSV column ("Sex", "Woman", "RaceNone")
    code: str  # the value in that column ("1")
    label: str  # what it means, in the client's language
    choice: str | None = None  # the item's own code (what a correction form offers), if any


@dataclass
class Item:
    key: str
    label: str
    value: str  # as the client reads it; "" when nothing is recorded
    # The value in plain English, stored with a correction request so staff read what was shown.
    plain: str = ""
    correctable: bool = True
    masked: str | None = None  # what to show until the client asks to see it (SSN)
    was: str | None = None  # the value before an approved correction
    corrected_on: dt.datetime | None = None
    withheld: Withholding | None = None
    disagreement: str | None = None
    coded: list[CodedValue] = field(default_factory=list)  # coded items: each value's HUD code

    @property
    def choices(self) -> set[str]:
        """The codes of the item's code list it holds now (what a correction must change)."""
        return {value.choice for value in self.coded if value.choice is not None}

    @property
    def fingerprint(self) -> str:
        """Stands for the value on a form (so a stale page is noticed) without revealing it."""
        return hashlib.sha256(f"{self.key}\0{self.plain}".encode()).hexdigest()[:32]


@dataclass
class EnrollmentRecord:
    enrollment_id: str
    project: str
    agency: str
    case_manager: str | None
    items: list[Item]
    agency_id: str = ""  # the agency's HMIS id: whose queue a correction of this goes to


@dataclass(frozen=True)
class SharingEvent:
    at: dt.datetime
    refused: bool
    reference: str
    signed_by_someone_else: bool  # a parent signed for this child


@dataclass
class RecordItems:
    """The items of a record: what the client reads about themselves, and what a correction
    names."""

    personal_id: str
    data_standards: str
    identity: list[Item]
    demographics: list[Item]
    enrollments: list[EnrollmentRecord]
    sharing_events: list[SharingEvent]

    @property
    def refuses_sharing(self) -> bool:
        return bool(self.sharing_events) and self.sharing_events[-1].refused

    def items(self) -> list[Item]:
        found = [*self.identity, *self.demographics]
        for enrollment in self.enrollments:
            found.extend(enrollment.items)
        return found

    def item(self, key: str) -> Item | None:
        return next((item for item in self.items() if item.key == key), None)


@dataclass
class ClientRecord(RecordItems):
    """The whole record, with the client's requests (for the downloads)."""

    requests: list[Request] = field(default_factory=list)


def _label(standards: str, list_name: str, code: object) -> tuple[str, str]:
    """(translated, English) label of a HUD code; ("", "") when nothing is recorded."""
    if code is None:
        return "", ""
    english = _english_label(standards, list_name, code)
    return translated(english), english


def _english_label(standards: str, list_name: str, code: object) -> str:
    """HUD's label; "" (shown as not recorded) for a code off HUD's list, which the import
    keeps as the HMIS gave it, with a flag."""
    if list_name == "Race":  # keyed by column name, not by number
        return race_labels(standards).get(str(code), "")
    number = int(str(code)) if str(code).isdigit() else None
    return codes(standards, list_name).get(number, "") if number is not None else ""


def _coded(registry_key: str, standards: str, code: object) -> tuple[str, str]:
    """The label of a coded item's value, from the item's HUD code list in the registry."""
    code_list = BY_KEY[registry_key].code_list
    if code_list is None:
        raise KeyError(f"{registry_key} is not a coded item of the registry")
    return _label(standards, code_list, code)


def _date(value: dt.date | None) -> tuple[str, str]:
    return (format_date(value, "long"), value.isoformat()) if value else ("", "")


def _text(value: str | None) -> tuple[str, str]:
    return (value or "", value or "")


def _item(key: str, shown: tuple[str, str], masked: str | None = None) -> Item:
    """An item of the registry (portal.hmis.items), which gives its label and who may correct it."""
    entry = entry_for(key)
    if entry is None:
        raise KeyError(f"{key} is not in the registry of record items")
    return Item(
        key=key,
        label=str(entry.label),
        value=shown[0],
        plain=shown[1],
        correctable=entry.client_correctable,
        masked=masked,
    )


def _identity(client: Client) -> list[Item]:
    ssn = client.ssn or ""
    return [
        _item("identity.first_name", _text(client.first_name)),
        _item("identity.middle_name", _text(client.middle_name)),
        _item("identity.last_name", _text(client.last_name)),
        _item("identity.name_suffix", _text(client.name_suffix)),
        _item("identity.dob", _date(client.dob)),
        _item(
            "identity.ssn",
            (_format_ssn(ssn), ssn),
            masked=_("Ends in %(last_four)s", last_four=ssn[-4:]) if len(ssn) >= 4 else None,
        ),
    ]


def _format_ssn(ssn: str) -> str:
    return f"{ssn[:3]}-{ssn[3:5]}-{ssn[5:]}" if len(ssn) == 9 and ssn.isdigit() else ssn


def _joined(pairs: list[tuple[str, str]]) -> tuple[str, str]:
    """Several values as one: a list in the client's language, and plain English for staff."""
    return format_list([p[0] for p in pairs if p[0]]), ", ".join(p[1] for p in pairs if p[1])


def _coded_value(
    standards: str, list_name: str, hud_field: str, code: object, choice: object = None
) -> CodedValue:
    return CodedValue(
        hud_field,
        str(code),
        _label(standards, list_name, choice if choice is not None else code)[0],
        str(choice if choice is not None else code),
    )


def client_coded_values(client: Client) -> dict[str, list[CodedValue]]:
    """The HUD codes behind each coded demographic item (for downloads and correction forms)."""
    standards = client.data_standards
    columns = {c.attribute: c.name for c in csvspec.CLIENT.columns_for(standards)}
    gender = [
        _coded_value(standards, "Gender", columns[attribute], YES, code)
        for attribute, code in GENDER_COLUMNS.items()
        if standards == "FY2024" and getattr(client, attribute) == YES
    ]
    if standards == "FY2024" and not gender and client.gender_none is not None:
        gender = [_coded_value(standards, "Gender", "GenderNone", client.gender_none)]
    race = [
        _coded_value(standards, "Race", columns[attribute], YES, key)
        for attribute, key in RACE_COLUMNS.items()
        if getattr(client, attribute) == YES
    ]
    if not race and client.race_none is not None:
        none = client.race_none
        race = [CodedValue("RaceNone", str(none), _label(standards, "RaceNone", none)[0])]
    found = {"demographics.gender": gender, "demographics.race": race}
    if standards == "FY2026" and client.sex is not None:
        found["demographics.sex"] = [_coded_value(standards, "Sex", "Sex", client.sex)]
    if client.veteran_status is not None:
        found["demographics.veteran_status"] = [
            _coded_value(
                standards, "NoYesReasonsForMissingData", "VeteranStatus", client.veteran_status
            )
        ]
    return found


def exit_coded_values(standards: str, exit_: Exit) -> dict[str, list[CodedValue]]:
    early_list = "EarlyExitReason" if standards == "FY2024" else "ExpelledReason"
    reasons = [
        CodedValue(column, str(code), _label(standards, list_name, code)[0])
        for column, list_name, code in (
            ("ProjectCompletionStatus", "ProjectCompletionStatus", exit_.project_completion_status),
            ("EarlyExitReason", early_list, exit_.early_exit_reason),
            ("CMExitReason", "CmExitReason", exit_.cm_exit_reason),
        )
        if code is not None
    ]
    found = {"reason_for_leaving": reasons}
    if exit_.destination is not None:
        found["destination"] = [
            _coded_value(standards, "Destination", "Destination", exit_.destination)
        ]
    return found


def demographic_items(client: Client) -> list[Item]:
    items = _demographic_items(client)
    coded = client_coded_values(client)
    for item in items:
        item.coded = coded.get(item.key, [])
    return items


def _demographic_items(client: Client) -> list[Item]:
    standards = client.data_standards
    items = []
    if standards == "FY2024":
        chosen = [
            _label(standards, "Gender", code)
            for column, code in GENDER_COLUMNS.items()
            if getattr(client, column) == YES
        ]
        if not chosen and client.gender_none is not None:
            chosen = [_label(standards, "Gender", client.gender_none)]
        if client.different_identity_text:
            chosen.append(_text(client.different_identity_text))
        items.append(_item("demographics.gender", _joined(chosen)))
    else:
        items.append(_item("demographics.sex", _coded("demographics.sex", standards, client.sex)))
    races = [
        _label(standards, "Race", key)
        for column, key in RACE_COLUMNS.items()
        if getattr(client, column) == YES
    ]
    if not races and client.race_none is not None:
        races = [_label(standards, "RaceNone", client.race_none)]
    if client.additional_race_ethnicity:
        races.append(_text(client.additional_race_ethnicity))
    items.append(_item("demographics.race", _joined(races)))
    veteran = "demographics.veteran_status"
    items.append(_item(veteran, _coded(veteran, standards, client.veteran_status)))
    return items


def _reason_for_leaving(standards: str, exit_: Exit) -> tuple[str, str]:
    early_list = "EarlyExitReason" if standards == "FY2024" else "ExpelledReason"
    return _joined(
        [
            _label(standards, "ProjectCompletionStatus", exit_.project_completion_status),
            _label(standards, early_list, exit_.early_exit_reason),
            _label(standards, "CmExitReason", exit_.cm_exit_reason),
        ]
    )


def _case_manager(user: HmisUser | None) -> str | None:
    if user is None:
        return None
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    phone = user.phone + (f" x{user.extension}" if user.extension else "") if user.phone else ""
    return ", ".join(part for part in (name, phone, user.email or "") if part) or None


def _enrollment(
    standards: str, enrollment: Enrollment, case_managers: dict[str, HmisUser]
) -> EnrollmentRecord:
    key = f"enrollment.{enrollment.enrollment_id}"
    exit_ = enrollment.exit if enrollment.exit and enrollment.exit.date_deleted is None else None
    items = [_item(f"{key}.entry_date", _date(enrollment.entry_date))]
    if exit_ is not None:
        destination = _coded("enrollment.destination", standards, exit_.destination)
        if exit_.other_destination:
            destination = _joined([destination, _text(exit_.other_destination)])
        items += [
            _item(f"{key}.exit_date", _date(exit_.exit_date)),
            _item(
                f"{key}.reason_for_leaving",
                _reason_for_leaving(standards, exit_),
            ),
            _item(f"{key}.destination", destination),
        ]
        coded = exit_coded_values(standards, exit_)
        for item in items:
            item.coded = coded.get(item.key.rsplit(".", 1)[-1], [])
    project = enrollment.project
    user = case_managers.get(enrollment.hmis_user_id or "")
    return EnrollmentRecord(
        enrollment_id=enrollment.enrollment_id,
        project=project.common_name or project.name,
        agency=project.organization.common_name or project.organization.name,
        case_manager=_case_manager(user),
        items=items,
        agency_id=project.organization_id,
    )


def _apply_corrections(record: ClientRecord, requests: list[Request]) -> None:
    """Newest approved correction per item shows; the old value stays, marked."""
    for request in sorted(requests, key=lambda r: r.decided_at or r.submitted_at):
        if request.type is not RequestType.CORRECTION or not request.item_key:
            continue
        item = record.item(request.item_key)
        if item is None:
            continue
        if request.status in (Status.APPROVED, Status.PARTLY_APPROVED) and request.corrected_value:
            if item.plain == request.corrected_value:
                # A later import brought the corrected value: the HMIS shows it already.
                item.was = item.was or request.current_value
            else:
                item.was = item.was or item.value
                item.value = item.plain = request.corrected_value
            if item.masked is not None:  # the SSN: the new and the old one stay masked
                item.masked = _("Ends in %(last_four)s", last_four=item.plain[-4:])
                if item.was:
                    item.was = _("Ends in %(last_four)s", last_four=item.was[-4:])
            item.corrected_on = request.decided_at
            entry = entry_for(item.key)
            if entry and request.requested_code and item.plain == request.requested_value:
                # Approved as asked: the codes the client chose are the item's codes now.
                choices = request.requested_code.split(";")
                item.coded = [
                    CodedValue(column, code, translated(english), choice)
                    for (column, code, english), choice in zip(
                        hud_cells(entry, record.data_standards, choices), choices, strict=True
                    )
                ]
        if request.disagreement:
            item.disagreement = request.disagreement


def _apply_withholdings(session: Session, record: ClientRecord) -> None:
    for withheld in session.execute(  # rows of three columns, not objects to track
        select(WithheldItem.item_key, WithheldItem.reason, WithheldItem.explanation).where(
            WithheldItem.personal_id == record.personal_id, WithheldItem.lifted_at.is_(None)
        )
    ):
        for item in record.items():
            if item.key == withheld.item_key or item.key.startswith(withheld.item_key + "."):
                item.withheld = Withholding(withheld.reason, withheld.explanation)
                item.value = item.plain = ""
                item.masked = item.was = None
                item.correctable = False


def sharing_events(session: Session, personal_id: str) -> list[SharingEvent]:
    rows = session.execute(  # rows of four columns, not objects to track
        select(
            SharingChange.effective_at,
            SharingChange.refused,
            Request.reference,
            Request.personal_id,
        )
        .join(Request, Request.id == SharingChange.request_id)
        .where(SharingChange.personal_id == personal_id)
        .order_by(SharingChange.effective_at, SharingChange.id)
    )
    return [
        SharingEvent(at, refused, reference, signer != personal_id)
        for at, refused, reference, signer in rows
    ]


def item_corrections(session: Session, personal_id: str, item_key: str) -> list[Request]:
    """The client's correction requests of one item (all that can change its value)."""
    return list(
        session.scalars(
            select(Request).where(
                Request.personal_id == personal_id,
                Request.type == RequestType.CORRECTION,
                Request.item_key == item_key,
            )
        )
    )


def client_record(
    session: Session, personal_id: str, *, for_item: str | None = None
) -> ClientRecord | None:
    """The whole record; with for_item, only what that one item's value needs (the correction
    pages check one item): its own corrections, no sharing history, no case managers."""
    client = session.get(Client, personal_id)
    if client is None or client.date_deleted is not None:
        return None
    # One statement for the enrollments with their projects, agencies and exits, and one for
    # their case managers (not one each).
    enrollments = session.scalars(
        select(Enrollment)
        .where(Enrollment.personal_id == personal_id, Enrollment.date_deleted.is_(None))
        .options(
            joinedload(Enrollment.project).joinedload(Project.organization),
            joinedload(Enrollment.exit),
        )
        .order_by(Enrollment.entry_date.desc())
    ).all()
    user_ids = {e.hmis_user_id for e in enrollments if e.hmis_user_id and for_item is None}
    case_managers = (
        {
            user.user_id: user
            for user in session.scalars(select(HmisUser).where(HmisUser.user_id.in_(user_ids)))
        }
        if user_ids
        else {}
    )
    requests = (
        client_requests(session, personal_id)
        if for_item is None
        else item_corrections(session, personal_id, for_item)
    )
    record = ClientRecord(
        personal_id=personal_id,
        data_standards=client.data_standards,
        identity=_identity(client),
        demographics=demographic_items(client),
        enrollments=[_enrollment(client.data_standards, e, case_managers) for e in enrollments],
        sharing_events=sharing_events(session, personal_id) if for_item is None else [],
        requests=requests,
    )
    _apply_corrections(record, requests)
    _apply_withholdings(session, record)
    return record
