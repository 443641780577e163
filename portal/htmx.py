"""htmx as an enhancement: one URL answers the full page or just its fragment."""

from __future__ import annotations

from flask import Flask, Response, make_response, redirect, render_template, request, url_for
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


def redirect_to(endpoint: str, **values: object) -> Response:
    """303 for a plain request; HX-Redirect for htmx, so the whole page changes."""
    target = url_for(endpoint, **values)
    if request.headers.get("HX-Request") == "true":
        response = Response(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)  # type: ignore[return-value]
