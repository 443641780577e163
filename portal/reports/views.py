"""Reports (issue 7): the HMIS lead's dashboard over every agency, and an agency data
administrator's over their own agency (without complaints, which only the lead sees).

The filters travel in the URL (a GET form); the CSV download takes the same filters and holds the
same figures, from portal/reports/numbers.py. Viewing and downloading are audited, without values.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _

from portal import db
from portal.accounts.current import signed_in_staff, staff_required
from portal.accounts.models import Role, StaffUser
from portal.audit.services import record
from portal.hmis.models import Organization
from portal.htmx import render_page
from portal.reports import charts, policy
from portal.reports.export import days_text, report_csv
from portal.reports.forms import ReportFilterForm
from portal.reports.labels import COMPLAINT_OUTCOME_LABELS, NOT_RECORDED
from portal.reports.numbers import (
    REPORT_ROLES,
    ReportNotAllowed,
    ReportScope,
    build_report,
    scope_for,
)
from portal.requests.forms import CATEGORY_LABELS
from portal.requests.labels import DENIAL_REASON_LABELS, STATUS_LABELS, TYPE_LABELS
from portal.requests.queue import agency_choices
from portal.timeutil import utcnow

bp = Blueprint("reports", __name__)


def _number(value: int) -> str:
    return str(format_decimal(value))


def _days(value: float | None) -> str:
    """Days to one decimal place, rounded as in the CSV, written the locale's way."""
    text = days_text(value)
    return str(format_decimal(Decimal(text), format="#,##0.0")) if text else _("none")


LABELS = {
    "type_labels": TYPE_LABELS,
    "status_labels": STATUS_LABELS,
    "denial_reason_labels": DENIAL_REASON_LABELS,
    "category_labels": CATEGORY_LABELS,
    "complaint_outcome_labels": COMPLAINT_OUTCOME_LABELS,
    "not_recorded": NOT_RECORDED,
    "number": _number,
    "days": _days,
}


def _timezone() -> str:
    return str(current_app.config["PORTAL"].timezone)


def _filters(user: StaffUser) -> tuple[ReportFilterForm, ReportScope | None, str]:
    """The form as sent, and (when it is valid) the report's scope and the agency's name."""
    session = db.session()
    today = utcnow().replace(tzinfo=dt.UTC).astimezone(ZoneInfo(_timezone())).date()
    form = ReportFilterForm(request.args, today)
    agencies = dict(agency_choices(session, user))  # the lead's choice; nobody else's
    if user.role is Role.HMIS_LEAD:
        form.set_agencies(list(agencies.items()))
    else:
        del form.agency
    if not form.validate():
        return form, None, ""
    form.date_from.data, form.date_to.data = form.dates()
    try:
        scope = scope_for(
            user,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
            agency_id=form.agency.data if "agency" in form else None,
            timezone=_timezone(),
        )
    except ReportNotAllowed:
        abort(403)
    if scope.agency_id is None:
        return form, scope, _("All agencies")
    if scope.agency_id in agencies:
        return form, scope, agencies[scope.agency_id]
    own = session.get(Organization, scope.agency_id)
    return form, scope, own.name if own else scope.agency_id


def _args(scope: ReportScope, user: StaffUser) -> dict[str, str]:
    """The filters in effect as URL arguments (the empty dates filled in)."""
    args = {"date_from": scope.date_from.isoformat(), "date_to": scope.date_to.isoformat()}
    if user.role is Role.HMIS_LEAD and scope.agency_id:
        args["agency"] = scope.agency_id
    return args


@bp.get("/staff/reports")
@staff_required(*REPORT_ROLES)
def dashboard_show() -> Response:
    user = signed_in_staff()
    form, scope, agency_name = _filters(user)
    if scope is None:
        return render_page("reports/dashboard_show.html", form=form, report=None, **LABELS)
    report = build_report(db.session(), scope)
    record(db.session(), "reports.viewed")
    db.session().commit()
    url_args: dict[str, Any] = _args(scope, user)  # Any: as url_for takes its values
    return render_page(
        "reports/dashboard_show.html",
        form=form,
        report=report,
        agency_name=agency_name,
        month_chart=charts.month_chart(report),
        outcome_chart=charts.outcome_chart(report),
        export_url=url_for("reports.dashboard_export", **url_args),
        **LABELS,
    )


@bp.get("/staff/reports/policy-acceptance")
@staff_required(*REPORT_ROLES)
def policy_acceptance_show() -> Response:
    """The share of staff who accepted the End User Policy in force, by agency, and who has not."""
    report = policy.policy_acceptance(db.session(), signed_in_staff())
    record(db.session(), "reports.viewed", object_type="report", object_id="policy_acceptance")
    db.session().commit()
    return render_page("reports/policy_acceptance.html", report=report)


@bp.get("/staff/reports/export")
@staff_required(*REPORT_ROLES)
def dashboard_export() -> ResponseReturnValue:
    user = signed_in_staff()
    _form, scope, agency_name = _filters(user)
    if scope is None:  # the page says what is wrong with the filters
        same: dict[str, Any] = request.args.to_dict()  # Any: as url_for takes its values
        return redirect(url_for("reports.dashboard_show", **same), 303)
    report = build_report(db.session(), scope)
    record(db.session(), "reports.exported")
    db.session().commit()
    filename = f"reports-{scope.date_from:%Y%m%d}-{scope.date_to:%Y%m%d}.csv"
    # A byte-order mark, so spreadsheets read Spanish and Polish labels as UTF-8.
    return Response(
        "\ufeff" + report_csv(report, agency_name),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
