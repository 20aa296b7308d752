"""What each money command answers; stored with its idempotency key and replayed as is.

Each result carries what its confirmation repeats to the person (the amount,
the currency, the invoice), so a replay confirms exactly what was done.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.commands.base import CommandResult


@dataclass(frozen=True)
class PaymentRecorded(CommandResult):
    payment_id: int
    invoice_id: int
    invoice_number: str
    invoice_status: str
    amount_minor: int
    currency: str
    commission_id: int
    commission_minor: int


@dataclass(frozen=True)
class PaymentRefunded(CommandResult):
    refund_id: int
    payment_id: int
    invoice_number: str
    amount_minor: int
    currency: str
    payment_status: str
    invoice_status: str
    clawback_id: int | None
    clawback_minor: int


@dataclass(frozen=True)
class CommissionApproved(CommandResult):
    commission_id: int
    credited_minor: int
    currency: str
    wallet_available_minor: int


@dataclass(frozen=True)
class PayoutRequested(CommandResult):
    payout_id: int
    amount_minor: int
    currency: str
    wallet_available_minor: int
    wallet_held_minor: int


@dataclass(frozen=True)
class PayoutDecided(CommandResult):
    payout_id: int
    status: str
    amount_minor: int
    currency: str
    wallet_available_minor: int
    wallet_held_minor: int


@dataclass(frozen=True)
class WalletAdjusted(CommandResult):
    wallet_id: int
    entry_id: int
    amount_minor: int
    currency: str
    wallet_available_minor: int


@dataclass(frozen=True)
class MaturityReport:
    due: int
    approved: int
    skipped: list[tuple[int, str]]
