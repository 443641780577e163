"""The HMIS lead's retention schedule page, and the operator commands
(`flask --app wsgi retention due` and `retention purge --confirm`): the blueprint's CLI group."""

from __future__ import annotations

import click
from flask import Blueprint, Response, flash
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from portal import db
from portal.accounts.current import signed_in_staff, staff_required
from portal.accounts.models import Role
from portal.audit.services import SYSTEM, Actor, record
from portal.htmx import redirect_to, render_page
from portal.retention import services
from portal.retention.forms import PurgeForm, ScheduleForm
from portal.retention.services import DATA_TYPES

bp = Blueprint("retention", __name__, cli_group="retention")
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


def _audit_purged(purged: list[services.Due], actor: Actor | None = None) -> None:
    for item in purged:
        record(
            db.session(),
            "retention.purged",
            personal_id=item.personal_id,
            object_type="retention",
            object_id=",".join(item.data_types),
            actor=actor,
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
    _audit_purged(purged)
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


def _rule_text(due: services.Due) -> str:
    return ", ".join(f"{rule.data_type} {rule.years}y" for rule in due.rules)


@bp.cli.command("due", help="The dry run: one line per client due for purging, with the rule.")
def due_command() -> None:
    due = services.records_due(db.session())
    for item in due:
        click.echo(
            f"{item.personal_id}\tlast activity {item.last_activity.isoformat()}\t"
            f"{_rule_text(item)} after last enrollment activity"
        )
    click.echo(f"{len(due)} client(s) due.", err=True)


@bp.cli.command("purge", help="Purge the personal data of every client due (see `due`).")
@click.option("--confirm", is_flag=True, help="Needed: without it nothing is purged.")
def purge_command(confirm: bool) -> None:
    session = db.session()
    due = services.records_due(session)
    if not confirm:
        raise click.ClickException(
            f"{len(due)} client(s) due; nothing purged. Run `retention due` to read the list, "
            "then `retention purge --confirm`."
        )
    purged = services.purge(session, due)
    _audit_purged(purged, actor=SYSTEM)
    session.commit()
    click.echo(f"Purged {len(purged)} client(s); de-identified stubs kept.")
