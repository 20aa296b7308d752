"""RFC 9457 problem details: every error the API answers, in one shape.

``type`` names the kind of problem (a stable URI a client can switch on),
``title`` says it in words, ``detail`` says what happened this time, and
``correlation_id`` is what to quote to support. A refusal about one field, and
every request that fails validation, lists ``errors`` as ``{field, message}``.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Response, current_app, g

from portal.domain.errors import DomainError

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "/api/v1/problems/"

TITLES = {
    400: "Bad request", 401: "Not authenticated", 403: "Not allowed", 404: "Not found", 405: "Method not allowed",
    406: "Not acceptable", 409: "Conflict", 413: "Too large", 415: "Unsupported media type",
    422: "Not possible", 429: "Too many requests", 500: "Server error", 503: "Unavailable",
}  # fmt: skip
SLUGS = {
    400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
    406: "not-acceptable", 409: "conflict", 413: "too-large", 415: "unsupported-media-type",
    422: "refused", 429: "rate-limited", 500: "server-error", 503: "unavailable",
}  # fmt: skip


def json_response(document: Any, status: int = 200, media_type: str = "application/json") -> Response:
    """``document`` as JSON, serialized by the application's provider (the same bytes for the same document)."""
    response = cast(Response, current_app.json.response(document))
    response.status_code = status
    response.mimetype = media_type
    return response


def problem(status: int, detail: str, *, slug: str | None = None, **extra: Any) -> Response:
    """A problem+json response with ``status``; ``extra`` adds members (``errors``, ``retry_after``…)."""
    document = {
        "type": TYPE_BASE + (slug or SLUGS.get(status, "error")),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "correlation_id": g.get("correlation_id"),
        **extra,
    }
    return json_response(document, status, MEDIA_TYPE)


def refusal_status(error: DomainError) -> int:
    """A refusal by the rules, of a request that matched its schema: 400, 403, 404 and 503 as such, else 409.

    422 is what a request that does not match its schema gets (every field's message listed);
    a well-formed request that the current state refuses (the amount is more than is due, the
    agent is already active, the balance is too low) conflicts with that state: 409, with the
    rule named by the problem's ``type``.
    """
    return error.http_status if error.http_status in (400, 403, 404, 503) else 409


#: Seconds a client is told to wait when the service refuses for now (money paused, a key service down).
RETRY_AFTER_UNAVAILABLE = 60


def refused(error: DomainError) -> Response:
    slug = "".join(f"-{c.lower()}" if c.isupper() else c for c in type(error).__name__).lstrip("-")
    errors = [{"field": error.field, "message": error.message}] if error.field else []
    response = problem(refusal_status(error), error.message, slug=slug, errors=errors)
    if response.status_code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_UNAVAILABLE)
    return response


def invalid(errors: list[dict[str, str]]) -> Response:
    """A request that does not match its schema: 422, each field's message."""
    count = len(errors)
    detail = f"{count} field{'s' if count != 1 else ''} not valid: correct them and send again."
    return problem(422, detail, slug="invalid-request", errors=errors)
