"""The HMIS lead's pages for versions of the notice, the sharing forms and the staff policy:
the list, a draft's form with its live preview, the check before publishing, deleting a draft."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from babel.lists import format_list
from flask import Response, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, format_date, format_number
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from portal import db
from portal.accounts.current import staff_required
from portal.accounts.models import Role
from portal.accounts.policy import POLICY
from portal.disclosures.items import OTHER_CONSENT, RESEARCH_CONSENT
from portal.htmx import render_page
from portal.i18n import LANGUAGES, Language
from portal.notice import comparing, drafting
from portal.notice.admin_forms import (
    KIND_LABELS,
    PART_HINTS,
    PART_LABELS,
    TAKES_EFFECT,
    ConfirmForm,
    DraftForm,
    PublishForm,
    fallback_label,
    locale,
)
from portal.notice.blueprint import bp
from portal.notice.models import NoticeVersion
from portal.notice.rendering import render_markdown
from portal.notice.services import PRIVACY_NOTICE
from portal.sharing.services import REFUSAL_FORM, RESTORE_FORM
from portal.timeutil import utcnow

LEAD = Role.HMIS_LEAD


# ---------------------------------------------------------------- helpers


def _kind_or_404(kind_slug: str) -> str:
    kind = kind_slug.replace("-", "_")
    if kind not in drafting.KINDS:
        abort(404)
    return kind


def kind_slug(kind: str) -> str:
    return kind.replace("_", "-")


def _see_other(endpoint: str, **values: Any) -> BaseResponse:  # Any: as url_for takes them
    """303 for a plain request; HX-Redirect for htmx, so the whole page changes."""
    target = url_for(endpoint, **values)
    if request.headers.get("HX-Request") == "true":
        response = Response(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


def _draft_or_refusal(version_id: int) -> NoticeVersion | BaseResponse:
    """The draft, or a clear refusal: published versions never change."""
    version = drafting.version_by_id(db.session(), version_id)
    if version is None or version.kind not in drafting.KINDS:
        abort(404)
    if version.published_at is not None:
        flash(_published_message(version), "warning")
        return _see_other("notice.staff_versions_list")
    return version


def _published_message(version: NoticeVersion) -> str:
    return _(
        "%(kind)s, version %(number)d, is published. Published versions never change: to correct"
        " it, start a new version.",
        kind=KIND_LABELS[version.kind],
        number=version.number,
    )


@dataclass(frozen=True)
class Preview:
    """One language's text as its readers will see it, headings in their language."""

    language: Language
    missing: bool
    fallback_note: str
    meta: str
    in_short_heading: str
    changes_heading: str
    summary_of_changes: str
    in_short: Markup
    body: Markup


def _fallback_note(kind: str) -> str:
    if kind == PRIVACY_NOTICE:
        return _("This notice is not yet available in your language. It is shown in English.")
    if kind == POLICY:
        return _("This policy is not yet available in your language. It is shown in English.")
    return _(
        "This form is not yet in your language. Here it is in English. Staff can read it with you."
    )


def _meta(kind: str, number: int, day: dt.date | None) -> str:
    if kind in (REFUSAL_FORM, RESTORE_FORM, RESEARCH_CONSENT, OTHER_CONSENT):
        return _("Form version %(number)d. Please read it before you sign.", number=number)
    if day is None:
        return _("Version %(number)d", number=number)
    if kind == POLICY:
        return _(
            "Version %(number)d, in force since %(date)s.",
            number=number,
            date=format_date(day, "long"),
        )
    return _(
        "Version %(number)d, used since %(date)s.", number=number, date=format_date(day, "long")
    )


def previews(kind: str, number: int, draft: drafting.Draft) -> dict[str, Preview]:
    """Each language as the public page will show it: the same render_markdown."""
    shown: dict[str, Preview] = {}
    for language in LANGUAGES:
        text = draft.text(language.code)
        with force_locale(language.code):
            shown[language.code] = Preview(
                language=language,
                missing=text.is_empty,
                fallback_note=_fallback_note(kind),
                meta=_meta(kind, number, draft.effective_date),
                in_short_heading=_("In short"),
                changes_heading=_("What changed"),
                summary_of_changes=text.summary_of_changes,
                in_short=render_markdown(text.in_short),
                body=render_markdown(text.body),
            )
    return shown


def _form_page(
    form: DraftForm, kind: str, version: NoticeVersion | None, copied_from: int | None = None
) -> Response:
    """The draft's form with its previews; for htmx asking for one language, that preview."""
    number = drafting.next_number(db.session(), kind)
    shown = previews(kind, number, form.draft())
    language = request.values.get("preview", "")
    if version is None:
        action = url_for("notice.draft_new", kind=kind_slug(kind))
    else:
        action = url_for("notice.draft_edit", version_id=version.id)
    return render_page(
        "notice/draft_form.html",
        "notice/_draft_preview.html" if language in shown else None,
        form=form,
        kind=kind,
        kind_label=KIND_LABELS[kind],
        version=version,
        number=number,
        copied_from=copied_from,
        action=action,
        previews=shown,
        preview=shown.get(language),
        hints={
            part: str(hint) % {"max": format_number(drafting.LIMITS[part])}
            for part, hint in PART_HINTS.items()
        },
        languages=LANGUAGES,
    )


def _save(form: DraftForm, kind: str, version: NoticeVersion | None) -> ResponseReturnValue:
    """Save the draft; then back to its page, or on to the check before publishing."""
    session = db.session()
    try:
        if version is None:
            version = drafting.create_draft(session, kind, form.draft())
        else:
            drafting.update_draft(session, version, form.draft())
    except drafting.DraftInvalid as invalid:
        session.rollback()
        form.show_problems(invalid.problems)
        return _form_page(form, kind, version)
    session.commit()
    if request.form.get("action") == "publish":
        return _publish_page(version, PublishForm(formdata=None))
    flash(_("The draft is saved. Only the HMIS lead can see it until it is published."), "success")
    return _see_other("notice.draft_edit", version_id=version.id)


def _publish_page(version: NoticeVersion, form: PublishForm) -> Response:
    session = db.session()
    draft = drafting.draft_of(version)
    problems = drafting.draft_problems(session, version.kind, draft)
    missing = drafting.missing_languages(draft)
    form.fallback_confirmed.label.text = fallback_label(missing)
    untranslated = drafting.untranslated_languages(session, version.kind, draft)
    names = format_list(
        [str(drafting.language_name(code)) for code in untranslated], locale=locale()
    )
    form.english_for_now.label.text = _(
        "Publish with English for now: readers of %(languages)s get the English text, with a"
        " note in their own language, until a translation is published.",
        languages=names,
    )
    return render_page(
        "notice/version_publish.html",
        form=form,
        version=version,
        kind_label=KIND_LABELS[version.kind],
        takes_effect=TAKES_EFFECT[version.kind],
        number=drafting.next_number(session, version.kind),
        missing=[drafting.language_name(code) for code in missing],
        untranslated=[drafting.language_name(code) for code in untranslated],
        problems=[str(message) for message in problems.values()],
        languages=LANGUAGES,
        today=utcnow().date(),
    )


# ---------------------------------------------------------------- routes


@bp.get("/staff/versions")
@staff_required(LEAD)
def staff_versions_list() -> Response:
    return render_page(
        "notice/staff_versions_list.html",
        overview=drafting.versions_overview(db.session()),
        kind_labels=KIND_LABELS,
        kind_slug=kind_slug,
        endonyms={language.code: language.endonym for language in LANGUAGES},
        today=utcnow().date(),
    )


@bp.route("/staff/versions/<kind>/new", methods=["GET", "POST"])
@staff_required(LEAD)
def draft_new(kind: str) -> ResponseReturnValue:
    kind = _kind_or_404(kind)
    form = DraftForm()
    if request.method == "GET":
        start, copied_from = drafting.starting_draft(db.session(), kind)
        form.fill(start)
        return _form_page(form, kind, None, copied_from)
    if form.validate_on_submit() and request.form.get("action") in ("save", "publish"):
        return _save(form, kind, None)
    return _form_page(form, kind, None)


@bp.route("/staff/versions/<int:version_id>/edit", methods=["GET", "POST"])
@staff_required(LEAD)
def draft_edit(version_id: int) -> ResponseReturnValue:
    version = _draft_or_refusal(version_id)
    if isinstance(version, BaseResponse):
        return version
    form = DraftForm()
    if request.method == "GET":
        form.fill(drafting.draft_of(version))
    elif form.validate_on_submit() and request.form.get("action") in ("save", "publish"):
        return _save(form, version.kind, version)
    return _form_page(form, version.kind, version)


@bp.post("/staff/versions/<int:version_id>/preview")
@staff_required(LEAD)
def draft_preview(version_id: int) -> ResponseReturnValue:
    """The typed, unsaved text rendered: one language's fragment for htmx, else the page."""
    version = _draft_or_refusal(version_id)
    if isinstance(version, BaseResponse):
        return version
    return _form_page(DraftForm(), version.kind, version)


@bp.post("/staff/versions/<int:version_id>/publish")
@staff_required(LEAD)
def version_publish(version_id: int) -> ResponseReturnValue:
    """Without confirm: the check page. With it: publish, if nothing is missing."""
    version = _draft_or_refusal(version_id)
    if isinstance(version, BaseResponse):
        return version
    form = PublishForm()
    if form.validate_on_submit() and request.form.get("confirm"):
        session = db.session()
        try:
            drafting.publish(
                session,
                version,
                fallback_confirmed=bool(form.fallback_confirmed.data),
                english_for_now=bool(form.english_for_now.data),
                what_changed=form.what_changed(),
            )
        except drafting.WhatChangedInvalid as invalid:
            session.rollback()
            for code in invalid.missing:
                form[f"what_changed_{code}"].errors = [
                    _(
                        "Write what changed in %(language)s.",
                        language=drafting.language_name(code),
                    )
                ]
            for code in invalid.copied:
                form[f"what_changed_{code}"].errors = [
                    _(
                        "Write what changed in %(language)s, not in English, or publish"
                        " with English for now.",
                        language=drafting.language_name(code),
                    )
                ]
        except drafting.UntranslatedText:
            session.rollback()
            form.english_for_now.errors = [
                _(
                    "English changed but these translations did not. Update them in the draft,"
                    " or tick the box to publish with English for now."
                )
            ]
        except drafting.FallbackNotConfirmed:
            session.rollback()
            form.fallback_confirmed.errors = [
                _("Tick the box to confirm that these languages get the English text.")
            ]
        except drafting.DraftInvalid:
            session.rollback()  # the check page lists what is wrong
        else:
            session.commit()
            flash(
                _(
                    "%(kind)s, version %(number)d, is published. It takes effect on %(date)s.",
                    kind=KIND_LABELS[version.kind],
                    number=version.number,
                    date=format_date(version.effective_date, "long"),
                ),
                "success",
            )
            return _see_other("notice.staff_versions_list")
    return _publish_page(version, form)


@bp.get("/staff/versions/<int:version_id>/compare")
@staff_required(LEAD)
def version_compare(version_id: int) -> Response:
    """The draft beside the version in force, per language, before publishing."""
    version = drafting.version_by_id(db.session(), version_id)
    if version is None or version.kind not in drafting.KINDS:
        abort(404)
    return render_page(
        "notice/version_compare.html",
        version=version,
        comparison=comparing.compare_with_base(db.session(), version),
        kind_label=KIND_LABELS[version.kind],
        part_labels=PART_LABELS,
        endonyms={language.code: language for language in LANGUAGES},
    )


@bp.post("/staff/versions/<int:version_id>/delete")
@staff_required(LEAD)
def draft_delete(version_id: int) -> ResponseReturnValue:
    """Without confirm: are you sure? With it: the draft is gone."""
    version = _draft_or_refusal(version_id)
    if isinstance(version, BaseResponse):
        return version
    form = ConfirmForm()
    if form.validate_on_submit() and request.form.get("confirm"):
        drafting.delete_draft(db.session(), version)
        db.session().commit()
        flash(_("The draft is deleted."), "success")
        return _see_other("notice.staff_versions_list")
    return render_page(
        "notice/draft_delete.html",
        form=form,
        version=version,
        kind_label=KIND_LABELS[version.kind],
    )
