"""Log-ins: staff with a role, or an agent's own user."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TimestampMixin, UTCDateTime, one_of, utcnow


class Role(StrEnum):
    ADMIN = "admin"
    FINANCE = "finance"
    VIEWER = "viewer"
    AGENT = "agent"

    @property
    def staff(self) -> bool:
        return self != Role.AGENT


STAFF_ROLES = tuple(role for role in Role if role.staff)
ROLES = tuple(Role)


class User(UserMixin, TimestampMixin, Base):
    """A person who logs in. Agent users belong to exactly one agent."""

    __tablename__ = "user_account"
    __audited__ = True
    __audit_secret__ = frozenset({"password_hash"})
    __audit_masked__ = {"email": "email"}
    __table_args__ = (
        sa.CheckConstraint(one_of("role", ROLES), name="role_known"),
        sa.CheckConstraint(
            "(role = 'agent' AND agent_id IS NOT NULL) OR (role <> 'agent' AND agent_id IS NULL)",
            name="agent_users_belong_to_an_agent",
        ),
        # The staff list, by address: agents' own log-ins (one or more per agent) are not in it.
        sa.Index(
            "ix_user_account_staff_email",
            "email",
            postgresql_where=sa.text("role <> 'agent'"),
            sqlite_where=sa.text("role <> 'agent'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16))
    agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # session_token is a plain attribute, not a column.
    __allow_unmapped__ = True
    #: The log-in session this object was loaded for (set by the session loader, never stored).
    session_token: str | None = None
    #: When that session last proved who its person is, and whether only enrolment is open to it.
    authenticated_at: datetime | None = None
    must_enrol_two_factor: bool = False

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def get_id(self) -> str | None:
        """Flask-Login keeps the log-in session's token, not the user id, in the cookie."""
        return self.session_token


class LoginSession(Base):
    """One log-in: the browser holds a random token, the database its hash.

    Log-out ends it for good (a copied cookie stops working); a password change
    ends every other one; each person's profile lists the open ones and can end any but its own.
    """

    __tablename__ = "login_session"
    __table_args__ = (sa.Index("ix_login_session_user_created_at", "user_id", "created_at"),)

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Moved forward as the session is used (at most once a minute), for the idle timeout.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))
    #: When the person last proved who they are in this session (log-in, or a re-authentication): sensitive
    #: actions need it within the last few minutes.
    authenticated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    #: Opened with a password alone for someone whose role requires two-factor: only enrolment is open to it.
    must_enrol_two_factor: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())

    @property
    def handle(self) -> str:
        """How pages and forms name this session: see ``session_handle``."""
        return session_handle(self.token_hash)


#: Hex characters of a session's token hash that name it in pages and forms: 64 bits, never mistaken for another
#: session of the same person, and telling nothing of the token (a form always pairs it with the user's own id).
SESSION_HANDLE_LENGTH = 16


def session_handle(token_hash: str) -> str:
    """The public name of the log-in session whose token hashes to ``token_hash``: the start of that hash."""
    return token_hash[:SESSION_HANDLE_LENGTH]
