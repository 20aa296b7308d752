"""Log-ins and their sessions inside a unit of work."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.models import Agent, LoginSession, TwoFactorCredential, User
from portal.repositories.base import Repository, changed_rows


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

    def session_proved(self, user_id: int, token_hash: str, now: datetime) -> int:
        """The person proved themselves in this session just now (two-factor set up): every page opens again."""
        return changed_rows(
            self.session.execute(
                sa.update(LoginSession)
                .where(LoginSession.token_hash == token_hash, LoginSession.user_id == user_id)
                .values(must_enrol_two_factor=False, authenticated_at=now)
            )
        )

    def require_enrolment(self, roles: list[str]) -> int:
        """Open sessions of people in ``roles`` without a second factor may only enrol from now on; sessions of
        everyone else are free of that again. Returns how many sessions must enrol."""
        enrolled = sa.select(TwoFactorCredential.user_id).where(TwoFactorCredential.confirmed_at.is_not(None))
        must = sa.select(User.id).where(User.role.in_(roles), User.id.not_in(enrolled))
        open_ones = LoginSession.ended_at.is_(None)
        self.session.execute(
            sa.update(LoginSession)
            .where(open_ones, LoginSession.must_enrol_two_factor.is_(True), LoginSession.user_id.not_in(must))
            .values(must_enrol_two_factor=False)
        )
        return changed_rows(
            self.session.execute(
                sa.update(LoginSession)
                .where(open_ones, LoginSession.user_id.in_(must))
                .values(must_enrol_two_factor=True)
            )
        )

    def login_session(self, token_hash: str) -> LoginSession | None:
        """The open log-in session with this token hash, or None once it has ended."""
        return self.session.scalar(
            sa.select(LoginSession).where(LoginSession.token_hash == token_hash, LoginSession.ended_at.is_(None))
        )

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

    def session_of(self, user_id: int, handle: str) -> LoginSession | None:
        """The user's own log-in session that ``handle`` names (ended or not); another user's is never found."""
        return self.session.scalar(
            sa.select(LoginSession)
            .where(LoginSession.user_id == user_id, LoginSession.token_hash.startswith(handle, autoescape=True))
            .order_by(LoginSession.token_hash)
            .limit(1)
        )
