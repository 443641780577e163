"""Staff user management for administrators: the list, a new user, a user's page and the
changes to it (edit, disable, enable, unlock, reset two-step sign-in, a new set-up link)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from portal import db
from portal.accounts import management
from portal.accounts.blueprint import bp
from portal.accounts.current import signed_in_staff, staff_required
from portal.accounts.forms import ROLE_LABELS, StaffUserFilterForm, StaffUserForm
from portal.accounts.management import grantable_roles
from portal.accounts.models import Role, StaffUser
from portal.accounts.recovery import codes_left
from portal.accounts.services import (
    SETUP_LINK_LIFETIME,
    AccountError,
    AgencyNeeded,
    DuplicateEmail,
    InvalidEmail,
    UnknownAgency,
    email_taken,
)
from portal.accounts.sign_in_views import two_step_limiter
from portal.htmx import render_page
from portal.timeutil import utcnow


def _managed_or_404(user_id: int) -> StaffUser:
    found = management.managed_user(db.session(), signed_in_staff(), user_id)
    if found is None:
        abort(404)  # also for users of other agencies: their ids reveal nothing
    return found


def _agency_choices(viewer: StaffUser, empty: str) -> list[SelectChoice]:
    agencies = management.assignable_agencies(db.session(), viewer)
    # Agency names are names: marked so no translator (person or browser) changes them.
    named = {"translate": "no"}
    return [
        SelectChoice("", empty),
        *(SelectChoice(a.organization_id, a.name, named) for a in agencies),
    ]


def _user_form(viewer: StaffUser, user: StaffUser | None = None) -> StaffUserForm:
    """The form with the roles and agencies this viewer may give; an administrator's own
    role and agency are not theirs to change, an agency administrator's agency is fixed."""
    form = StaffUserForm(obj=user) if user is not None else StaffUserForm()
    form.email_taken = lambda email: email_taken(db.session(), email, user.id if user else None)
    if user is not None and request.method == "GET":
        form.role.data = user.role.value
        form.agency.data = user.organization_id or ""
    form.role.choices = [(role.value, ROLE_LABELS[role]) for role in grantable_roles(viewer)]
    form.agency.choices = _agency_choices(viewer, _("No agency"))
    if user is not None and user.id == viewer.id:
        del form.role
        del form.agency
    elif not management.manages_everyone(viewer):
        del form.agency
    return form


def _to_user_page(user_id: int) -> ResponseReturnValue:
    return redirect(url_for("accounts.user_show", user_id=user_id), 303)


def _show_setup_link(user: StaffUser, token: str, heading: str) -> Response:
    return render_page(
        "accounts/user_setup_link.html",
        user=user,
        heading=heading,
        link=url_for("accounts.setup_password", token=token, _external=True),
        days=SETUP_LINK_LIFETIME.days,
    )


def _field_for(error: AccountError) -> str:
    if isinstance(error, InvalidEmail | DuplicateEmail):
        return "email"
    if isinstance(error, AgencyNeeded | UnknownAgency):
        return "agency"
    return "role"


@bp.get("/users")
@staff_required(*management.MANAGER_ROLES)
def users_list() -> Response:
    viewer = signed_in_staff()
    form = StaffUserFilterForm(request.args)
    everyone = management.manages_everyone(viewer)
    if everyone:
        form.agency.choices = _agency_choices(viewer, _("All agencies"))
    valid = form.validate() if everyone and request.args.get("agency") else True
    agency = form.agency.data if everyone and valid else None
    return render_page(
        "accounts/users_list.html",
        form=form if everyone else None,
        rows=management.managed_users(db.session(), viewer, agency or None),
        agency=management.agency_name(db.session(), viewer.organization_id),
        role_labels=ROLE_LABELS,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@staff_required(*management.MANAGER_ROLES)
def user_new() -> Response:
    viewer = signed_in_staff()
    form = _user_form(viewer)
    if form.validate_on_submit():
        db_session = db.session()
        try:
            user, token = management.create_managed_user(
                db_session,
                viewer,
                email=form.email.data or "",
                name=form.name.data or "",
                role=Role(form.role.data),
                organization_id=form.agency.data if "agency" in form else None,
                secret_key=current_app.config["SECRET_KEY"],
            )
        except AccountError as error:
            db_session.rollback()
            form[_field_for(error)].errors = [str(error)]
        else:
            db_session.commit()
            return _show_setup_link(user, token, _("The account is ready"))
    return render_page(
        "accounts/user_new.html",
        form=form,
        agency=management.agency_name(db.session(), viewer.organization_id),
    )


@bp.get("/users/<int:user_id>")
@staff_required(*management.MANAGER_ROLES)
def user_show(user_id: int) -> Response:
    user = _managed_or_404(user_id)
    db_session = db.session()
    return render_page(
        "accounts/user_show.html",
        user=user,
        is_self=user.id == signed_in_staff().id,
        role_label=ROLE_LABELS[user.role],
        agency=management.agency_name(db_session, user.organization_id),
        last_sign_in=management.last_sign_in(db_session, user),
        recovery_left=codes_left(db_session, user),
        now=utcnow(),
    )


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@staff_required(*management.MANAGER_ROLES)
def user_edit(user_id: int) -> ResponseReturnValue:
    user = _managed_or_404(user_id)
    viewer = signed_in_staff()
    form = _user_form(viewer, user)
    if form.validate_on_submit():
        db_session = db.session()
        try:
            changed = management.update_user(
                db_session,
                viewer,
                user,
                name=form.name.data or "",
                email=form.email.data or "",
                role=Role(form.role.data) if "role" in form else user.role,
                organization_id=(form.agency.data or None)
                if "agency" in form
                else user.organization_id,
            )
        except AccountError as error:
            db_session.rollback()
            form[_field_for(error)].errors = [str(error)]
        else:
            db_session.commit()
            flash(_("The changes are saved.") if changed else _("Nothing was changed."), "success")
            return _to_user_page(user.id)
    return render_page(
        "accounts/user_edit.html",
        form=form,
        user=user,
        role_label=ROLE_LABELS[user.role],
        agency=management.agency_name(db.session(), user.organization_id),
    )


def _change(
    user_id: int, change: Callable[[Session, StaffUser, StaffUser], object]
) -> StaffUser | None:
    """Disable or enable a managed user; None (with the reason flashed) when refused."""
    user = _managed_or_404(user_id)
    db_session = db.session()
    try:
        change(db_session, signed_in_staff(), user)
    except AccountError as error:
        db_session.rollback()
        flash(str(error), "error")
        return None
    db_session.commit()
    return user


@bp.post("/users/<int:user_id>/disable")
@staff_required(*management.MANAGER_ROLES)
def user_disable(user_id: int) -> ResponseReturnValue:
    if user := _change(user_id, management.disable_user):
        flash(_("%(name)s can no longer sign in and was signed out.", name=user.name), "success")
    return _to_user_page(user_id)


@bp.post("/users/<int:user_id>/enable")
@staff_required(*management.MANAGER_ROLES)
def user_enable(user_id: int) -> ResponseReturnValue:
    if user := _change(user_id, management.enable_user):
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    return _to_user_page(user_id)


@bp.post("/users/<int:user_id>/unlock")
@staff_required(*management.MANAGER_ROLES)
def user_unlock(user_id: int) -> ResponseReturnValue:
    """Lift the lock after too many wrong two-step codes (audited)."""
    if user := _change(user_id, management.unlock_user):
        two_step_limiter().clear("account", str(user.id))
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    return _to_user_page(user_id)


@bp.post("/users/<int:user_id>/two-step/reset")
@staff_required(*management.MANAGER_ROLES)
def user_two_step_reset(user_id: int) -> ResponseReturnValue:
    """A colleague lost their phone: their two-step sign-in and recovery codes are forgotten
    (audited) and they set it up again at their next sign-in."""
    if user := _change(user_id, management.reset_two_step):
        flash(
            _(
                "%(name)s's two-step sign-in is reset. They set it up again when they sign in.",
                name=user.name,
            ),
            "success",
        )
    return _to_user_page(user_id)


@bp.post("/users/<int:user_id>/reset")
@staff_required(*management.MANAGER_ROLES)
def user_reset(user_id: int) -> ResponseReturnValue:
    """Recovery: a new set-up link, shown once, to hand over in person (never by email)."""
    user = _managed_or_404(user_id)
    db_session = db.session()
    try:
        secret_key = current_app.config["SECRET_KEY"]
        token = management.reset_user(db_session, signed_in_staff(), user, secret_key)
    except AccountError as error:
        db_session.rollback()
        flash(str(error), "error")
        return _to_user_page(user_id)
    db_session.commit()
    return _show_setup_link(user, token, _("The password and two-step sign-in are reset"))
