"""What each money command answers; stored with its idempotency key and replayed as is."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Self


@dataclass(frozen=True)
class CommandResult:
    #: True when this answer is a replay of an earlier request with the same key.
    replayed: bool

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document.pop("replayed")
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any], replayed: bool = True) -> Self:
        return cls(replayed=replayed, **document)


@dataclass(frozen=True)
class PaymentRecorded(CommandResult):
    payment_id: int
    invoice_id: int
    invoice_status: str
    commission_id: int
    commission_minor: int


@dataclass(frozen=True)
class PaymentRefunded(CommandResult):
    refund_id: int
    payment_id: int
    payment_status: str
    invoice_status: str
    clawback_id: int | None
    clawback_minor: int


@dataclass(frozen=True)
class CommissionApproved(CommandResult):
    commission_id: int
    credited_minor: int
    wallet_available_minor: int


@dataclass(frozen=True)
class PayoutRequested(CommandResult):
    payout_id: int
    amount_minor: int
    wallet_available_minor: int
    wallet_held_minor: int


@dataclass(frozen=True)
class PayoutDecided(CommandResult):
    payout_id: int
    status: str
    wallet_available_minor: int
    wallet_held_minor: int


@dataclass(frozen=True)
class WalletAdjusted(CommandResult):
    wallet_id: int
    entry_id: int
    wallet_available_minor: int
