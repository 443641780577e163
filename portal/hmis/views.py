"""The HMIS lead's exchange with the HMIS of record: the last imports and the export of changes
(an import run's own page is in import_views.py).

The export is a plain form POST answered with the CSV as an attachment (a download cannot be an
htmx swap); a bad date re-renders the page with the error next to the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, current_app, flash, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField
from wtforms.validators import InputRequired, ValidationError

from portal import db
from portal.accounts.current import staff_required
from portal.accounts.models import Role
from portal.audit.services import record
from portal.hmis import exchange, import_report
from portal.hmis.import_views import RULE_LABELS
from portal.htmx import render_page
from portal.timeutil import utcnow

bp = Blueprint("exchange", __name__)

RECENT_IMPORTS = 20


class DayField(DateField):
    """A date as the browser's date input sends it (or as typed: 2026-03-01, 3/1/2026).

    An empty or blank field has no date and no error, so it gets the "enter a date" message
    rather than the "not a real date" one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and not str(valuelist[0]).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


ENTER_A_DATE = _l("Enter the date to export changes from.")


class ExportForm(FlaskForm):
    since = DayField(
        _l("Changes made on or after"),
        format=["%Y-%m-%d", "%m/%d/%Y"],
        invalid_value_message=_l("Enter a real date, for example 2026-03-01."),
        validators=[InputRequired(ENTER_A_DATE)],
    )
    again = BooleanField(_l("Include rows already exported"))

    def validate_since(self, field: DayField) -> None:
        if field.data is None and not field.errors:
            # Only spaces: InputRequired sees something typed, but there is no date.
            raise ValidationError(ENTER_A_DATE)
        if field.data and field.data > _today():
            raise ValidationError(_l("The date must be today or earlier."))


def _timezone() -> str:
    return str(current_app.config["PORTAL"].timezone)


def _today() -> dt.date:
    return to_user_timezone(utcnow()).date()


PREVIEW_ROWS = 10
CHANGE_LABELS = {
    exchange.CORRECTION: _l("Corrections"),
    exchange.SHARING_REFUSED: _l("Sharing refused"),
    exchange.SHARING_RESTORED: _l("Sharing restored"),
}


def _page(form: ExportForm, preview: exchange.ChangesExport | None = None) -> Response:
    session = db.session()
    record(session, "hmis.exchange_viewed")
    session.commit()
    return render_page(
        "exchange/exchange_show.html",
        form=form,
        imports=import_report.recent_imports(session, RECENT_IMPORTS),
        rule_labels=RULE_LABELS,
        preview=preview,
        preview_rows=preview.rows[:PREVIEW_ROWS] if preview else [],
        per_kind=exchange.rows_per_kind(preview) if preview else {},
        change_labels=CHANGE_LABELS,
        columns=exchange.COLUMNS,
        pending=exchange.pending_count(session),
        last_export=exchange.last_export_at(session),
    )


@bp.get("/staff/exchange")
@staff_required(Role.HMIS_LEAD)
def exchange_show() -> Response:
    last = exchange.last_export_at(db.session())
    since = to_user_timezone(last).date() if last else None
    return _page(ExportForm(data={"since": since}))


@bp.post("/staff/exchange/export")
@staff_required(Role.HMIS_LEAD)
def changes_export() -> Response:
    form = ExportForm()
    if not form.validate() or form.since.data is None:  # required: a date once valid
        return _page(form)
    since = exchange.start_of_day(form.since.data, _timezone())
    session = db.session()
    action = request.form.get("action", "export")
    if action in ("preview", "dry_run"):
        # What the file will hold, without marking anything exported.
        preview = exchange.preview_changes(session, since=since, again=form.again.data)
        record(session, "hmis.changes_previewed", object_type="export", object_id=len(preview.rows))
        if action == "preview":
            return _page(form, preview)
        session.commit()
        return _csv(preview.csv_text(), "hmis-changes-dry-run")
    try:
        export = exchange.export_changes(session, since=since, again=form.again.data)
        body = export.csv_text()
        session.commit()
    except exchange.ExportRaced:
        session.rollback()
        flash(_("Another export ran at the same moment; nothing was exported. Try again."), "error")
        return _page(form)
    return _csv(body, "hmis-changes")


def _csv(body: str, name: str) -> Response:
    filename = f"{name}-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
