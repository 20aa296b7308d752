"""Error pages (and htmx fragments) that say what happened, what to do, and what to quote to support.

An error page keeps the frame of the area it happened in (the dashboard's or the
agent's portal navigation) when that frame can be drawn, and the plain one when it
cannot: the database is down, or drawing it failed too. The request's transaction
is rolled back first, so the page never reads through an aborted transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, make_response, render_template, request
from flask.sansio.app import App
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from portal.domain.errors import DomainError
from portal.extensions import db, login_manager
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
DATABASE_DOWN = "The portal cannot reach its database at the moment. Nothing was changed; please try again shortly."
PLAIN = "base.html"


@dataclass(frozen=True)
class ErrorFrame:
    """An area's frame around its error pages: under ``prefix``, ``layout`` with what ``context`` gives.

    ``context`` answers None when the person looking may not see this area's frame
    (a 404 under another agent's portal is drawn plain, confirming nothing).
    """

    prefix: str
    layout: str
    context: Callable[[], dict | None]


@dataclass(frozen=True)
class ErrorAnswer:
    """An area that answers its errors in a format of its own (the API: problem+json), not as a page."""

    prefix: str
    #: (status, message, the HTTP error when there is one: its headers, ``Allow`` say, go with the answer)
    answer: Callable[[int, str, HTTPException | None], Response]


def register_error_answer(app: App, answer: ErrorAnswer) -> None:
    app.extensions.setdefault("portal.error_answers", []).append(answer)


def register_error_frame(app: App, frame: ErrorFrame) -> None:
    """Called by each area's blueprint when it is registered."""
    app.extensions.setdefault("portal.error_frames", []).append(frame)


def _frame() -> tuple[str, dict]:
    """The layout of the area the request is in, and its context, when it can be drawn for the person looking."""
    if g.get("database_down"):
        return PLAIN, {}
    for frame in current_app.extensions.get("portal.error_frames", []):
        if request.path.startswith(frame.prefix):
            context = frame.context()
            return (frame.layout, context) if context is not None else (PLAIN, {})
    return PLAIN, {}


def _roll_back() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection itself is gone: nothing to roll back on it
        logger.warning("could not roll back the request's session", exc_info=True)


def _render(code: int, title: str, message: str, error: HTTPException | None = None) -> Response:
    for area in current_app.extensions.get("portal.error_answers", []):
        if request.path.startswith(area.prefix):
            return area.answer(code, message, error)
    template = "errors/_error.html" if wants_fragment() else "errors/error.html"
    context = {"code": code, "title": title, "message": message, "correlation_id": g.get("correlation_id")}
    try:
        layout, frame_context = _frame()
        html = render_template(template, layout=layout, **frame_context, **context)
    except Exception:
        logger.exception("the error page's frame failed; answering the plain page")
        _roll_back()
        _without_the_user()
        html = render_template(template, layout=PLAIN, **context)
    response = make_response(html, code)
    response.vary.add("HX-Request")
    return response


def _without_the_user() -> None:
    """Draw the page for nobody in particular: loading the user would ask the database again."""
    if g.get("_login_user") is None:
        g._login_user = login_manager.anonymous_user()


def _database_unreachable(error: Exception) -> bool:
    return isinstance(error, OperationalError | InterfaceError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def install_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> ResponseReturnValue:
        logger.warning("CSRF refused: %s", error.description)
        return _render(
            400,
            "Your form expired",
            "The form was open too long or sent from elsewhere. Reload the page and submit it again.",
        )

    @app.errorhandler(DomainError)
    def _refused(error: DomainError) -> ResponseReturnValue:
        _roll_back()
        status = error.http_status
        title = {400: "Not accepted", 503: "Unavailable"}.get(status) or HTTP_STATUS_TITLES.get(status, "Not possible")
        return _render(status, title, error.message)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> ResponseReturnValue:
        if error.code is None or error.code < 400:
            return error
        if error.response is not None:
            # An answer made for this refusal already (a rate-limited form shown again).
            return error.response
        return _render(error.code, error.name, ADVICE.get(error.code, error.description or ""), error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        _roll_back()
        if _database_unreachable(error):
            g.database_down = True
            _without_the_user()
            logger.warning("database unreachable: %s", type(error).__name__)
            return _render(503, "Unavailable", DATABASE_DOWN)
        logger.exception("unhandled error")
        return _render(500, "Something went wrong", ADVICE[500])
