"""Loading the logged-in user for each request, from the log-in session in the cookie."""

from __future__ import annotations

from flask import url_for

from portal.extensions import db
from portal.models import Agent, User
from portal.services.authentication import user_for_session


def load_user(token: str) -> User | None:
    """Flask-Login's loader: an ended session, a suspended user or agent opens nothing."""
    if not token or len(token) > 100:
        return None
    return user_for_session(db.session(), token)


def home_for(user: User) -> str:
    """Where a user lands after logging in."""
    if user.is_staff:
        return url_for("dashboard.overview")
    agent = db.session.get(Agent, user.agent_id)
    if agent is None:
        return url_for("auth.login")
    return url_for("agent_portal.home", slug=agent.slug)
