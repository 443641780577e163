"""Every model, imported once so the metadata is complete (for Alembic and tests)."""

from portal.access.models import AccessCode, ClientSession, HandOff
from portal.accounts.models import PolicyAcceptance, StaffSession, StaffUser
from portal.audit.models import AuditEntry, AuditHead
from portal.client.models import RecordView
from portal.consents.models import Consent
from portal.db import Base
from portal.disclosures.models import DisclosureEntry, DisclosureHead, DisclosurePerson
from portal.hmis.models import (
    Client,
    Enrollment,
    Exit,
    HmisUser,
    IdentityVersion,
    ImportOutcome,
    ImportRun,
    Organization,
    Project,
)
from portal.notice.models import NoticeAcknowledgement, NoticeText, NoticeVersion
from portal.requests.models import Request, RequestEvent, WithheldItem
from portal.retention.models import RetentionPurge, RetentionRule
from portal.sharing.models import SharingChange

metadata = Base.metadata

__all__ = [
    "AccessCode",
    "AuditEntry",
    "AuditHead",
    "Client",
    "ClientSession",
    "Consent",
    "DisclosureEntry",
    "DisclosureHead",
    "DisclosurePerson",
    "Enrollment",
    "Exit",
    "HandOff",
    "HmisUser",
    "IdentityVersion",
    "ImportOutcome",
    "ImportRun",
    "NoticeAcknowledgement",
    "NoticeText",
    "NoticeVersion",
    "Organization",
    "PolicyAcceptance",
    "Project",
    "RecordView",
    "Request",
    "RequestEvent",
    "RetentionPurge",
    "RetentionRule",
    "SharingChange",
    "StaffSession",
    "StaffUser",
    "WithheldItem",
    "metadata",
]
