"""Log-ins as the users page, an agent's page and the profile page show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, LoginSession, User
from portal.models.user import Role
from portal.read.pages import Key, Page, PageRequest, paginate


@dataclass(frozen=True)
class UserRow:
    """A log-in: who, with which role, for which agent."""

    id: int
    email: str
    full_name: str
    role: str
    is_active: bool
    agent_name: str | None
    last_login_at: datetime | None

    @property
    def staff(self) -> bool:
        """A dashboard user, not an agent's."""
        return Role(self.role).staff


@dataclass(frozen=True)
class LoginRecord:
    """One session of a log-in; ``current`` is the one reading the page."""

    created_at: datetime
    ended_at: datetime | None
    ip_address: str | None
    user_agent: str | None
    current: bool


class UserReadRepository:
    """Log-ins and their recent sessions."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _select(self):
        return sa.select(
            User.id,
            User.email,
            User.full_name,
            User.role,
            User.is_active,
            Agent.name.label("agent_name"),
            User.last_login_at,
        ).outerjoin(Agent, Agent.id == User.agent_id)

    def staff_page(self, request: PageRequest) -> Page[UserRow]:
        """Staff log-ins (not agents'), by e-mail address."""
        query = self._select().where(User.role != Role.AGENT)
        return paginate(self.session, query, [Key(User.email)], request, lambda row: UserRow(**row))

    def by_id(self, user_id: int) -> UserRow | None:
        """One log-in, or None."""
        row = self.session.execute(self._select().where(User.id == user_id)).mappings().first()
        return UserRow(**row) if row else None

    def for_agent(self, agent_id: int) -> list[UserRow]:
        """The agent's own log-ins."""
        rows = self.session.execute(self._select().where(User.agent_id == agent_id)).mappings()
        return [UserRow(**row) for row in rows]

    def recent_logins(self, user_id: int, current_token_hash: str | None, limit: int = 10) -> list[LoginRecord]:
        """The log-in's latest sessions, newest first."""
        rows = self.session.scalars(
            sa.select(LoginSession)
            .where(LoginSession.user_id == user_id)
            .order_by(LoginSession.created_at.desc())
            .limit(limit)
        )
        return [
            LoginRecord(
                row.created_at, row.ended_at, row.ip_address, row.user_agent, row.token_hash == current_token_hash
            )
            for row in rows
        ]

    def authenticated_at(self, token_hash: str) -> datetime | None:
        """When the open log-in session with this token hash last proved who its person is; None if it has ended."""
        return self.session.scalar(
            sa.select(LoginSession.authenticated_at).where(
                LoginSession.token_hash == token_hash, LoginSession.ended_at.is_(None)
            )
        )
