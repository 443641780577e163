"""The HMIS lead's retention schedule page (the operator's commands are in commands.py)."""

from __future__ import annotations

from flask import Blueprint, Response, flash
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from portal import db
from portal.accounts.current import signed_in_staff, staff_required
from portal.accounts.models import Role
from portal.audit.services import record
from portal.htmx import redirect_to, render_page
from portal.retention import services
from portal.retention.forms import PurgeForm, ScheduleForm
from portal.retention.services import DATA_TYPES

bp = Blueprint("retention", __name__)
SHOWN_DUE = 100


# A template global that is a mapping, not a function (what add_app_template_global does).
bp.record_once(lambda state: state.app.jinja_env.globals.update(retention_data_types=DATA_TYPES))


@bp.app_template_global()
def retention_schedule() -> list[services.Rule]:
    """The schedule in force, for the notice page."""
    return services.schedule(db.session())


@bp.route("/staff/retention", methods=["GET", "POST"])
@staff_required(Role.HMIS_LEAD)
def schedule_edit() -> ResponseReturnValue:
    """The schedule per data type, and the dry run: who is due, under which rule."""
    session = db.session()
    rules = services.schedule(session)
    form = ScheduleForm(data={rule.data_type: rule.years for rule in rules})
    if form.validate_on_submit():
        user = signed_in_staff()
        for data_type in DATA_TYPES:
            if services.set_years(session, data_type, form[data_type].data, user.id):
                record(
                    session, "retention.schedule_changed", object_type="rule", object_id=data_type
                )
        session.commit()
        flash(_("The retention schedule is saved."), "success")
        return redirect_to("retention.schedule_edit")
    return _schedule_page(form, PurgeForm(formdata=None))


def _schedule_page(form: ScheduleForm, purge_form: PurgeForm) -> Response:
    due = services.records_due(db.session())
    return render_page(
        "retention/schedule_edit.html",
        form=form,
        purge_form=purge_form,
        due=due[:SHOWN_DUE],
        due_count=len(due),
        data_types=DATA_TYPES,
    )


@bp.post("/staff/retention/purge")
@staff_required(Role.HMIS_LEAD)
def purge_confirm() -> ResponseReturnValue:
    """The lead confirms: purge every client due now, keeping de-identified stubs."""
    purge_form = PurgeForm()
    if not purge_form.validate_on_submit():
        rules = services.schedule(db.session())
        form = ScheduleForm(formdata=None, data={r.data_type: r.years for r in rules})
        return _schedule_page(form, purge_form)
    purged = services.purge(db.session(), services.records_due(db.session()))
    services.audit_purged(db.session(), purged)
    db.session().commit()
    flash(
        ngettext(
            "Purged the personal data of %(num)d client.",
            "Purged the personal data of %(num)d clients.",
            len(purged),
        ),
        "success",
    )
    return redirect_to("retention.schedule_edit")
