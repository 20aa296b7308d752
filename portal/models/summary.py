"""The per-agent financial read model, kept in the same transaction as the writes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Money, UTCDateTime, currency_check, utcnow


class AgentFinancialSummary(Base):
    """Totals per agent that pages read instead of aggregating the ledger.

    Every figure can be rebuilt from invoices, payments, commissions and the
    wallet ledger; the rebuild and this row must always agree.
    """

    __tablename__ = "agent_financial_summary"
    __table_args__ = (
        sa.CheckConstraint("invoiced_minor >= 0", name="invoiced_not_negative"),
        sa.CheckConstraint("collected_minor >= 0", name="collected_not_negative"),
        sa.CheckConstraint("outstanding_minor >= 0", name="outstanding_not_negative"),
        sa.CheckConstraint("wallet_held_minor >= 0", name="held_not_negative"),
        currency_check(),
        # The overview's balances per currency, read from the index alone (one entry per agent).
        sa.Index(
            "ix_agent_financial_summary_currency_totals",
            "currency",
            postgresql_include=[
                "outstanding_minor", "commissions_pending_minor", "wallet_available_minor", "wallet_held_minor",
            ],
        ),
    )  # fmt: skip

    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agent.id", ondelete="CASCADE"), primary_key=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    invoiced_minor: Mapped[int] = mapped_column(Money, default=0)
    collected_minor: Mapped[int] = mapped_column(Money, default=0)
    outstanding_minor: Mapped[int] = mapped_column(Money, default=0)
    commissions_earned_minor: Mapped[int] = mapped_column(Money, default=0)
    commissions_pending_minor: Mapped[int] = mapped_column(Money, default=0)
    wallet_available_minor: Mapped[int] = mapped_column(Money, default=0)
    wallet_held_minor: Mapped[int] = mapped_column(Money, default=0)
    last_payment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
