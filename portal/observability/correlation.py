"""The correlation id that ties a request's log lines and audit events together."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

_VALID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")
_current: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def is_valid_correlation_id(value: str | None) -> bool:
    """Accept 8–128 characters of letters, digits and ``. _ : -``; nothing else."""
    return value is not None and _VALID.fullmatch(value) is not None


def current_correlation_id() -> str | None:
    return _current.get()


def bind_correlation_id(value: str | None = None) -> str:
    """Make ``value`` (or a new id) the current one and return it."""
    correlation_id = value if value is not None and is_valid_correlation_id(value) else new_correlation_id()
    _current.set(correlation_id)
    return correlation_id


def clear_correlation_id() -> None:
    _current.set(None)
