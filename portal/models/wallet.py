"""Agents' wallets, their immutable ledger, and payout requests, with their rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain import errors
from portal.domain.money import format_money
from portal.models.base import Base, Money, UTCDateTime, currency_check, one_of, utcnow
from portal.models.ledger_rules import LEDGER_RULES, LedgerKind, deltas_match_kind_sql


class PayoutStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value

    @property
    def decidable(self) -> bool:
        """Staff approve or reject a payout, and its agent cancels it, only while it is requested."""
        return self is PayoutStatus.REQUESTED

    @property
    def awaiting_transfer(self) -> bool:
        """Approved and debited: the bank transfer is still to be marked paid."""
        return self is PayoutStatus.APPROVED


class PayoutDecision(StrEnum):
    """What staff (approve, reject) or the agent (cancel) decide about a requested payout."""

    APPROVE = "approved"
    REJECT = "rejected"
    CANCEL = "cancelled"


class LedgerSource(StrEnum):
    """What caused a ledger entry; ``source_id`` is that row's id."""

    COMMISSION = "commission"
    PAYOUT = "payout"
    ADJUSTMENT = "adjustment"


LEDGER_KINDS = tuple(LedgerKind)
PAYOUT_STATUSES = tuple(PayoutStatus)


@dataclass(frozen=True)
class Movement:
    """One change to a wallet's balances and what caused it; the ledger entry is made from it.

    The named constructors give each kind its deltas and its key, and the
    ledger-kind rules are checked here as the database checks them.
    """

    kind: LedgerKind
    available_delta_minor: int
    held_delta_minor: int
    idempotency_key: str
    source_type: LedgerSource
    source_id: int | None
    reason: str | None = None

    def __post_init__(self) -> None:
        if not LEDGER_RULES[self.kind].allows(self.available_delta_minor, self.held_delta_minor):
            raise ValueError(
                f"a {self.kind} cannot move {self.available_delta_minor} available and {self.held_delta_minor} held"
            )

    @classmethod
    def credit(cls, commission_id: int, amount_minor: int) -> Movement:
        return cls(LedgerKind.COMMISSION_CREDIT, amount_minor, 0, f"commission-credit:{commission_id}",
                   LedgerSource.COMMISSION, commission_id)  # fmt: skip

    @classmethod
    def clawback(cls, commission_id: int, amount_minor: int) -> Movement:
        return cls(LedgerKind.CLAWBACK, amount_minor, 0, f"clawback:{commission_id}", LedgerSource.COMMISSION,
                   commission_id)  # fmt: skip

    @classmethod
    def hold(cls, payout: Payout) -> Movement:
        amount = payout.amount_minor
        return cls(LedgerKind.PAYOUT_HOLD, -amount, amount, f"payout-hold:{payout.id}", LedgerSource.PAYOUT, payout.id)

    @classmethod
    def release(cls, payout: Payout) -> Movement:
        amount = payout.amount_minor
        return cls(LedgerKind.PAYOUT_RELEASE, amount, -amount, f"payout-release:{payout.id}", LedgerSource.PAYOUT,
                   payout.id)  # fmt: skip

    @classmethod
    def debit(cls, payout: Payout) -> Movement:
        return cls(LedgerKind.PAYOUT_DEBIT, 0, -payout.amount_minor, f"payout-debit:{payout.id}", LedgerSource.PAYOUT,
                   payout.id)  # fmt: skip

    @classmethod
    def adjustment(cls, amount_minor: int, key: str, reason: str) -> Movement:
        return cls(LedgerKind.ADJUSTMENT, amount_minor, 0, f"adjustment:{key}", LedgerSource.ADJUSTMENT, None,
                   reason)  # fmt: skip


@dataclass(frozen=True)
class Stamp:
    """Who made a ledger entry, in which request, when."""

    actor: str
    correlation_id: str
    at: datetime


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

    def move(self, movement: Movement, stamp: Stamp) -> WalletTransaction:
        """Change the balances and return the ledger entry that explains it (to be added)."""
        self.available_minor += movement.available_delta_minor
        self.held_minor += movement.held_delta_minor
        return WalletTransaction(
            wallet_id=self.id, agent_id=self.agent_id, kind=movement.kind, currency=self.currency,
            available_delta_minor=movement.available_delta_minor, held_delta_minor=movement.held_delta_minor,
            available_after_minor=self.available_minor, held_after_minor=self.held_minor,
            idempotency_key=movement.idempotency_key, source_type=movement.source_type, source_id=movement.source_id,
            reason=movement.reason, actor=stamp.actor, correlation_id=stamp.correlation_id, created_at=stamp.at,
        )  # fmt: skip

    def check_payout(self, amount_minor: int, minimum_minor: int) -> None:
        """A payout may take the available balance down to zero, never below, and not under the minimum."""
        available_minor, currency = self.available_minor, self.currency
        if available_minor < minimum_minor:
            raise errors.BelowMinimumPayout(
                f"The available balance of {format_money(available_minor, currency)} is below the minimum payout "
                f"of {format_money(minimum_minor, currency)}."
            )
        if amount_minor < minimum_minor:
            raise errors.BelowMinimumPayout(f"The minimum payout is {format_money(minimum_minor, currency)}.")
        if amount_minor > available_minor:
            raise errors.InsufficientFunds(
                f"You can pay out at most {format_money(available_minor, currency)}; "
                f"{format_money(amount_minor, currency)} was asked."
            )


class WalletTransaction(Base):
    """An immutable ledger entry: how one movement changed a wallet's balances."""

    __tablename__ = "wallet_transaction"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("idempotency_key"),
        sa.CheckConstraint(one_of("kind", LEDGER_KINDS), name="kind_known"),
        sa.CheckConstraint(deltas_match_kind_sql(), name="deltas_match_kind"),
        sa.CheckConstraint("held_after_minor >= 0", name="held_after_not_negative"),
        currency_check(),
        sa.Index("ix_wallet_transaction_wallet_created_at", "wallet_id", "created_at"),
        sa.Index("ix_wallet_transaction_source", "source_type", "source_id"),
        sa.Index("ix_wallet_transaction_agent_id_id", "agent_id", "id"),
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
        sa.Index("ix_payout_status_id", "status", "id"),
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

    def check_pending(self, decision: PayoutDecision) -> None:
        """Only a requested payout can be decided or cancelled."""
        if not PayoutStatus(self.status).decidable:
            verb = "cancelled" if decision == PayoutDecision.CANCEL else "decided"
            raise errors.PayoutNotPending(f"Payout #{self.id} is {self.status}: only requested payouts can be {verb}.")

    def decide(self, decision: PayoutDecision, actor: str, now: datetime, reason: str | None = None) -> Movement:
        """Approve, reject or cancel a requested payout; returns how the wallet moves for it."""
        self.check_pending(decision)
        if decision == PayoutDecision.REJECT and not reason:
            raise errors.ReasonRequired("Tell the agent why the payout is rejected.")
        self.status = PayoutStatus(decision.value)
        self.decided_by = actor
        self.decided_at = now
        if decision == PayoutDecision.REJECT:
            self.rejection_reason = reason
        return Movement.debit(self) if decision == PayoutDecision.APPROVE else Movement.release(self)

    def mark_paid(self, now: datetime) -> None:
        """The bank transfer of an approved payout went out."""
        if not PayoutStatus(self.status).awaiting_transfer:
            raise errors.PayoutNotPending(
                f"Payout #{self.id} is {self.status}: only approved payouts can be marked paid."
            )
        self.status = PayoutStatus.PAID
        self.paid_at = now
