"""htmx as an enhancement: one URL answers the full page or just its fragment."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, make_response, redirect, render_template, request, url_for
from htmx_flask import Htmx
from htmx_flask import request as htmx_request
from werkzeug.wrappers import Response as BaseResponse

_htmx = Htmx()


def init_app(app: Flask) -> None:
    _htmx.init_app(app)


def render_page(page: str, fragment: str | None = None, /, **context: object) -> Response:
    """Render the page, or only its fragment for an htmx request, from the same context."""
    template = fragment if fragment is not None and htmx_request.htmx else page
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def redirect_to(endpoint: str, **values: Any) -> BaseResponse:  # Any: as url_for takes them
    """303 for a plain request; HX-Redirect for htmx, so the whole page changes."""
    target = url_for(endpoint, **values)
    if request.headers.get("HX-Request") == "true":
        response = Response(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)
