"""Checking credentials, and opening and ending log-in sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, LoginSession, User
from portal.models.agent import AgentStatus
from portal.persistence.context import Actor, CommandContext
from portal.persistence.unit_of_work import UnitOfWorkFactory
from portal.repositories.users import UserRepository
from portal.security.passwords import hash_password, needs_rehash, verify_password

GENERIC_REFUSAL = "The e-mail address or password is not correct."


class LoginRefused(Exception):
    """The credentials do not open a session; the message is safe to show."""


@dataclass(frozen=True)
class LoginContext:
    correlation_id: str | None = None
    request_ip: str | None = None
    user_agent: str | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def can_sign_in(user: User, agent: Agent | None) -> bool:
    """Active users only; an agent's users only while the agent is active."""
    if not user.is_active:
        return False
    return agent is None or agent.status == AgentStatus.ACTIVE


def log_in(session: Session, email: str, password: str, context: LoginContext) -> User:
    """The user for these credentials, with a new log-in session; or LoginRefused."""
    normalized = email.strip().lower()
    found = UserRepository(session).with_agent(normalized)
    user, agent = found if found else (None, None)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise LoginRefused(GENERIC_REFUSAL)
    if not can_sign_in(user, agent):
        raise LoginRefused("This account is suspended. Contact your account manager.")
    user_id, token = user.id, secrets.token_urlsafe(32)
    units = UnitOfWorkFactory(session, CommandContext(Actor.user(user_id), context.correlation_id, context.request_ip))
    with units("log_in") as uow:
        user = uow.users.get(user_id)
        if user is None:
            raise LoginRefused(GENERIC_REFUSAL)
        user.last_login_at = uow.now
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        uow.users.open_session(
            LoginSession(
                token_hash=token_hash(token),
                user_id=user_id,
                ip_address=context.request_ip,
                user_agent=(context.user_agent or "")[:200] or None,
            )
        )
        uow.commit()
    user.session_token = token
    return user


@dataclass(frozen=True)
class SessionLifetime:
    """How long a log-in session lasts: since it was last used, and at all."""

    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class SessionState:
    """What the cookie's log-in session opens: a user, or nothing (and whether it had just expired)."""

    user: User | None
    expired: bool = False
    #: The session was last used long enough ago that its ``last_seen_at`` should move.
    stale_mark: bool = False


TOUCH_INTERVAL = timedelta(minutes=1)


def user_for_session(session: Session, token: str, lifetime: SessionLifetime, now: datetime) -> SessionState:
    """The user of an open, unexpired log-in session who may still sign in."""
    row = session.execute(
        sa.select(User, Agent, LoginSession.created_at, LoginSession.last_seen_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .outerjoin(Agent, Agent.id == User.agent_id)
        .where(LoginSession.token_hash == token_hash(token), LoginSession.ended_at.is_(None))
    ).first()
    if row is None or not can_sign_in(row.User, row.Agent):
        return SessionState(None)
    last_seen = row.last_seen_at or row.created_at
    if now - row.created_at > lifetime.absolute or now - last_seen > lifetime.idle:
        return SessionState(None, expired=True)
    row.User.session_token = token
    return SessionState(row.User, stale_mark=now - last_seen > TOUCH_INTERVAL)


def mark_session_used(session: Session, token: str, now: datetime) -> None:
    """Move the session's last use to ``now``: bookkeeping for the idle timeout, not a business change."""
    session.execute(
        sa.update(LoginSession)
        .where(LoginSession.token_hash == token_hash(token), LoginSession.ended_at.is_(None))
        .values(last_seen_at=now)
    )
    session.commit()


def log_out(units: UnitOfWorkFactory, token: str) -> None:
    """End this log-in session for good: the cookie that carried it no longer opens anything."""
    with units("log_out") as uow:
        uow.users.end_session(token_hash(token), uow.now)
        uow.commit()
