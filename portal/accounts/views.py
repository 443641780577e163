from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, url_for

from portal import db
from portal.accounts.forms import SetupPasswordForm
from portal.accounts.services import (
    minimum_length_rule,
    set_password_from_setup,
    user_for_setup_token,
)
from portal.audience import PUBLIC, audience
from portal.htmx import render_page

bp = Blueprint("accounts", __name__, url_prefix="/staff")


@bp.route("/set-up/<token>", methods=["GET", "POST"])
@audience(PUBLIC)  # the one-time token is the credential
def setup_password(token: str) -> Response:
    secret_key = current_app.config["SECRET_KEY"]
    user = user_for_setup_token(db.session(), token, secret_key)
    if user is None:
        response = render_page("accounts/setup_invalid.html")
        response.status_code = 404
        return response
    form = SetupPasswordForm()
    if form.validate_on_submit():
        with db.transaction() as session:
            set_password_from_setup(session, user, form.password.data or "")
        return redirect(url_for("accounts.setup_done"), 303)  # type: ignore[return-value]
    return render_page(
        "accounts/setup_password.html",
        form=form,
        user=user,
        token=token,
        min_length_rule=minimum_length_rule(),
    )


@bp.get("/set-up/done")
@audience(PUBLIC)
def setup_done() -> Response:
    return render_page("accounts/setup_done.html")
