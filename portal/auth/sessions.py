"""Loading the logged-in user for each request."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Agent, User
from portal.services.authentication import can_sign_in


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: a suspended user or agent loses the session at once."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None:
        return None
    agent = db.session.get(Agent, user.agent_id) if user.agent_id else None
    return user if can_sign_in(user, agent) else None


def home_for(user: User) -> str:
    """Where a user lands after logging in."""
    from flask import url_for

    if user.is_staff:
        return url_for("dashboard.overview")
    agent = db.session.get(Agent, user.agent_id)
    return url_for("agent_portal.home", slug=agent.slug)
