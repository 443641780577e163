"""Staff find a client and open their record, as the sharing rule lets them see it."""

from __future__ import annotations

import datetime as dt

from flask import Response, abort, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Optional, Regexp

from portal import db
from portal.accounts.current import signed_in_staff, staff_required
from portal.accounts.models import Role
from portal.audit.services import record
from portal.client.record import demographic_items
from portal.htmx import render_page
from portal.requests import queue
from portal.requests.labels import STATUS_LABELS, TYPE_LABELS
from portal.requests.models import Request
from portal.sharing.blueprint import bp
from portal.sharing.lookup import Search, search_clients
from portal.sharing.rule import Viewer, is_own_agency_client, visible_record

LOOKUP_ROLES = (Role.AGENCY_STAFF, Role.AGENCY_ADMIN, Role.HMIS_LEAD)


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: searching changes nothing

    name = StringField(_l("Name"), validators=[Optional()])
    dob = DateField(
        _l("Date of birth"),
        validators=[Optional()],
        render_kw={"type": "date"},
    )
    ssn_last4 = StringField(
        _l("Last four of SSN (with a name or date of birth)"),
        validators=[Optional(), Regexp(r"^\d{4}$", message=_l("Enter four digits."))],
    )
    personal_id = StringField(_l("HMIS Personal ID"), validators=[Optional()])

    def search(self) -> Search:
        return Search(
            name=(self.name.data or "").strip(),
            dob=self.dob.data if isinstance(self.dob.data, dt.date) else None,
            ssn_last4=(self.ssn_last4.data or "").strip(),
            personal_id=(self.personal_id.data or "").strip(),
        )


@bp.get("/staff/clients")
@staff_required(*LOOKUP_ROLES)
def client_search_page() -> Response:
    form = SearchForm(request.args)
    results = None
    if request.args and form.validate():
        search = form.search()
        results = search_clients(db.session(), Viewer.of(signed_in_staff()), search)
        # Never the search terms: they are names and dates of birth.
        record(db.session(), "client.searched", object_type="results", object_id=len(results))
        db.session().commit()
    return render_page("sharing/client_search.html", form=form, results=results)


@bp.get("/staff/clients/<personal_id>")
@staff_required(*LOOKUP_ROLES)
def client_page(personal_id: str) -> Response:
    user = signed_in_staff()
    seen = visible_record(db.session(), Viewer.of(user), personal_id)
    if seen is None:
        abort(404)
    reveal = request.args.get("show") == "ssn"
    action = "client.ssn_revealed_by_staff" if reveal else "client.record_opened"
    record(db.session(), action, personal_id=personal_id)
    db.session().commit()
    requests = db.session().scalars(
        queue.scope(user)
        .where(Request.personal_id == personal_id)
        .order_by(Request.submitted_at.desc())
    )
    return render_page(
        "sharing/client_record.html",
        seen=seen,
        reveal=reveal,
        demographics=demographic_items(seen.client) if seen.demographics_visible else [],
        requests=list(requests),
        own_agency=is_own_agency_client(db.session(), Viewer.of(user), personal_id),
        type_labels=TYPE_LABELS,
        status_labels=STATUS_LABELS,
    )
