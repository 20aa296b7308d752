"""A log-in waiting for its second factor: who gave the right password, when, and where they were going.

Kept in the signed session cookie for a few minutes (TWO_FACTOR_PENDING_MINUTES),
never as a log-in session: until the code is right, nothing is open.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app, session

_KEY = "two_factor_pending"


@dataclass(frozen=True)
class PendingLogIn:
    user_id: int
    next_url: str | None
    #: When the password was right: a log-in opened since then has spent it (a copied cookie opens no second one).
    since: datetime


def await_code(user_id: int, next_url: str | None) -> None:
    """The password was right: the next step asks for the code (a fresh cookie, nothing from before it)."""
    session.clear()
    session[_KEY] = {"user": user_id, "at": time.time(), "next": next_url}


def pending_log_in() -> PendingLogIn | None:
    """The log-in waiting for a code in this browser, unless it waited too long."""
    pending = session.get(_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
        return None
    at = pending.get("at")
    if (
        not isinstance(at, int | float)
        or not 0 <= time.time() - at <= current_app.config["TWO_FACTOR_PENDING_MINUTES"] * 60
    ):
        session.pop(_KEY, None)
        return None
    return PendingLogIn(pending["user"], pending.get("next"), datetime.fromtimestamp(at, UTC))


def forget_pending() -> None:
    session.pop(_KEY, None)
