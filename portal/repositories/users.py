"""Reading log-ins for the users page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, LoginSession, User
from portal.repositories.base import Repository, changed_rows
from portal.repositories.pages import Page, PageRequest, paginate


@dataclass(frozen=True)
class UserRow:
    id: int
    email: str
    full_name: str
    role: str
    is_active: bool
    agent_name: str | None
    last_login_at: datetime | None


@dataclass(frozen=True)
class LoginRecord:
    created_at: datetime
    ended_at: datetime | None
    ip_address: str | None
    user_agent: str | None
    current: bool


class UserReadRepository:
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

    def page(self, request: PageRequest, staff_only: bool = True) -> Page[UserRow]:
        query = self._select()
        if staff_only:
            query = query.where(User.role != "agent")
        return paginate(self.session, query.order_by(User.email), request, lambda row: UserRow(**row))

    def by_id(self, user_id: int) -> UserRow | None:
        row = self.session.execute(self._select().where(User.id == user_id)).mappings().first()
        return UserRow(**row) if row else None

    def for_agent(self, agent_id: int) -> list[UserRow]:
        rows = self.session.execute(self._select().where(User.agent_id == agent_id)).mappings()
        return [UserRow(**row) for row in rows]

    def recent_logins(self, user_id: int, current_token_hash: str | None, limit: int = 10) -> list[LoginRecord]:
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


class UserRepository(Repository[User]):
    """Log-ins and their sessions inside a unit of work; never commits."""

    model = User
    noun = "user"

    def by_email(self, email: str) -> User | None:
        return self.session.scalar(sa.select(User).where(User.email == email))

    def with_agent(self, email: str) -> tuple[User, Agent | None] | None:
        row = self.session.execute(
            sa.select(User, Agent).outerjoin(Agent, Agent.id == User.agent_id).where(User.email == email)
        ).first()
        return (row.User, row.Agent) if row else None

    def open_session(self, login: LoginSession) -> LoginSession:
        self.session.add(login)
        return login

    def end_sessions(self, user_id: int, now: datetime, *, keep_token_hash: str | None = None) -> int:
        """End the user's open log-in sessions (all but one, when given); returns how many."""
        open_ones = [LoginSession.user_id == user_id, LoginSession.ended_at.is_(None)]
        if keep_token_hash:
            open_ones.append(LoginSession.token_hash != keep_token_hash)
        return changed_rows(self.session.execute(sa.update(LoginSession).where(*open_ones).values(ended_at=now)))

    def end_sessions_of_agent(self, agent_id: int, now: datetime) -> int:
        """End every open log-in session of the agent's users (a suspension)."""
        users = sa.select(User.id).where(User.agent_id == agent_id).scalar_subquery()
        return changed_rows(
            self.session.execute(
                sa.update(LoginSession)
                .where(LoginSession.user_id.in_(users), LoginSession.ended_at.is_(None))
                .values(ended_at=now)
            )
        )

    def end_session(self, token_hash: str, now: datetime) -> int:
        return changed_rows(
            self.session.execute(
                sa.update(LoginSession)
                .where(LoginSession.token_hash == token_hash, LoginSession.ended_at.is_(None))
                .values(ended_at=now)
            )
        )
