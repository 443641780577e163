"""The HMIS lead keeps the public list of partner agencies: who is shown, and what is said of them.

The organizations themselves come from the HMIS import; only the public listing is kept here."""

from __future__ import annotations

from flask import Response, abort, flash
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField, ValidationError

from portal import db
from portal.accounts.current import staff_required
from portal.accounts.models import Role
from portal.audit.services import record
from portal.hmis.models import Organization
from portal.htmx import redirect_to, render_page
from portal.notice import services
from portal.notice.blueprint import bp
from portal.requests.forms import clean_text

DESCRIPTION_MAX = 1000
CONTACT_MAX = 300  # the column's size


class ListingForm(FlaskForm):
    listed = BooleanField(_l("Show on the public list of partner agencies"))
    description = TextAreaField(_l("Description for the public"), filters=[clean_text])
    contact = TextAreaField(_l("Contact for the public"), filters=[clean_text])

    # The length is checked here, not by a maxlength attribute: the lead can paste a long text,
    # see how far over it is, and shorten it without losing it.
    def validate_description(self, field: TextAreaField) -> None:
        if (count := len(field.data or "")) > DESCRIPTION_MAX:
            raise ValidationError(
                _(
                    "The description must be %(max)d characters or fewer. It has %(count)d.",
                    max=DESCRIPTION_MAX,
                    count=count,
                )
            )

    def validate_contact(self, field: TextAreaField) -> None:
        if (count := len(field.data or "")) > CONTACT_MAX:
            raise ValidationError(
                _(
                    "The contact must be %(max)d characters or fewer. It has %(count)d.",
                    max=CONTACT_MAX,
                    count=count,
                )
            )


def _listable_or_404(organization_id: str) -> Organization:
    organization = services.listable_organization(db.session(), organization_id)
    if organization is None:
        abort(404)  # victim service providers and deleted organizations are never listed
    return organization


@bp.get("/staff/partners")
@staff_required(Role.HMIS_LEAD)
def staff_partners_list() -> Response:
    session = db.session()
    return render_page(
        "notice/staff_partners_list.html",
        organizations=services.organizations_for_lead(session),
        can_be_listed=services.can_be_listed,
        changed_at=services.partner_list_changed_at(session),
    )


@bp.route("/staff/partners/<organization_id>", methods=["GET", "POST"])
@staff_required(Role.HMIS_LEAD)
def partner_edit(organization_id: str) -> ResponseReturnValue:
    organization = _listable_or_404(organization_id)
    form = ListingForm(
        listed=not organization.hidden_from_public,
        description=organization.public_description,
        contact=organization.public_contact,
    )
    if form.validate_on_submit():
        session = db.session()
        changed = services.update_public_listing(
            session,
            organization,
            listed=form.listed.data,
            description=form.description.data,
            contact=form.contact.data,
        )
        if changed:
            record(
                session,
                "partners.updated",
                object_type="organization",
                object_id=organization.organization_id,
            )
        session.commit()
        flash(_("The changes are saved.") if changed else _("Nothing was changed."), "success")
        return redirect_to("notice.staff_partners_list")
    return render_page(
        "notice/partner_edit.html",
        form=form,
        organization=organization,
        description_max=DESCRIPTION_MAX,
        contact_max=CONTACT_MAX,
    )
