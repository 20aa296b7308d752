"""Agents and the appearance of their portals."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain import errors
from portal.models.base import Base, TimestampMixin, UTCDateTime, currency_check, one_of, utcnow


class AgentStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


AGENT_STATUSES = tuple(AgentStatus)
#: the house colours of a portal before its agent chooses any
DEFAULT_PRIMARY = "#1f4e79"
DEFAULT_ACCENT = "#c8553d"
MAX_RATE_BPS = 10_000
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"


class Agent(TimestampMixin, Base):
    """A sales agent (reseller, broker, affiliate) who earns commissions."""

    __tablename__ = "agent"
    __audited__ = True
    __audit_masked__ = {"email": "email", "phone": "phone"}
    __audit_agent__ = "id"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", AGENT_STATUSES), name="status_known"),
        sa.CheckConstraint(
            f"commission_rate_bps >= 0 AND commission_rate_bps <= {MAX_RATE_BPS}",
            name="commission_rate_in_range",
        ),
        sa.CheckConstraint("length(slug) >= 1 AND length(slug) <= 64", name="slug_length"),
        sa.CheckConstraint("length(name) >= 1", name="name_not_empty"),
        currency_check(),
        sa.Index("ix_agent_status_name", "status", "name"),
        # The agent list's default order, as its keyset compares it.
        sa.Index("ix_agent_lower_name_id", sa.text("lower(name)"), "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(16), default="active")
    commission_rate_bps: Mapped[int] = mapped_column(sa.Integer)
    currency: Mapped[str] = mapped_column(sa.String(3))

    @property
    def active(self) -> bool:
        return self.status == AgentStatus.ACTIVE

    def change_status(self, status: AgentStatus) -> None:
        """Suspend (no log-in, no payouts) or reactivate."""
        if self.status == status:
            raise errors.InputNotValid(f"{self.name} is already {status}.")
        self.status = status

    def check_can_request_payouts(self) -> None:
        if not self.active:
            raise errors.AgentSuspended("Payouts are not available while the agent is suspended.")


class PortalLogo(Base):
    """A validated, re-encoded logo image, stored once per distinct content."""

    __tablename__ = "portal_logo"
    __audited__ = True
    __audit_secret__ = frozenset({"data"})
    __table_args__ = (
        sa.CheckConstraint(
            one_of("media_type", ("image/png", "image/jpeg", "image/webp")),
            name="media_type_raster",
        ),
        sa.CheckConstraint("width > 0 AND height > 0", name="dimensions_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    media_type: Mapped[str] = mapped_column(sa.String(32))
    width: Mapped[int] = mapped_column(sa.Integer)
    height: Mapped[int] = mapped_column(sa.Integer)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PortalAppearance(Base):
    """One saved version of an agent's portal branding; the highest version is current.

    Versions are never edited: saving or reverting adds a new version.
    """

    __tablename__ = "portal_appearance"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("agent_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint(
            "length(primary_color) = 7 AND length(accent_color) = 7",
            name="colors_are_hex",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agent.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(sa.Integer)
    display_name: Mapped[str] = mapped_column(sa.String(80))
    welcome_text: Mapped[str] = mapped_column(sa.String(500), default="")
    primary_color: Mapped[str] = mapped_column(sa.String(7))
    accent_color: Mapped[str] = mapped_column(sa.String(7))
    logo_id: Mapped[int | None] = mapped_column(sa.ForeignKey("portal_logo.id"))
    created_by: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
