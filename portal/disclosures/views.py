"""The register's pages: staff record and read entries; clients download their accounting.

Also the operator commands (`flask --app wsgi disclosures ...`): the blueprint's own CLI group.
"""

from __future__ import annotations

import datetime as dt

import click
from flask import Blueprint, Response, abort, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from portal import db, device
from portal.access.current import client_required, signed_in_client
from portal.accounts.current import signed_in_staff, staff_required
from portal.accounts.models import StaffUser
from portal.audience import CLIENT, audience
from portal.audit.services import SYSTEM, Actor, record
from portal.disclosures import chain
from portal.disclosures.accounting import (
    ROLE_LABELS,
    accounting,
    accounting_json,
    accounting_pdf,
)
from portal.disclosures.forms import DisclosureForm
from portal.disclosures.items import (
    ITEM_GROUPS,
    PURPOSE_BY_KEY,
    PURPOSES,
    parse_items,
    purpose_key,
)
from portal.disclosures.services import (
    RECORDER_ROLES,
    DisclosureRefused,
    NewDisclosure,
    disclosure_report,
    entry_by_reference,
    may_see_entry,
    parse_personal_ids,
    record_disclosure,
    register_page,
    superseded_by,
)
from portal.errors import error_page
from portal.htmx import redirect_to, render_page
from portal.sharing.rule import Viewer
from portal.timeutil import utcnow

bp = Blueprint("disclosures", __name__, cli_group="disclosures")
LABELS = {"purposes": PURPOSE_BY_KEY, "item_groups": ITEM_GROUPS}


def _audit_recorded(
    entry_reference: str, personal_ids: list[str], actor: Actor | None = None
) -> None:
    for personal_id in personal_ids:
        record(
            db.session(),
            "disclosure.recorded",
            personal_id=personal_id,
            object_type="disclosure",
            object_id=entry_reference,
            actor=actor,
        )


@bp.get("/staff/disclosures")
@staff_required(*RECORDER_ROLES)
def register_list() -> Response:
    """The newest entries: every agency's for the HMIS lead, their own for an agency."""
    personal_id = request.args.get("personal_id", "").strip()[:64]
    entries = register_page(db.session(), Viewer.of(signed_in_staff()), personal_id or None)
    return render_page(
        "disclosures/register_list.html", entries=entries, personal_id=personal_id, **LABELS
    )


@bp.route("/staff/disclosures/new", methods=["GET", "POST"])
@staff_required(*RECORDER_ROLES)
def disclosure_new() -> ResponseReturnValue:
    form = DisclosureForm()
    if request.method == "GET":
        form.supersedes.data = request.args.get("supersedes", "")[:11] or None
        form.personal_ids.data = request.args.get("personal_id", "")[:64] or None
    if form.validate_on_submit():
        new = NewDisclosure(
            personal_ids=parse_personal_ids(form.personal_ids.data or ""),
            disclosed_on=form.disclosed_on.required_date(),
            recipient_organization=form.recipient_organization.data or "",
            recipient_person=form.recipient_person.data,
            purpose=form.purpose.data or "",
            items=form.items.data or [],
            basis=form.basis.data or "",
            visible_from=form.visible_from.data,
            supersedes=(form.supersedes.data or "").strip() or None,
        )
        try:
            entry = record_disclosure(db.session(), new, signed_in_staff())
        except DisclosureRefused as refused:
            db.session().rollback()
            form.add_problems(refused.problems, refused.personal_ids)
        else:
            _audit_recorded(entry.reference, entry.personal_ids)
            db.session().commit()
            return redirect_to("disclosures.disclosure_show", reference=entry.reference)
    return render_page("disclosures/disclosure_new.html", form=form)


@bp.get("/staff/disclosures/<reference>")
@staff_required(*RECORDER_ROLES)
def disclosure_show(reference: str) -> Response:
    entry = entry_by_reference(db.session(), reference)
    if entry is None or not may_see_entry(db.session(), Viewer.of(signed_in_staff()), entry):
        abort(404)
    return render_page(
        "disclosures/disclosure_show.html",
        entry=entry,
        superseded_by=superseded_by(db.session(), entry.reference),
        recorder=db.session().get(StaffUser, entry.recorded_by_id)
        if entry.recorded_by_id
        else None,
        role_labels=ROLE_LABELS,
        today=utcnow().date(),
        **LABELS,
    )


DOWNLOADS = {"pdf": "application/pdf", "json": "application/json"}


@bp.get("/my-page/who-looked/download/<file_format>")
@audience(CLIENT)
@client_required
def accounting_download(file_format: str) -> Response:
    """The accounting as a file, made in memory; never on a shared kiosk."""
    if file_format not in DOWNLOADS:
        abort(404)
    if device.kiosk_name():
        return error_page(403)
    client_session = signed_in_client()
    lines = accounting(db.session(), client_session.personal_id)
    produced_at, language = utcnow(), str(get_locale() or "en")
    make = accounting_pdf if file_format == "pdf" else accounting_json
    body = make(lines, produced_at=produced_at, language=language)
    record(
        db.session(),
        "client.accounting_downloaded",
        personal_id=client_session.personal_id,
        object_type="file",
        object_id=file_format,
    )
    db.session().commit()
    response = Response(body, mimetype=DOWNLOADS[file_format])
    name = f"who-saw-my-information-{produced_at:%Y-%m-%d}.{file_format}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ---------------------------------------------------------------- operator commands


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date like 2026-03-31") from None


@bp.cli.command("record", help="Record a disclosure outside the HMIS; prints its reference.")
@click.option("--personal-id", "personal_ids", multiple=True, required=True, help="Repeatable.")
@click.option("--date", "disclosed_on", required=True, help="YYYY-MM-DD: when it was given.")
@click.option("--recipient", required=True, help="The organisation (and person) that got it.")
@click.option("--purpose", required=True, help="A key from `disclosures purposes`.")
@click.option("--items", required=True, help="Comma-separated item keys, e.g. identity,ssn.")
@click.option("--basis", required=True, help="Legal basis or document reference.")
@click.option("--visible-from", default=None, help="YYYY-MM-DD: hidden from the client until.")
@click.option("--supersedes", default=None, help="The reference of an entry this corrects.")
def record_command(
    personal_ids: tuple[str, ...],
    disclosed_on: str,
    recipient: str,
    purpose: str,
    items: str,
    basis: str,
    visible_from: str | None,
    supersedes: str | None,
) -> None:
    new = NewDisclosure(
        personal_ids=parse_personal_ids(" ".join(personal_ids)),
        disclosed_on=_day(disclosed_on),
        recipient_organization=recipient,
        purpose=purpose_key(purpose),
        items=parse_items(items),
        basis=basis,
        visible_from=_day(visible_from) if visible_from else None,
        supersedes=supersedes,
    )
    session = db.session()
    try:
        entry = record_disclosure(session, new, None)
    except DisclosureRefused as refused:
        session.rollback()
        ids = f" ({', '.join(refused.personal_ids[:20])})" if refused.personal_ids else ""
        problems = "; ".join(f"{name}: {code}" for name, code in refused.problems.items())
        raise click.ClickException(f"Not recorded: {problems}{ids}.") from None
    _audit_recorded(entry.reference, entry.personal_ids, actor=SYSTEM)
    session.commit()
    click.echo(entry.reference)


@bp.cli.command("purposes", help="List the purpose keys (the notice's uses) and item keys.")
def purposes_command() -> None:
    for purpose in PURPOSES:
        needs = f" (needs an active {purpose.needs_consent})" if purpose.needs_consent else ""
        delay = " (may be delayed from the client's view)" if purpose.may_delay else ""
        click.echo(f"{purpose.key}\t{purpose.label}{needs}{delay}")
    click.echo("")
    click.echo("items: " + ",".join(ITEM_GROUPS))


@bp.cli.command("verify", help="Check the register's chain; exit 1 at the first broken entry.")
def verify_command() -> None:
    key = chain.register_key(current_app.config["PORTAL"].audit_key)
    verdict = chain.verify(db.session(), key)
    if verdict.intact:
        click.echo(f"The register is intact: {verdict.entries} entries.")
        return
    click.echo(f"Entry {verdict.broken_at}: {verdict.reason}.", err=True)
    raise SystemExit(1)


@bp.get("/staff/reports/disclosures")
@staff_required(*RECORDER_ROLES)
def report_show() -> Response:
    """Disclosures by month, purpose and recipient; consents by status; records due for purge
    (the HMIS lead only). An agency administrator sees what their agency recorded."""
    from portal.consents.services import consent_counts
    from portal.reports.forms import ReportFilterForm
    from portal.retention.services import purge_counts

    user = signed_in_staff()
    today = utcnow().date()
    form = ReportFilterForm(request.args, today)
    del form.agency
    agency = None if Viewer.of(user).sees_everything else user.organization_id
    report = None
    if form.validate():
        date_from, date_to = form.dates()
        form.date_from.data, form.date_to.data = date_from, date_to
        report = disclosure_report(db.session(), date_from, date_to, agency)
        record(db.session(), "reports.viewed", object_type="report", object_id="disclosures")
        db.session().commit()
    return render_page(
        "disclosures/report_show.html",
        form=form,
        report=report,
        consents=consent_counts(db.session(), today, agency),
        retention=purge_counts(db.session(), today) if agency is None else None,
        **LABELS,
    )
