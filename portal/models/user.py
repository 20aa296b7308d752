"""Log-ins: staff with a role, or an agent's own user."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TimestampMixin, UTCDateTime, one_of

STAFF_ROLES = ("admin", "finance", "viewer")
ROLES = (*STAFF_ROLES, "agent")


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
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16))
    agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES
