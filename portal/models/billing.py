"""Invoices issued for agents' customers, payments against them and refunds."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import (
    Base,
    Money,
    TimestampMixin,
    UTCDateTime,
    currency_check,
    one_of,
    utcnow,
)

INVOICE_STATUSES = ("draft", "issued", "partially_paid", "paid", "void")
PAYMENT_STATUSES = ("succeeded", "partially_refunded", "refunded")
PAYMENT_METHODS = ("card", "bank_transfer", "cash", "other")


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
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agent.id"))
    number: Mapped[str] = mapped_column(sa.String(40))
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


class Refund(Base):
    """Money given back on a payment; several partial refunds may follow one payment."""

    __tablename__ = "refund"
    __audited__ = True
    __table_args__ = (
        sa.UniqueConstraint("idempotency_key"),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
        sa.CheckConstraint("length(reason) >= 1", name="reason_given"),
        currency_check(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payment.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3))
    reason: Mapped[str] = mapped_column(sa.String(500))
    idempotency_key: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(sa.String(120))
