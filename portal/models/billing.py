"""Invoices issued for agents' customers, payments against them and refunds, with their rules."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain import errors
from portal.domain.money import format_money, require_currency
from portal.models.base import (
    Base,
    Money,
    TimestampMixin,
    UTCDateTime,
    currency_check,
    one_of,
    utcnow,
)


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"

    @property
    def issuable(self) -> bool:
        """Only a draft is issued."""
        return self is InvoiceStatus.DRAFT

    @property
    def payable(self) -> bool:
        """Only an issued invoice, or one paid in part, takes payments."""
        return self in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)

    @property
    def billed(self) -> bool:
        """Counted in what the agent invoiced: issued, whether paid or not."""
        return self in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)

    @property
    def voidable(self) -> bool:
        """Nobody has paid it (a paid one is refunded first)."""
        return self in (InvoiceStatus.DRAFT, InvoiceStatus.ISSUED)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @classmethod
    def after_payments(cls, paid_minor: int, amount_minor: int) -> InvoiceStatus:
        """What an issued invoice is once ``paid_minor`` of ``amount_minor`` is paid, net of refunds."""
        if paid_minor == 0:
            return cls.ISSUED
        return cls.PAID if paid_minor == amount_minor else cls.PARTIALLY_PAID


def still_due_minor(status: str, amount_minor: int, paid_minor: int) -> int:
    """What the customer still owes: nothing on a draft or a void invoice."""
    return amount_minor - paid_minor if InvoiceStatus(status).payable else 0


class PaymentStatus(StrEnum):
    SUCCEEDED = "succeeded"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"

    @property
    def refundable(self) -> bool:
        """Something of the payment is left to refund."""
        return self is not PaymentStatus.REFUNDED

    @classmethod
    def after_refunds(cls, refunded_minor: int, amount_minor: int) -> PaymentStatus:
        if refunded_minor == 0:
            return cls.SUCCEEDED
        return cls.REFUNDED if refunded_minor == amount_minor else cls.PARTIALLY_REFUNDED


class PaymentMethod(StrEnum):
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    CASH = "cash"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


INVOICE_STATUSES = tuple(InvoiceStatus)
PAYMENT_STATUSES = tuple(PaymentStatus)
PAYMENT_METHODS = tuple(PaymentMethod)


class Invoice(TimestampMixin, Base):
    """An invoice for one of an agent's customers.

    ``paid_minor`` is the sum of its payments net of refunds, kept in the same
    transaction as the payments; the database refuses it above the amount.
    """

    __tablename__ = "invoice"
    __audited__ = True
    __audit_masked__ = {"customer_email": "email"}
    __table_args__ = (
        sa.UniqueConstraint("number"),
        sa.CheckConstraint(one_of("status", INVOICE_STATUSES), name="status_known"),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
        sa.CheckConstraint("paid_minor >= 0 AND paid_minor <= amount_minor", name="paid_within_amount"),
        sa.CheckConstraint(
            "(status IN ('draft', 'issued', 'void') AND paid_minor = 0)"
            " OR (status = 'partially_paid' AND paid_minor > 0 AND paid_minor < amount_minor)"
            " OR (status = 'paid' AND paid_minor = amount_minor)",
            name="status_matches_paid",
        ),
        currency_check(),
        sa.Index("ix_invoice_agent_status", "agent_id", "status"),
        sa.Index("ix_invoice_status_due_date", "status", "due_date"),
        sa.Index("ix_invoice_status_id", "status", "id"),
        sa.Index("ix_invoice_agent_id_id", "agent_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agent.id"))
    #: ``SLUG-00042``: a slug of up to 64 characters, a dash and the running count.
    number: Mapped[str] = mapped_column(sa.String(80))
    customer_name: Mapped[str] = mapped_column(sa.String(200))
    customer_email: Mapped[str | None] = mapped_column(sa.String(254))
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    amount_minor: Mapped[int] = mapped_column(Money)
    paid_minor: Mapped[int] = mapped_column(Money, default=0)
    currency: Mapped[str] = mapped_column(sa.String(3))
    due_date: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    @property
    def still_due_minor(self) -> int:
        return still_due_minor(self.status, self.amount_minor, self.paid_minor)

    def issue(self, now: datetime) -> None:
        """Send a draft to the customer: from now on it is owed and can be paid."""
        if not InvoiceStatus(self.status).issuable:
            raise errors.InvoiceStateConflict(
                f"Invoice {self.number} is {InvoiceStatus(self.status).label}: only drafts can be issued."
            )
        self.status = InvoiceStatus.ISSUED
        self.issued_at = now

    def void(self, now: datetime) -> bool:
        """Cancel an invoice nobody has paid; returns whether it had been issued (and so counted)."""
        status = InvoiceStatus(self.status)
        if not status.voidable:
            raise errors.InvoiceStateConflict(
                f"Invoice {self.number} is {status.label}: refund its payments before voiding it."
            )
        self.status = InvoiceStatus.VOID
        self.voided_at = now
        return status == InvoiceStatus.ISSUED

    def take_payment(self, amount_minor: int, currency: str) -> None:
        """Money received: never on an invoice that is not payable, never above what is still due."""
        status = InvoiceStatus(self.status)
        if not status.payable:
            raise errors.InvoiceNotPayable(
                f"Invoice {self.number} is {status.label}: only issued or partially paid invoices take payments."
            )
        require_currency(currency, self.currency, f"Invoice {self.number}")
        due = self.still_due_minor
        if amount_minor > due:
            raise errors.AmountNotValid(
                f"The payment of {format_money(amount_minor, currency)} is more than the "
                f"{format_money(due, currency)} still due on invoice {self.number}."
            )
        self.paid_minor += amount_minor
        self.status = InvoiceStatus.after_payments(self.paid_minor, self.amount_minor)

    def take_refund(self, amount_minor: int) -> None:
        """Money given back on one of its payments: the invoice is owed that much again."""
        if not 0 < amount_minor <= self.paid_minor:
            raise errors.RefundExceedsPayment(
                f"Invoice {self.number} has {format_money(self.paid_minor, self.currency)} paid; "
                f"{format_money(amount_minor, self.currency)} cannot be refunded on it."
            )
        self.paid_minor -= amount_minor
        self.status = InvoiceStatus.after_payments(self.paid_minor, self.amount_minor)


class Payment(Base):
    """Money received against one invoice; the instrument is stored masked."""

    __tablename__ = "payment"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("idempotency_key"),
        sa.CheckConstraint(one_of("status", PAYMENT_STATUSES), name="status_known"),
        sa.CheckConstraint(one_of("method", PAYMENT_METHODS), name="method_known"),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
        sa.CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= amount_minor",
            name="refunded_within_amount",
        ),
        sa.CheckConstraint(
            "instrument_last4 IS NULL OR length(instrument_last4) = 4",
            name="instrument_is_last4",
        ),
        currency_check(),
        sa.Index("ix_payment_agent_received_at", "agent_id", "received_at"),
        # The overview's collections in a date range, in total and per day, from the index alone.
        sa.Index("ix_payment_received_at_totals", "received_at", postgresql_include=["currency", "amount_minor"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoice.id"), index=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agent.id"))
    amount_minor: Mapped[int] = mapped_column(Money)
    refunded_minor: Mapped[int] = mapped_column(Money, default=0)
    currency: Mapped[str] = mapped_column(sa.String(3))
    method: Mapped[str] = mapped_column(sa.String(16))
    instrument_last4: Mapped[str | None] = mapped_column(sa.String(4))
    external_reference: Mapped[str | None] = mapped_column(sa.String(120))
    idempotency_key: Mapped[str] = mapped_column(sa.String(120))
    status: Mapped[str] = mapped_column(sa.String(24), default="succeeded")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(sa.String(120))
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    @property
    def refundable_minor(self) -> int:
        return self.amount_minor - self.refunded_minor

    def refund(self, amount_minor: int, currency: str) -> None:
        """Give back part or all of what is left of the payment."""
        if not PaymentStatus(self.status).refundable:
            raise errors.PaymentNotRefundable(f"Payment #{self.id} has already been refunded in full.")
        require_currency(currency, self.currency, f"Payment #{self.id}")
        left = self.refundable_minor
        if amount_minor > left:
            raise errors.RefundExceedsPayment(
                f"The refund of {format_money(amount_minor, currency)} is more than the "
                f"{format_money(left, currency)} left to refund on payment #{self.id}."
            )
        self.refunded_minor += amount_minor
        self.status = PaymentStatus.after_refunds(self.refunded_minor, self.amount_minor)


class Refund(Base):
    """Money given back on a payment; several partial refunds may follow one payment."""

    __tablename__ = "refund"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("idempotency_key"),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
        sa.CheckConstraint("length(reason) >= 1", name="reason_given"),
        currency_check(),
        # The overview's refunds in a date range, from the index alone.
        sa.Index("ix_refund_created_at", "created_at", postgresql_include=["currency", "amount_minor"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payment.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3))
    reason: Mapped[str] = mapped_column(sa.String(500))
    idempotency_key: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(sa.String(120))
