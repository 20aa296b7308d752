"""One place that decides between a full page and an htmx fragment."""

from __future__ import annotations

from flask import Response, make_response, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse


def wants_fragment() -> bool:
    """A fragment only for htmx requests that are not restoring history."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render_page(page_template: str, fragment_template: str, **context) -> Response:
    """Render the fragment alone for htmx, else the full page that includes it."""
    template = fragment_template if wants_fragment() else page_template
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def redirect_after_post(location: str) -> BaseResponse:
    """Answer a successful POST: ``HX-Redirect`` for htmx, else 303 See Other."""
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)
