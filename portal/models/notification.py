"""Messages to agents or staff; bodies are masked before they are stored."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, one_of, utcnow


class Audience(StrEnum):
    AGENT = "agent"
    STAFF = "staff"


AUDIENCES = tuple(Audience)


class Notification(Base):
    """An in-app message for one agent's users or for staff.

    Not audited: a notification reports a change that is audited already, and
    reading one is not a change to the business.
    """

    __tablename__ = "notification"
    __table_args__ = (
        sa.CheckConstraint(one_of("audience", AUDIENCES), name="audience_known"),
        sa.CheckConstraint(
            "(audience = 'agent' AND agent_id IS NOT NULL) OR audience = 'staff'",
            name="agent_notifications_name_the_agent",
        ),
        sa.Index("ix_notification_agent_read_at", "agent_id", "read_at"),
        sa.Index("ix_notification_agent_id_id", "agent_id", "id"),
        sa.Index("ix_notification_audience_created_at", "audience", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audience: Mapped[str] = mapped_column(sa.String(8))
    agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agent.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


OUTBOX_STATUSES = tuple(OutboxStatus)


class EmailOutbox(Base):
    """One e-mail to send for one notification to one user, delivered after commit.

    The address is looked up when sending; the text is the notification's,
    already masked. A failed delivery is kept with its error, never dropped.
    """

    __tablename__ = "email_outbox"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", OUTBOX_STATUSES), name="status_known"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.UniqueConstraint("notification_id", "user_id"),
        sa.Index("ix_email_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(sa.ForeignKey("notification.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(8), default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
