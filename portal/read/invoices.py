"""Invoices as lists and the invoice page show them, with their payments and refunds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, Invoice, Payment, Refund
from portal.models.base import utcnow
from portal.models.billing import (
    INVOICE_STATUSES,
    InvoiceStatus,
    PaymentStatus,
    days_overdue,
    shown_to_agents,
    still_due_minor,
)
from portal.read.commission_shares import CommissionOnPayment, with_commission_on_payment
from portal.read.pages import Key, Page, PageRequest, paginate
from portal.read.sql import contains

#: The list filter for invoices past their due date and still owed (not a status: an issued invoice becomes it).
OVERDUE = "overdue"
#: What an invoice list can be narrowed to: a status, or overdue.
INVOICE_LIST_FILTERS = (*INVOICE_STATUSES, OVERDUE)
#: The same in an agent's portal, which never shows drafts.
AGENT_INVOICE_FILTERS = tuple(choice for choice in INVOICE_LIST_FILTERS if choice != InvoiceStatus.DRAFT)


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
    #: days past its due date while still owed, as of the day it was read (0: not overdue)
    days_overdue: int

    @property
    def draft(self) -> bool:
        """Not issued yet: nothing is owed on it, and its agent does not see it."""
        return InvoiceStatus(self.status) is InvoiceStatus.DRAFT

    @property
    def editable(self) -> bool:
        """It can be edited: a draft (see ``InvoiceStatus.editable``)."""
        return InvoiceStatus(self.status).editable

    @property
    def shown_to_agents(self) -> bool:
        """Its agent may see it: it was issued (see ``portal.models.billing.shown_to_agents``)."""
        return shown_to_agents(self.issued_at)

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
    """What an invoice list is narrowed to; empty values narrow nothing.

    ``status`` is one of ``INVOICE_LIST_FILTERS``: a status, or ``overdue`` (listed most overdue first).
    ``issued_only`` leaves out what was never issued (drafts), as every list an agent sees does.
    """

    status: str = ""
    agent_id: int | None = None
    search: str = ""
    issued_only: bool = False

    @property
    def overdue(self) -> bool:
        """Only invoices past their due date and still owed."""
        return self.status == OVERDUE


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
class InvoicePayment(CommissionOnPayment):
    """A payment on the invoice, with the agent's commission on it and what refunds clawed back of it."""

    id: int
    amount_minor: int
    refunded_minor: int
    currency: str
    method: str
    instrument_last4: str | None
    external_reference: str | None
    status: str
    received_at: datetime

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
    #: what an edit of the draft starts from: a change by someone else since is refused, not overwritten
    version: int
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

    def page(self, request: PageRequest, filters: InvoiceFilters, today: date | None = None) -> Page[InvoiceRow]:
        """Newest first; overdue ones most overdue first (from their own index). Overdue as of ``today``
        (by default today in UTC, the calendar the figures are kept in)."""
        as_of = today or utcnow().date()
        conditions = []
        order = [Key(Invoice.id, descending=True)]
        if filters.overdue:
            conditions.append(Invoice.overdue_on(as_of))
            order = [Key(Invoice.due_date), Key(Invoice.id)]
        elif filters.status:
            conditions.append(Invoice.status == filters.status)
        if filters.issued_only:
            conditions.append(Invoice.shown_to_agents())
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
        return paginate(
            self.session, self._select().where(*conditions), order, request, lambda row: _row(row, as_of), count
        )

    def detail(self, invoice_id: int, today: date | None = None) -> InvoiceDetail | None:
        """The invoice with its payments (and the commission and clawbacks of each) and refunds: three queries."""
        as_of = today or utcnow().date()
        row = (
            self.session.execute(
                self._select()
                .add_columns(Invoice.customer_email, Invoice.description, Invoice.voided_at, Invoice.version)
                .where(Invoice.id == invoice_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        values = dict(row)
        extra = {name: values.pop(name) for name in ("customer_email", "description", "voided_at", "version")}
        payments = self.session.execute(
            with_commission_on_payment(
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
                ),
                Payment.id,
            )
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
            invoice=_row(values, as_of),
            payments=[InvoicePayment(**p) for p in payments],
            refunds=[RefundRow(**r) for r in refunds],
            **extra,
        )


def _row(values, today: date) -> InvoiceRow:
    return InvoiceRow(**values, days_overdue=days_overdue(values["status"], values["due_date"], today))
