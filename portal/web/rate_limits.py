"""What a person sees when a limit on attempts is reached: the form again, and when to try next."""

from __future__ import annotations

import time

from flask import Response, g, make_response, render_template, request
from flask_limiter import RequestLimit
from flask_login import current_user


def password_checks_of_this_account() -> str:
    """A limit on password checks of the logged-in user's own account, wherever they come from (never keyed by the
    session token, which must not reach the limiter's store)."""
    who = current_user.id if current_user.is_authenticated else request.remote_addr
    return f"password-check:{who}"


def seconds_to_wait(limit: RequestLimit) -> int:
    return max(1, int(limit.reset_at - time.time()))


def with_retry_after(response: Response, wait: int) -> Response:
    response.headers["Retry-After"] = str(wait)
    return response


def password_checks_refused_for_now(limit: RequestLimit) -> Response:
    """Too many wrong current passwords: say how long to wait (429 with Retry-After)."""
    wait = seconds_to_wait(limit)
    message = f"Too many password attempts. Wait {wait} seconds, then try again."
    page = render_template(
        "errors/error.html", layout="base.html", code=429, title="Too many attempts", message=message,
        correlation_id=g.get("correlation_id"),
    )  # fmt: skip
    return with_retry_after(make_response(page, 429), wait)
