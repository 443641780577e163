"""Every model, imported once so the metadata is complete (for Alembic and tests)."""

from portal.access.models import AccessCode
from portal.accounts.models import StaffUser
from portal.db import Base
from portal.hmis.models import Client, Enrollment, Exit, HmisUser, ImportRun, Organization, Project
from portal.notice.models import NoticeAcknowledgement, NoticeText, NoticeVersion

metadata = Base.metadata

__all__ = [
    "AccessCode",
    "Client",
    "Enrollment",
    "Exit",
    "HmisUser",
    "ImportRun",
    "NoticeAcknowledgement",
    "NoticeText",
    "NoticeVersion",
    "Organization",
    "Project",
    "StaffUser",
    "metadata",
]
