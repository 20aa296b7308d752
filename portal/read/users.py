"""Log-ins as the users page, an agent's page and the profile page show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.domain.browsers import browser_in_words
from portal.models import Agent, LoginSession, User
from portal.models.user import Role, session_handle
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
    #: Its public name (never its token): what a form that ends it sends.
    handle: str = ""
    last_seen_at: datetime | None = None

    @property
    def browser(self) -> str:
        """The browser and system it was opened in, in words ("Firefox on Windows")."""
        return browser_in_words(self.user_agent)

    @property
    def last_used_at(self) -> datetime:
        """When it was last used (its start, for a session not used since)."""
        return self.last_seen_at or self.created_at


def _record(row: LoginSession, current_token_hash: str | None) -> LoginRecord:
    return LoginRecord(
        created_at=row.created_at, ended_at=row.ended_at, ip_address=row.ip_address, user_agent=row.user_agent,
        current=row.token_hash == current_token_hash, handle=session_handle(row.token_hash),
        last_seen_at=row.last_seen_at,
    )  # fmt: skip


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
        return [_record(row, current_token_hash) for row in rows]

    def open_logins(
        self,
        user_id: int,
        current_token_hash: str | None,
        started_after: datetime,
        used_after: datetime,
        limit: int = 50,
    ) -> list[LoginRecord]:
        """The log-in's sessions that still open something (not ended, neither idle nor too old): the one reading
        the page first, then by last use, newest first."""
        last_used = sa.func.coalesce(LoginSession.last_seen_at, LoginSession.created_at)
        current = LoginSession.token_hash == (current_token_hash or "")
        rows = self.session.scalars(
            sa.select(LoginSession)
            .where(
                LoginSession.user_id == user_id, LoginSession.ended_at.is_(None),
                LoginSession.created_at > started_after, last_used > used_after,
            )
            .order_by(sa.case((current, 0), else_=1), last_used.desc(), LoginSession.token_hash)
            .limit(limit)
        )  # fmt: skip
        return [_record(row, current_token_hash) for row in rows]

    def authenticated_at(self, token_hash: str) -> datetime | None:
        """When the open log-in session with this token hash last proved who its person is; None if it has ended."""
        return self.session.scalar(
            sa.select(LoginSession.authenticated_at).where(
                LoginSession.token_hash == token_hash, LoginSession.ended_at.is_(None)
            )
        )
