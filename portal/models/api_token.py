"""API tokens: who an integration is, what it may do, and until when.

The secret is shown once, when the token is made; only its SHA-256 is kept.
A token is owned by a staff role (it acts with that role's permissions) or by
one agent (it sees and moves only that agent's data, and never holds ``admin``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TimestampMixin, UTCDateTime, one_of
from portal.models.user import ROLES, Role


class ApiScope(StrEnum):
    """Each scope includes the ones before it: ``write`` can read, ``admin`` can write."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"

    def includes(self, other: ApiScope) -> bool:
        return SCOPES.index(self) >= SCOPES.index(other)


SCOPES = tuple(ApiScope)


class ApiToken(TimestampMixin, Base):
    __tablename__ = "api_token"
    __audited__ = True
    __audit_secret__ = frozenset({"token_hash"})
    __table_args__ = (
        sa.CheckConstraint(one_of("owner_role", ROLES), name="owner_role_known"),
        sa.CheckConstraint(one_of("scope", SCOPES), name="scope_known"),
        sa.CheckConstraint(
            "(owner_role = 'agent' AND agent_id IS NOT NULL) OR (owner_role <> 'agent' AND agent_id IS NULL)",
            name="agent_tokens_belong_to_an_agent",
        ),
        sa.CheckConstraint("owner_role <> 'agent' OR scope <> 'admin'", name="agent_tokens_are_not_admin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    #: SHA-256 of the secret, the only form in which it is kept.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The secret's first characters, to tell tokens apart in a list.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    scope: Mapped[str] = mapped_column(sa.String(8))
    owner_role: Mapped[str] = mapped_column(sa.String(16))
    agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[str] = mapped_column(sa.String(120))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Moved forward as the token is used, at most once a minute (bookkeeping, not audited).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def owner(self) -> str:
        """``agent:12`` or ``staff:finance``: whose data the token reaches, and the scope of its idempotency keys."""
        return f"agent:{self.agent_id}" if self.owner_role == Role.AGENT else f"staff:{self.owner_role}"

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at
