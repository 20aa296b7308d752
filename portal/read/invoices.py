"""Invoices as lists and the invoice page show them, with their payments and refunds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from portal.models import Agent, Commission, Invoice, Payment, Refund
from portal.models.billing import InvoiceStatus, PaymentStatus, still_due_minor
from portal.models.commission import CommissionKind
from portal.read.pages import Key, Page, PageRequest, paginate
from portal.read.sql import contains


@dataclass(frozen=True)
class InvoiceRow:
    """An invoice, its agent and what has been paid on it."""

    id: int
    number: str
    agent_id: int
    agent_name: str
    customer_name: str
    amount_minor: int
    paid_minor: int
    currency: str
    due_date: date
    status: str
    issued_at: datetime | None

    @property
    def payable(self) -> bool:
        """It takes payments (see ``InvoiceStatus.payable``)."""
        return InvoiceStatus(self.status).payable

    @property
    def issuable(self) -> bool:
        """It can be issued: a draft."""
        return InvoiceStatus(self.status).issuable

    @property
    def voidable(self) -> bool:
        """It can be voided: nobody has paid it."""
        return InvoiceStatus(self.status).voidable

    @property
    def still_due_minor(self) -> int:
        """What the customer still owes."""
        return still_due_minor(self.status, self.amount_minor, self.paid_minor)


@dataclass(frozen=True)
class InvoiceFilters:
    """What an invoice list is narrowed to; empty values narrow nothing. ``status`` is one of ``INVOICE_STATUSES``."""

    status: str = ""
    agent_id: int | None = None
    search: str = ""


@dataclass(frozen=True)
class RefundRow:
    """A refund on one of the invoice's payments."""

    id: int
    payment_id: int
    amount_minor: int
    currency: str
    reason: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class InvoicePayment:
    """A payment on the invoice, with the agent's commission on it."""

    id: int
    amount_minor: int
    refunded_minor: int
    currency: str
    method: str
    instrument_last4: str | None
    external_reference: str | None
    status: str
    received_at: datetime
    commission_minor: int | None
    commission_status: str | None

    @property
    def refundable(self) -> bool:
        """Something of it is left to refund."""
        return PaymentStatus(self.status).refundable


@dataclass(frozen=True)
class InvoiceDetail:
    """Everything the invoice page shows."""

    invoice: InvoiceRow
    customer_email: str | None
    description: str
    voided_at: datetime | None
    payments: list[InvoicePayment]
    refunds: list[RefundRow]


class InvoiceReadRepository:
    """Invoices for lists and the invoice page."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _select(self):
        return sa.select(
            Invoice.id,
            Invoice.number,
            Invoice.agent_id,
            Agent.name.label("agent_name"),
            Invoice.customer_name,
            Invoice.amount_minor,
            Invoice.paid_minor,
            Invoice.currency,
            Invoice.due_date,
            Invoice.status,
            Invoice.issued_at,
        ).join(Agent, Agent.id == Invoice.agent_id)

    def page(self, request: PageRequest, filters: InvoiceFilters) -> Page[InvoiceRow]:
        """Newest first."""
        conditions = []
        if filters.status:
            conditions.append(Invoice.status == filters.status)
        if filters.agent_id is not None:
            conditions.append(Invoice.agent_id == filters.agent_id)
        if filters.search:
            search = filters.search.lower()
            conditions.append(
                sa.or_(
                    contains(sa.func.lower(Invoice.number), search),
                    contains(sa.func.lower(Invoice.customer_name), search),
                )
            )
        # Counted on the invoices alone: the join to their agent adds no rows.
        count = sa.select(Invoice.id).where(*conditions)
        newest_first = [Key(Invoice.id, descending=True)]
        return paginate(
            self.session, self._select().where(*conditions), newest_first, request, lambda row: InvoiceRow(**row), count
        )

    def detail(self, invoice_id: int) -> InvoiceDetail | None:
        """The invoice with its payments and refunds: three queries."""
        row = (
            self.session.execute(
                self._select()
                .add_columns(Invoice.customer_email, Invoice.description, Invoice.voided_at)
                .where(Invoice.id == invoice_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        values = dict(row)
        extra = {name: values.pop(name) for name in ("customer_email", "description", "voided_at")}
        original = aliased(Commission)
        payments = self.session.execute(
            sa.select(
                Payment.id,
                Payment.amount_minor,
                Payment.refunded_minor,
                Payment.currency,
                Payment.method,
                Payment.instrument_last4,
                Payment.external_reference,
                Payment.status,
                Payment.received_at,
                original.amount_minor.label("commission_minor"),
                original.status.label("commission_status"),
            )
            .outerjoin(original, sa.and_(original.payment_id == Payment.id, original.kind == CommissionKind.COMMISSION))
            .where(Payment.invoice_id == invoice_id)
            .order_by(Payment.received_at, Payment.id)
        ).mappings()
        refunds = self.session.execute(
            sa.select(
                Refund.id,
                Refund.payment_id,
                Refund.amount_minor,
                Refund.currency,
                Refund.reason,
                Refund.created_at,
                Refund.created_by,
            )
            .join(Payment, Payment.id == Refund.payment_id)
            .where(Payment.invoice_id == invoice_id)
            .order_by(Refund.created_at, Refund.id)
        ).mappings()
        return InvoiceDetail(
            invoice=InvoiceRow(**values),
            payments=[InvoicePayment(**p) for p in payments],
            refunds=[RefundRow(**r) for r in refunds],
            **extra,
        )
