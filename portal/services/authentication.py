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
from portal.persistence.protocols import UnitOfWork
from portal.persistence.unit_of_work import UnitOfWorkFactory
from portal.repositories.users import UserRepository
from portal.security.passwords import hash_password, needs_rehash, verify_password
from portal.services.two_factor import SecondFactor

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


def check_password(session: Session, email: str, password: str) -> User:
    """The user these credentials belong to, if they may sign in; or LoginRefused."""
    normalized = email.strip().lower()
    found = UserRepository(session).with_agent(normalized)
    user, agent = found if found else (None, None)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise LoginRefused(GENERIC_REFUSAL)
    if not can_sign_in(user, agent):
        raise LoginRefused("This account is suspended. Contact your account manager.")
    return user


def log_in_units(session: Session, user_id: int, context: LoginContext) -> UnitOfWorkFactory:
    """Units of work acting as the person signing in, before any session of theirs is open."""
    return UnitOfWorkFactory(session, CommandContext(Actor.user(user_id), context.correlation_id, context.request_ip))


def keep_password_hash_current(session: Session, user_id: int, password: str, context: LoginContext) -> None:
    """Re-hash a password stored with weaker parameters than today's, while it is at hand."""
    user = session.get(User, user_id)
    if user is None or not needs_rehash(user.password_hash):
        return
    with log_in_units(session, user_id, context)("rehash_password") as uow:
        uow.users.require(user_id).password_hash = hash_password(password)
        uow.commit()


def open_session(
    uow: UnitOfWork, user_id: int, context: LoginContext, *, must_enrol_two_factor: bool = False
) -> tuple[User, str]:
    """A new log-in session for the user, inside ``uow``: the user and the token for the cookie."""
    user = uow.users.get(user_id)
    if user is None:
        raise LoginRefused(GENERIC_REFUSAL)
    user.last_login_at = uow.now
    token = secrets.token_urlsafe(32)
    uow.users.open_session(
        LoginSession(
            token_hash=token_hash(token),
            user_id=user_id,
            ip_address=context.request_ip,
            user_agent=(context.user_agent or "")[:200] or None,
            created_at=uow.now,
            last_seen_at=uow.now,
            authenticated_at=uow.now,
            must_enrol_two_factor=must_enrol_two_factor,
        )
    )
    return user, token


def log_in(
    session: Session, user_id: int, password: str, context: LoginContext, *, must_enrol_two_factor: bool = False
) -> User:
    """Open a log-in session after the password (the only factor this person needs, or enrolment next)."""
    keep_password_hash_current(session, user_id, password, context)
    with log_in_units(session, user_id, context)("log_in") as uow:
        user, token = open_session(uow, user_id, context, must_enrol_two_factor=must_enrol_two_factor)
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
        sa.select(
            User,
            Agent,
            LoginSession.created_at,
            LoginSession.last_seen_at,
            LoginSession.authenticated_at,
            LoginSession.must_enrol_two_factor,
        )
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
    row.User.authenticated_at = row.authenticated_at or row.created_at
    row.User.must_enrol_two_factor = row.must_enrol_two_factor
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


SPENT = "This sign-in was finished already, or its password step is too old: enter your password again."


def log_in_with_code(
    session: Session, second_factor: SecondFactor, user_id: int, code: str, context: LoginContext,
    password_at: datetime,
) -> User | None:  # fmt: skip
    """The log-in's second step: a session when the code (or a recovery code) is right and not used before.

    A password step opens one session at most: once a log-in was opened after it, it is spent (LoginRefused).
    """
    with log_in_units(session, user_id, context)("log_in") as uow:
        user = uow.users.get(user_id)
        agent = uow.agents.get(user.agent_id) if user is not None and user.agent_id else None
        if user is None or not can_sign_in(user, agent):
            raise LoginRefused(SPENT)
        if user.last_login_at is not None and user.last_login_at >= password_at:
            raise LoginRefused(SPENT)
        how = second_factor.check_code(uow, user, code)
        if how is None:
            return None
        uow.record_event("two_factor_passed", "User", str(user_id), after={"with": how})
        user, token = open_session(uow, user_id, context)
        uow.commit()
    user.session_token = token
    return user
