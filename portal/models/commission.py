"""Agents' shares of payments, and clawbacks when payments are refunded."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Money, UTCDateTime, currency_check, one_of, utcnow

COMMISSION_KINDS = ("commission", "clawback")
COMMISSION_STATUSES = ("pending", "approved", "credited")


class Commission(Base):
    """The agent's share of one payment, or (negative) of one refund.

    A refund never edits the original commission: it adds a clawback row.
    """

    __tablename__ = "commission"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint(one_of("kind", COMMISSION_KINDS), name="kind_known"),
        sa.CheckConstraint(one_of("status", COMMISSION_STATUSES), name="status_known"),
        sa.CheckConstraint(
            "(kind = 'commission' AND amount_minor >= 0 AND refund_id IS NULL)"
            " OR (kind = 'clawback' AND amount_minor <= 0 AND refund_id IS NOT NULL)",
            name="sign_matches_kind",
        ),
        sa.CheckConstraint("rate_bps >= 0 AND rate_bps <= 10000", name="rate_in_range"),
        sa.CheckConstraint("base_amount_minor > 0", name="base_positive"),
        sa.UniqueConstraint("payment_id", "refund_id", "kind"),
        currency_check(),
        sa.Index("ix_commission_agent_status", "agent_id", "status"),
        sa.Index("ix_commission_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agent.id"))
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payment.id"), index=True)
    refund_id: Mapped[int | None] = mapped_column(sa.ForeignKey("refund.id"))
    kind: Mapped[str] = mapped_column(sa.String(16), default="commission")
    rate_bps: Mapped[int] = mapped_column(sa.Integer)
    base_amount_minor: Mapped[int] = mapped_column(Money)
    amount_minor: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(sa.String(120))
    credited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
