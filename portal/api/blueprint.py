"""The API's blueprint: authentication first, problems for every error, one rate limit per token."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from portal.api.principal import authenticate
from portal.api.problems import problem, refused
from portal.domain.errors import DomainError
from portal.extensions import csrf, db, limiter
from portal.read.pages import CursorNotValid
from portal.web.errors import ErrorAnswer, register_error_answer

bp = Blueprint("api", __name__)
#: Endpoints anyone may read: the document and its page describe the API, they open nothing.
PUBLIC = frozenset({"api.openapi_document", "api.documentation"})
PREFIX = "/api/"

csrf.exempt(bp)


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC:
        return None
    return authenticate() or _body_is_a_json_object()


def _body_is_a_json_object() -> Response | None:
    """A change's body, when there is one, is a JSON object: anything else is refused before it is read as empty."""
    if request.method not in ("POST", "PATCH", "PUT") or not request.get_data(cache=True):
        return None
    if request.get_json(silent=True, force=True) is None or not isinstance(request.get_json(force=True), dict):
        return problem(400, "The body must be a JSON object (Content-Type: application/json).", slug="body-not-json",
                       errors=[{"field": None, "message": "not a JSON object"}])  # fmt: skip
    return None


def _rate_key() -> str:
    """One bucket per token, known before the token is checked (the limiter runs first): its secret's hash."""
    secret = request.headers.get("Authorization", "").partition(" ")[2].strip()
    return "api:" + hashlib.sha256(secret.encode()).hexdigest()[:32] if secret else f"api-ip:{request.remote_addr}"


def _rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


limiter.limit(_rate_limit, key_func=_rate_key)(bp)


@bp.errorhandler(DomainError)
def _refused(error: DomainError) -> Response:
    db.session.rollback()
    return refused(error)


@bp.errorhandler(CursorNotValid)
def _unknown_cursor(error: CursorNotValid) -> Response:
    """A cursor is an opaque name of a page: one this list never gave out names no page (404), as an unknown id."""
    detail = "This cursor names no page of this list: start again from the first page."
    errors = [{"field": "cursor", "message": "not a cursor of this list"}]
    return problem(404, detail, slug="unknown-cursor", errors=errors)


@bp.errorhandler(429)
def _too_many(error: HTTPException) -> Response:
    response = problem(429, f"This token sent more than {error.description} requests: wait and try again.")
    return response


bp.record_once(lambda state: register_error_answer(state.app, ErrorAnswer(PREFIX, _answer)))


def _answer(code: int, message: str, error: HTTPException | None) -> Response:
    """Anything else under /api/ (an unknown address, a wrong method, a crash): a problem, never an HTML page."""
    response = problem(code, message)
    for name, value in error.get_headers() if error is not None else ():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response
