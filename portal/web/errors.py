"""Error pages (and htmx fragments) that say what happened and what to do."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.domain.errors import DomainError
from portal.web.htmx import wants_fragment

logger = logging.getLogger(__name__)

HTTP_STATUS_TITLES = {403: "Not allowed", 404: "Not found", 409: "Conflict", 422: "Not possible"}

ADVICE = {
    400: "The request could not be understood. Go back and try again.",
    403: "Your account does not have access to this page.",
    404: "There is nothing here. Check the address, or go back to your home page.",
    405: "That action is not available here.",
    409: "Someone else changed this at the same time. Reload the page and try again.",
    413: "That upload is too large.",
    422: "Some of the information is not valid. Correct it and try again.",
    429: "Too many attempts. Wait a moment and try again.",
    500: "Something went wrong on our side. It has been logged; please try again.",
    503: "This service is unavailable at the moment. Please try again shortly.",
}


def _render(code: int, title: str, message: str):
    template = "errors/_error.html" if wants_fragment() else "errors/error.html"
    return render_template(template, code=code, title=title, message=message), code


def install_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        logger.warning("CSRF refused: %s", error.description)
        return _render(
            400,
            "Your form expired",
            "The form was open too long or sent from elsewhere. Reload the page and submit it again.",
        )

    @app.errorhandler(DomainError)
    def _refused(error: DomainError):
        status = error.http_status
        title = "Unavailable" if status == 503 else HTTP_STATUS_TITLES.get(status, "Not possible")
        return _render(status, title, error.message)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.response is not None:
            # An answer made for this refusal already (a rate-limited form shown again).
            return error.response
        return _render(error.code, error.name, ADVICE.get(error.code, error.description or ""))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        logger.exception("unhandled error")
        return _render(500, "Something went wrong", ADVICE[500])
