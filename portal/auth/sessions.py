"""Loading the logged-in user for each request, from the log-in session in the cookie."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from portal.extensions import db
from portal.models import Agent, User
from portal.models.base import utcnow
from portal.services.authentication import SessionLifetime, mark_session_used, user_for_session

EXPIRED = "Your session expired. Please log in again."


def load_user(token: str) -> User | None:
    """Flask-Login's loader: an ended or expired session, a suspended user or agent opens nothing."""
    if not token or len(token) > 100:
        return None
    config = current_app.config
    lifetime = SessionLifetime(
        idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        absolute=timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]),
    )
    session, now = db.session(), utcnow()
    state = user_for_session(session, token, lifetime, now)
    g.session_expired = state.expired
    if state.stale_mark and "unit_of_work" not in session.info:
        mark_session_used(session, token, now)
    return state.user


def log_in_again() -> ResponseReturnValue:
    """Flask-Login's answer to an anonymous visitor: the log-in page, saying why when the session expired."""
    flash(EXPIRED if g.get("session_expired") else "Please log in to continue.", "info")
    # Under /portal/<slug>/ the log-in page of that portal, which is plain for a slug that is not an open portal:
    # every slug is sent the same way, so the redirect tells nobody which agents exist.
    return redirect(url_for("auth.login", slug=g.get("portal_slug"), next=request.full_path.rstrip("?")))


def _agent_of(user: User) -> Agent | None:
    return None if user.is_staff else db.session.get(Agent, user.agent_id)


def login_page_for(user: User) -> str:
    """Where a user logs in again: an agent's users on their portal's branded page, staff on the plain one."""
    agent = _agent_of(user)
    return url_for("auth.login", slug=agent.slug if agent else None)


def home_for(user: User) -> str:
    """Where a user lands after logging in."""
    if user.is_staff:
        return url_for("dashboard.overview")
    agent = _agent_of(user)
    if agent is None:
        return url_for("auth.login")
    return url_for("agent_portal.home", slug=agent.slug)
