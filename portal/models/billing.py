"""Invoices issued for agents' customers, payments against them and refunds, with their rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain import errors
from portal.domain.money import format_money, is_known_currency, require_currency
from portal.models.base import (
    AgentThrough,
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
    def editable(self) -> bool:
        """Only a draft is edited: once issued, the customer has it as it was sent."""
        return self is InvoiceStatus.DRAFT

    def check_editable(self, number: str) -> None:
        """Refuse to edit invoice ``number`` unless it is a draft."""
        if not self.editable:
            raise errors.InvoiceStateConflict(
                f"Invoice {number} is {self.label}: only drafts can be edited, an issued invoice stays as sent."
            )

    @property
    def payable(self) -> bool:
        """Only an issued invoice, or one paid in part, takes payments (and so can fall overdue)."""
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


def currency_refusal(given: str, accepted: str, subject: str) -> str:
    """Why ``given`` is refused where only ``accepted`` is taken, saying what is: ``subject`` is "Invoice N is"."""
    unknown = f"{given} is not a currency code. " if not is_known_currency(given) else ""
    return f"{unknown}{subject} in {accepted} only: enter {accepted}."


def shown_to_agents(issued_at: datetime | None) -> bool:
    """An agent sees an invoice once it has been issued: a draft is the staff's work in progress, and a draft
    voided before it was issued was never the agent's business either."""
    return issued_at is not None


def days_overdue(status: str, due_date: date, today: date) -> int:
    """How many days an invoice still owed is past its due date; 0 when it is not overdue.

    Only an invoice that takes payments is overdue: a draft was never sent, a paid one is settled, a void one is
    owed by nobody. It is overdue from the day after its due date.
    """
    return max((today - due_date).days, 0) if InvoiceStatus(status).payable else 0


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
PAYABLE_STATUSES = tuple(status for status in InvoiceStatus if status.payable)


@dataclass(frozen=True)
class InvoiceTerms:
    """What an invoice says: who is billed, for what, how much and by when."""

    customer_name: str
    customer_email: str | None
    description: str
    amount_minor: int
    currency: str
    due_date: date


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
        # The overdue list, most overdue first: only invoices still owed, in due-date order.
        sa.Index(
            "ix_invoice_payable_due_date",
            "due_date",
            "id",
            postgresql_where=sa.text(one_of("status", PAYABLE_STATUSES)),
            sqlite_where=sa.text(one_of("status", PAYABLE_STATUSES)),
        ),
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

    @classmethod
    def overdue_on(cls, today: date) -> sa.ColumnElement[bool]:
        """SQL for ``days_overdue(…) > 0``: still owed and due before ``today``.

        The statuses are written into the statement, not bound, so that PostgreSQL sees the condition of
        ``ix_invoice_payable_due_date`` in it whatever plan it caches.
        """
        payable: list[sa.ColumnElement[str]] = [sa.literal_column(f"'{status.value}'") for status in PAYABLE_STATUSES]
        return sa.and_(cls.status.in_(payable), cls.due_date < today)

    @classmethod
    def shown_to_agents(cls) -> sa.ColumnElement[bool]:
        """SQL for ``shown_to_agents``: issued at some point."""
        return cls.issued_at.is_not(None)

    def revise(self, terms: InvoiceTerms, seen_version: int | None = None) -> None:
        """A draft says what ``terms`` say, in its own currency; an issued invoice is never edited.

        ``seen_version`` is the version the editor started from: a draft changed by someone else since is refused,
        so their change is not silently overwritten.
        """
        InvoiceStatus(self.status).check_editable(self.number)
        if seen_version is not None and seen_version != self.version:
            raise errors.InvoiceStateConflict(
                f"Someone else changed draft {self.number} since you opened it: reload it to see their changes."
            )
        if terms.currency != self.currency:
            refusal = currency_refusal(terms.currency, self.currency, f"Invoice {self.number} is")
            raise errors.CurrencyMismatch(refusal, "currency")
        self.customer_name = terms.customer_name
        self.customer_email = terms.customer_email
        self.description = terms.description
        self.amount_minor = terms.amount_minor
        self.due_date = terms.due_date

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
    __audit_agent__ = AgentThrough("payment_id", Payment)
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
