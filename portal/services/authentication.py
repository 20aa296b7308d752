"""Checking credentials and recording log-ins."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, User
from portal.models.base import utcnow
from portal.persistence.unit_of_work import Actor, UnitOfWork
from portal.security.passwords import hash_password, needs_rehash, verify_password


class LoginRefused(Exception):
    """The credentials do not open a session; the message is safe to show."""


@dataclass(frozen=True)
class LoginContext:
    correlation_id: str | None = None
    request_ip: str | None = None


GENERIC_REFUSAL = "The e-mail address or password is not correct."


def can_sign_in(user: User, agent: Agent | None) -> bool:
    """Active users only; an agent's users only while the agent is active."""
    if not user.is_active:
        return False
    return agent is None or agent.status == "active"


def log_in(session: Session, email: str, password: str, context: LoginContext) -> User:
    """Return the user for these credentials and record the log-in, or raise LoginRefused."""
    normalized = email.strip().lower()
    row = session.execute(
        sa.select(User, Agent).outerjoin(Agent, Agent.id == User.agent_id).where(User.email == normalized)
    ).first()
    user, agent = (row.User, row.Agent) if row else (None, None)
    if not verify_password(user.password_hash if user else None, password):
        raise LoginRefused(GENERIC_REFUSAL)
    if not can_sign_in(user, agent):
        raise LoginRefused("This account is suspended. Contact your account manager.")
    user_id = user.id
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
        uow.commit()
    return user
