"""An import run's page: its counts, why it was stopped (and the HMIS lead's button to import
it anyway), and its quarantined and flagged rows, paged, filtered by file and rule, and as a
CSV download for the agency data administrators who fix the source."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse

from portal import db
from portal.accounts.current import signed_in_staff, staff_required
from portal.accounts.models import Role
from portal.exchange import import_report, services
from portal.exchange.blueprint import bp
from portal.hmis import services as imports
from portal.hmis.importer import Limits
from portal.hmis.models import ImportRun
from portal.hmis.outcomes import RULES
from portal.htmx import render_page
from portal.timeutil import utcnow


class AcceptForm(FlaskForm):
    """The confirm button: CSRF only."""


def _run(run_id: int) -> ImportRun:
    run = db.session().get(ImportRun, run_id)
    if run is None:
        abort(404)
    return run


def _filters() -> tuple[str | None, str | None]:
    file = request.args.get("file") or None
    rule = request.args.get("rule") or None
    return file, (rule if rule in RULES else None)


@bp.get("/staff/exchange/imports/<int:run_id>")
@staff_required(Role.HMIS_LEAD)
def import_show(run_id: int) -> Response:
    session = db.session()
    run = _run(run_id)
    file, rule = _filters()
    page = imports.outcome_page(session, run.id, file, rule, request.args.get("page", 1, int))
    files, rules = imports.outcome_choices(session, run.id)
    services.note_viewed(session, run.id)
    return render_page(
        "exchange/import_show.html",
        found=import_report.import_view(run),
        outcomes=page,
        files=files,
        rules=rules,
        chosen_file=file if file in files else None,
        chosen_rule=rule,
        form=AcceptForm(),
        rule_labels=RULE_LABELS,
    )


@bp.get("/staff/exchange/imports/<int:run_id>/problems-csv")
@staff_required(Role.HMIS_LEAD)
def problems_download(run_id: int) -> Response:
    session = db.session()
    run = _run(run_id)
    file, rule = _filters()
    services.note_outcomes_downloaded(session, run.id)
    body = "".join(imports.outcomes_csv(session, run.id, file, rule))
    filename = f"import-{run.id}-problems-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/staff/exchange/imports/<int:run_id>/accept")
@staff_required(Role.HMIS_LEAD)
def import_accept(run_id: int) -> BaseResponse:
    run = _run(run_id)
    form = AcceptForm()
    if not form.validate():
        abort(400)
    session = db.session()
    staff = signed_in_staff()
    who = f"{staff.email} (staff user {staff.id})"
    try:
        new_run = services.accept_import(
            session, run.id, who, Limits.from_settings(current_app.config["PORTAL"])
        )
    except imports.NotAcceptable:
        flash(
            _(
                "This import cannot be accepted: it was not stopped, it was accepted already, "
                "or its export is no longer on the server."
            ),
            "error",
        )
        return redirect(url_for("exchange.import_show", run_id=run.id), code=303)
    flash(_("The export was imported over the safety threshold."), "success")
    return redirect(url_for("exchange.import_show", run_id=new_run.id), code=303)


# The rules in the reader's language (portal/hmis/outcomes.py has them in the report's English).
RULE_LABELS = {
    "duplicate_key": _l("The same id twice in a file; the one updated last is kept"),
    "blank_key": _l("A blank id, or a blank id of the record it belongs to"),
    "missing_parent": _l("The record it belongs to is missing or was quarantined"),
    "second_exit": _l("A second exit for one enrollment"),
    "bad_date": _l("A date that cannot be read or does not exist"),
    "too_long": _l("A value longer than the portal keeps"),
    "nul_character": _l("A NUL character in a value"),
    "field_count": _l("More cells than the header has names"),
    "not_on_list": _l("A code not on HUD's list for that field"),
    "bad_value": _l("A value not in the shape HUD gives"),
    "blank_value": _l("A blank value where HUD requires one"),
    "household_head": _l("A household with no head, or with two"),
    "exit_before_entry": _l("An exit dated before its entry"),
    "future_date": _l("A date after the export was made"),
    "date_before_1900": _l("A date before 1900"),
    "exit_person": _l("An exit of another person than its enrollment"),
    "missing_column": _l("A column is missing and was read as blank"),
    "missing_file": _l("A file the portal needs is missing"),
    "no_column": _l("A column the portal cannot do without is missing"),
    "no_export": _l("Export.csv has no row"),
    "bad_export": _l("Export.csv cannot be read"),
}
