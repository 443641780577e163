"""The client's record as built for display, kept per client (a read model, issue 22).

Two parts, each with the stamp it was built from: the items (who the client is, about them, their
programs; what a correction checks) and the list (their requests and sharing history). Writers
bump a part's stamp (portal.client.record_view); a part whose built stamp is not the current one
is built again when next read. The row whose personal_id is "" holds a stamp for everyone (bumped
by bulk writes that cannot say whose record they change), added to each client's.
"""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.crypto import EncryptedString
from portal.db import Base

EVERYONE = ""  # the personal_id of the row whose stamps every client's record adds


class RecordView(Base):
    __tablename__ = "record_view"

    personal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    items_stamp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    list_stamp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    items_built: Mapped[int | None] = mapped_column(Integer)
    list_built: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(10))  # the items' language
    # JSON, encrypted: names, dates of birth and SSNs as the client reads them.
    items_body: Mapped[str | None] = mapped_column(EncryptedString)
    list_body: Mapped[str | None] = mapped_column(EncryptedString)
