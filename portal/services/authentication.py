"""Checking credentials, opening and ending log-in sessions, changing passwords."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.domain import errors
from portal.models import Agent, LoginSession, User
from portal.models.base import utcnow
from portal.persistence.unit_of_work import Actor, UnitOfWork
from portal.security.passwords import MIN_PASSWORD_LENGTH, hash_password, needs_rehash, verify_password

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
    return agent is None or agent.status == "active"


def log_in(session: Session, email: str, password: str, context: LoginContext) -> User:
    """The user for these credentials, with a new log-in session; or LoginRefused."""
    normalized = email.strip().lower()
    row = session.execute(
        sa.select(User, Agent).outerjoin(Agent, Agent.id == User.agent_id).where(User.email == normalized)
    ).first()
    user, agent = (row.User, row.Agent) if row else (None, None)
    if not verify_password(user.password_hash if user else None, password):
        raise LoginRefused(GENERIC_REFUSAL)
    if not can_sign_in(user, agent):
        raise LoginRefused("This account is suspended. Contact your account manager.")
    user_id, token = user.id, secrets.token_urlsafe(32)
    with UnitOfWork(
        session,
        command="log_in",
        actor=Actor.user(user_id),
        correlation_id=context.correlation_id,
        request_ip=context.request_ip,
    ) as uow:
        user = session.get(User, user_id)
        user.last_login_at = utcnow()
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        session.add(
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


def user_for_session(session: Session, token: str) -> User | None:
    """The user of an open log-in session who may still sign in; None otherwise."""
    row = session.execute(
        sa.select(User, Agent)
        .join(LoginSession, LoginSession.user_id == User.id)
        .outerjoin(Agent, Agent.id == User.agent_id)
        .where(LoginSession.token_hash == token_hash(token), LoginSession.ended_at.is_(None))
    ).first()
    if row is None or not can_sign_in(row.User, row.Agent):
        return None
    row.User.session_token = token
    return row.User


def log_out(session: Session, token: str, actor: Actor, context: LoginContext) -> None:
    """End this log-in session for good: the cookie that carried it no longer opens anything."""
    with UnitOfWork(
        session, command="log_out", actor=actor, correlation_id=context.correlation_id, request_ip=context.request_ip
    ) as uow:
        session.execute(
            sa.update(LoginSession)
            .where(LoginSession.token_hash == token_hash(token), LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
        uow.commit()


def change_password(uow: UnitOfWork, user_id: int, current: str, new: str, keep_token: str | None) -> None:
    """Check the current password, store the new one, end every other log-in session."""
    if len(new) < MIN_PASSWORD_LENGTH:
        raise errors.InputNotValid(f"The new password needs at least {MIN_PASSWORD_LENGTH} characters.")
    with uow:
        user = uow.session.get(User, user_id)
        if not verify_password(user.password_hash, current):
            raise errors.InputNotValid("The current password is not correct.")
        if verify_password(user.password_hash, new):
            raise errors.InputNotValid("Choose a password different from the current one.")
        user.password_hash = hash_password(new)
        others = [LoginSession.user_id == user_id, LoginSession.ended_at.is_(None)]
        if keep_token:
            others.append(LoginSession.token_hash != token_hash(keep_token))
        uow.session.execute(sa.update(LoginSession).where(*others).values(ended_at=utcnow()))
        uow.commit()
