"""Agents' wallets, their immutable ledger, and payout requests."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Money, UTCDateTime, currency_check, one_of, utcnow

LEDGER_KINDS = (
    "commission_credit",
    "clawback",
    "payout_hold",
    "payout_release",
    "payout_debit",
    "adjustment",
)
PAYOUT_STATUSES = ("requested", "approved", "paid", "rejected", "cancelled")


class Wallet(Base):
    """One per agent and currency. ``version`` detects concurrent writers.

    The balances are always the sums of the wallet's ledger entries.
    """

    __tablename__ = "wallet"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("agent_id", "currency"),
        sa.CheckConstraint("held_minor >= 0", name="held_not_negative"),
        currency_check(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agent.id"))
    currency: Mapped[str] = mapped_column(sa.String(3))
    available_minor: Mapped[int] = mapped_column(Money, default=0)
    held_minor: Mapped[int] = mapped_column(Money, default=0)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


class WalletTransaction(Base):
    """An immutable ledger entry: how one movement changed a wallet's balances."""

    __tablename__ = "wallet_transaction"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("idempotency_key"),
        sa.CheckConstraint(one_of("kind", LEDGER_KINDS), name="kind_known"),
        sa.CheckConstraint(
            "(kind = 'commission_credit' AND available_delta_minor > 0 AND held_delta_minor = 0)"
            " OR (kind = 'clawback' AND available_delta_minor < 0 AND held_delta_minor = 0)"
            " OR (kind = 'payout_hold' AND held_delta_minor > 0"
            "     AND available_delta_minor = -held_delta_minor)"
            " OR (kind = 'payout_release' AND held_delta_minor < 0"
            "     AND available_delta_minor = -held_delta_minor)"
            " OR (kind = 'payout_debit' AND held_delta_minor < 0 AND available_delta_minor = 0)"
            " OR (kind = 'adjustment' AND available_delta_minor <> 0 AND held_delta_minor = 0)",
            name="deltas_match_kind",
        ),
        sa.CheckConstraint("held_after_minor >= 0", name="held_after_not_negative"),
        currency_check(),
        sa.Index("ix_wallet_transaction_wallet_created_at", "wallet_id", "created_at"),
        sa.Index("ix_wallet_transaction_source", "source_type", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wallet_id: Mapped[int] = mapped_column(sa.ForeignKey("wallet.id"))
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agent.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    currency: Mapped[str] = mapped_column(sa.String(3))
    available_delta_minor: Mapped[int] = mapped_column(Money)
    held_delta_minor: Mapped[int] = mapped_column(Money)
    available_after_minor: Mapped[int] = mapped_column(Money)
    held_after_minor: Mapped[int] = mapped_column(Money)
    idempotency_key: Mapped[str] = mapped_column(sa.String(160))
    source_type: Mapped[str] = mapped_column(sa.String(32))
    source_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    actor: Mapped[str] = mapped_column(sa.String(120))
    correlation_id: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Payout(Base):
    """An agent's request to withdraw money; the amount is held until decided."""

    __tablename__ = "payout"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("idempotency_key"),
        sa.CheckConstraint(one_of("status", PAYOUT_STATUSES), name="status_known"),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
        sa.CheckConstraint(
            "status <> 'rejected' OR (rejection_reason IS NOT NULL AND length(rejection_reason) >= 1)",
            name="rejection_has_reason",
        ),
        currency_check(),
        sa.Index("ix_payout_status_requested_at", "status", "requested_at"),
        sa.Index("ix_payout_agent_requested_at", "agent_id", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agent.id"))
    wallet_id: Mapped[int] = mapped_column(sa.ForeignKey("wallet.id"))
    amount_minor: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[str] = mapped_column(sa.String(16), default="requested")
    idempotency_key: Mapped[str] = mapped_column(sa.String(120))
    requested_by: Mapped[str] = mapped_column(sa.String(120))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(sa.String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(500))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
