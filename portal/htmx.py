"""htmx as an enhancement: one URL answers the full page or just its fragment."""

from __future__ import annotations

from flask import Flask, Response, make_response, render_template
from htmx_flask import Htmx
from htmx_flask import request as htmx_request

_htmx = Htmx()


def init_app(app: Flask) -> None:
    _htmx.init_app(app)


def render_page(page: str, fragment: str | None = None, **context: object) -> Response:
    """Render the page, or only its fragment for an htmx request, from the same context."""
    is_fragment = fragment is not None and bool(htmx_request.htmx)
    response = make_response(render_template(fragment if is_fragment else page, **context))
    response.vary.add("HX-Request")
    return response
