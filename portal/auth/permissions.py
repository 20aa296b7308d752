"""Who may do what: the permission matrix, in one place."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_login import current_user

from portal.models.user import STAFF_ROLES
from portal.repositories.agents import AgentProfile


def _require_login() -> None:
    if not current_user.is_authenticated:
        abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))


def require_staff() -> None:
    """``before_request`` of the dashboard: staff only; anonymous users log in first."""
    _require_login()
    if current_user.role not in STAFF_ROLES:
        abort(403)


def portal_agent_for(slug: str) -> AgentProfile:
    """The agent whose portal this is, when the user is one of its own users.

    Anyone else gets 404, so another agent's portal is not even confirmed to exist.
    """
    from portal.data_access import agent_by_slug

    _require_login()
    agent = agent_by_slug(slug)
    if agent is None or current_user.role != "agent" or current_user.agent_id != agent.id:
        abort(404)
    return agent
