"""Forms read off the page and sent the way a browser sends them: hidden fields, checked boxes
and selected options as the page has them, with the fields a test types into overridden."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

Data = dict[str, str | list[str]]
SKIPPED_BY_DEFAULT = ("change", "goto")  # "change your answers" buttons on check pages


@dataclass
class PageForm:
    """A POST form of a page: where it goes, what it sends as it stands, what it could send."""

    action: str
    values: Data
    choices: dict[str, list[str]] = field(default_factory=dict)  # radios, boxes, selects, buttons


def _action(form: Tag) -> str:
    return urlsplit(str(form.get("action", ""))).path


def post_forms(page: BeautifulSoup) -> list[PageForm]:
    forms = []
    for form in page.find_all("form"):
        if str(form.get("method", "get")).lower() != "post":
            continue
        found = PageForm(_action(form), {})
        for element in form.find_all(["input", "textarea", "select", "button"]):
            name = element.get("name")
            if not name:
                continue
            kind = str(element.get("type", "text")).lower()
            if element.name == "textarea":
                found.values[name] = element.get_text().removeprefix("\n")
            elif element.name == "select":
                options = [
                    str(option.get("value", option.get_text())) for option in element("option")
                ]
                found.choices[name] = options
                chosen = element.find("option", selected=True) or element.find("option")
                if chosen is not None:
                    found.values[name] = str(chosen.get("value", chosen.get_text()))
            elif kind in ("radio", "checkbox"):
                value = str(element.get("value", "on"))
                found.choices.setdefault(name, []).append(value)
                if element.has_attr("checked"):
                    previous = found.values.get(name)
                    if kind == "checkbox" and previous is not None:
                        found.values[name] = [
                            *([previous] if isinstance(previous, str) else previous),
                            value,
                        ]
                    else:
                        found.values[name] = value
            elif element.name == "button" or kind in ("submit", "button", "image", "reset"):
                # Only the button pressed is sent: a named one is a choice, not a value.
                found.choices.setdefault(name, []).append(str(element.get("value", "")))
            else:
                found.values[name] = str(element.get("value", ""))
        forms.append(found)
        # htmx posts a form's fields elsewhere too (a live preview): the same fields, there.
        for element in form.find_all(attrs={"data-hx-post": True}) + form.find_all(
            attrs={"hx-post": True}
        ):
            action = str(element.get("data-hx-post") or element.get("hx-post"))
            forms.append(PageForm(urlsplit(action).path, dict(found.values), dict(found.choices)))
    return forms


def find_form(
    page: BeautifulSoup, action: str, skip: tuple[str, ...] = SKIPPED_BY_DEFAULT
) -> PageForm:
    """The page's POST form to action that is not one of skip's ("change your answers")."""
    for form in post_forms(page):
        if form.action == action and not any(name in form.values for name in skip):
            return form
    raise AssertionError(f"no form to {action} on the page")


def submit(
    client: FlaskClient,
    page: BeautifulSoup,
    action: str,
    typed: Data | None = None,
    skip: tuple[str, ...] = SKIPPED_BY_DEFAULT,
    *,
    check_page: bool = True,
) -> TestResponse:
    """Fill in the page's form to action and send it, as a person would.

    check_page=False: the answer is parsed but not held to tests/pages.py's invariants."""
    form = find_form(page, action, skip)
    data = {**form.values, **(typed or {})}
    if check_page:
        return client.post(action, data=data)
    response = FlaskClient.open(client, action, method="POST", data=data)
    response.page = BeautifulSoup(response.get_data(as_text=True), "html.parser")  # type: ignore[attr-defined]
    return response


def fill_in(
    client: FlaskClient, path: str, typed: Data | None = None, action: str | None = None
) -> TestResponse:
    """Open the page at path and send its form (to action, by default the page itself)."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return submit(client, response.page, action or path, typed)  # type: ignore[attr-defined]


def token_of(client: FlaskClient) -> str:
    """A valid CSRF token of this browser's own session, from its home page or the sign-in."""
    for path in ("/my-page", "/staff", "/sign-in"):
        response = client.get(path)
        if response.status_code == 200:
            found = response.page.select_one("form input[name=csrf_token]")  # type: ignore[attr-defined]
            if found is not None:
                return str(found["value"])
    raise AssertionError("no page with a form")
