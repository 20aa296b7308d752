"""The canary cohort of what is being done: for an agent inside the ``agent_portal`` rollout, outside it, or neither.

Set once a request knows its agent (the portal's check point, an agent's API
token) and read by every metric that is split by cohort; staff, the CLI and
anonymous requests are ``none``. Guardrails compare ``canary`` with ``control``.
"""

from __future__ import annotations

from contextvars import ContextVar

CANARY, CONTROL, NO_COHORT = "canary", "control", "none"

_current: ContextVar[str] = ContextVar("cohort", default=NO_COHORT)


def bind_cohort(in_rollout: bool) -> None:
    """The agent of this request is inside the rollout (``canary``) or outside it (``control``)."""
    _current.set(CANARY if in_rollout else CONTROL)


def current_cohort() -> str:
    return _current.get()


def clear_cohort() -> None:
    _current.set(NO_COHORT)
