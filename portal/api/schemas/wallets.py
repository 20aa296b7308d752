"""Wallets: the balance, the ledger of every movement, adjustments, and payouts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from portal.api.schemas.common import Currency, Money, MoneyIn, PageOf, PageQuery, QueryId, Reason, Strict, Whole
from portal.commands.base import MAX_AMOUNT_MINOR
from portal.read.ledger import LedgerEntry, WalletBalance
from portal.read.payouts import PayoutRow

Kind = Literal["commission_credit", "clawback", "payout_hold", "payout_release", "payout_debit", "adjustment"]
PayoutStatus = Literal["requested", "approved", "paid", "rejected", "cancelled"]


class Wallet(BaseModel):
    agent_id: int
    available: Money
    held: Money

    @classmethod
    def of(cls, agent_id: int, balance: WalletBalance) -> Wallet:
        return cls(agent_id=agent_id, available=Money.of(balance.available_minor, balance.currency),
                   held=Money.of(balance.held_minor, balance.currency))  # fmt: skip


class Entry(BaseModel):
    """One movement: what changed, and the balances after it."""

    id: int
    kind: Kind
    available_delta: Money
    held_delta: Money
    available_after: Money
    held_after: Money
    source_type: str
    source_id: int | None
    reason: str | None
    actor: str
    created_at: datetime

    @classmethod
    def of(cls, row: LedgerEntry) -> Entry:
        money = {name: Money.of(getattr(row, f"{name}_minor"), row.currency)
                 for name in ("available_delta", "held_delta", "available_after", "held_after")}  # fmt: skip
        return cls.model_validate({
            "id": row.id, "kind": row.kind, "source_type": row.source_type, "source_id": row.source_id,
            "reason": row.reason, "actor": row.actor, "created_at": row.created_at, **money,
        })  # fmt: skip


class EntryPage(PageOf[Entry]):
    pass


class LedgerQuery(PageQuery):
    kind: Kind | None = None


class SignedMoneyIn(Strict):
    """An amount either way: negative debits the available balance."""

    amount_minor: Annotated[int, Field(ge=-MAX_AMOUNT_MINOR, le=MAX_AMOUNT_MINOR), Whole]
    currency: Currency


class NewAdjustment(Strict):
    amount: SignedMoneyIn
    reason: Reason
    confirm_negative: bool = Field(False, description="true: the available balance may go below zero")
    confirm_repeat: bool = False


class Adjustment(BaseModel):
    entry_id: int
    amount: Money
    wallet: Wallet


class Payout(BaseModel):
    id: int
    agent_id: int
    agent_name: str
    amount: Money
    status: PayoutStatus
    requested_at: datetime
    requested_by: str
    decided_at: datetime | None
    decided_by: str | None
    rejection_reason: str | None
    paid_at: datetime | None

    @classmethod
    def of(cls, row: PayoutRow) -> Payout:
        return cls.model_validate({
            "id": row.id, "agent_id": row.agent_id, "agent_name": row.agent_name,
            "amount": Money.of(row.amount_minor, row.currency), "status": row.status,
            "requested_at": row.requested_at, "requested_by": row.requested_by, "decided_at": row.decided_at,
            "decided_by": row.decided_by, "rejection_reason": row.rejection_reason, "paid_at": row.paid_at,
        })  # fmt: skip


class PayoutPage(PageOf[Payout]):
    pass


class PayoutQuery(PageQuery):
    status: PayoutStatus | None = None
    agent_id: QueryId | None = None


class NewPayout(Strict):
    amount: MoneyIn
    confirm_repeat: bool = False


class Rejection(Strict):
    reason: Reason
