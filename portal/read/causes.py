"""What caused a ledger entry, as people know it, read in the query that reads the entries: no query per entry.

A commission credited or clawed back names the invoice it was earned on (its number and customer) and how it was
worked out (the agent's rate of what was paid, or of what was refunded and why); a payout names its amount, its
dates and its status now. An adjustment has no row of its own: its reason is on the entry. Every join is to one
row by its primary key, outer (an adjustment joins nothing), so it adds no rows: a page counts its entries alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from portal.models import Commission, Invoice, Payment, Payout, Refund, WalletTransaction
from portal.models.wallet import LedgerSource, PayoutStatus


@dataclass(frozen=True)
class InvoiceRef:
    """The invoice a commission or clawback was earned on, as the agent knows it."""

    id: int
    number: str
    customer_name: str


@dataclass(frozen=True)
class CommissionShare:
    """How a commission or clawback was worked out: the agent's rate of a payment, or of a refund (and why)."""

    rate_bps: int
    base_amount_minor: int
    #: why the customer was refunded; None for a commission on a payment
    refund_reason: str | None = None

    @property
    def basis(self) -> str:
        """What the rate was applied to: the money ``paid``, or the money ``refunded``."""
        return "paid" if self.refund_reason is None else "refunded"


@dataclass(frozen=True)
class PayoutRef:
    """The payout behind an entry (a wallet line stands for one), as it is now."""

    id: int
    amount_minor: int
    status: PayoutStatus
    requested_at: datetime
    decided_at: datetime | None
    paid_at: datetime | None
    rejection_reason: str | None

    @property
    def settled_at(self) -> datetime | None:
        """When it last moved on: paid, or else decided (approved, rejected, cancelled); None while requested."""
        return self.paid_at or self.decided_at


@dataclass(frozen=True)
class Cause:
    """What caused an entry: the invoice and share of a commission or clawback, or the payout; nothing else."""

    invoice: InvoiceRef | None = None
    share: CommissionShare | None = None
    payout: PayoutRef | None = None

    @property
    def invoice_title(self) -> str | None:
        """A commission or a refund by its invoice: ``Refund on INV-0042 · Acme Ltd``; None for anything else."""
        if self.invoice is None or self.share is None:
            return None
        name = "Commission" if self.share.refund_reason is None else "Refund"
        return f"{name} on {self.invoice.number} · {self.invoice.customer_name}"


#: what names a cause, labelled for :func:`cause_of`
_CAUSE_COLUMNS = (
    Invoice.id.label("invoice_id"), Invoice.number.label("invoice_number"), Invoice.customer_name,
    Commission.rate_bps, Commission.base_amount_minor, Refund.reason.label("refund_reason"),
    Payout.id.label("payout_id"), Payout.amount_minor.label("payout_minor"), Payout.status.label("payout_status"),
    Payout.requested_at, Payout.decided_at, Payout.paid_at, Payout.rejection_reason,
)  # fmt: skip


def with_causes(entries: sa.Select) -> sa.Select:
    """``entries`` (a select of ``WalletTransaction`` columns) with the columns :func:`cause_of` reads."""
    entry = WalletTransaction
    return (
        entries.add_columns(*_CAUSE_COLUMNS)
        .outerjoin(Commission, sa.and_(entry.source_type == LedgerSource.COMMISSION, Commission.id == entry.source_id))
        .outerjoin(Payment, Payment.id == Commission.payment_id)
        .outerjoin(Invoice, Invoice.id == Payment.invoice_id)
        .outerjoin(Refund, Refund.id == Commission.refund_id)
        .outerjoin(Payout, sa.and_(entry.source_type == LedgerSource.PAYOUT, Payout.id == entry.source_id))
    )


def cause_of(row: Mapping[str, Any]) -> Cause:
    """The cause named by a row of a select made :func:`with_causes`."""
    invoice = share = payout = None
    if row["invoice_id"] is not None:
        invoice = InvoiceRef(row["invoice_id"], row["invoice_number"], row["customer_name"])
        share = CommissionShare(row["rate_bps"], row["base_amount_minor"], row["refund_reason"])
    if row["payout_id"] is not None:
        payout = PayoutRef(
            row["payout_id"], row["payout_minor"], PayoutStatus(row["payout_status"]), row["requested_at"],
            row["decided_at"], row["paid_at"], row["rejection_reason"],
        )  # fmt: skip
    return Cause(invoice, share, payout)
