"""Invoices: changed inside a unit of work, read as plain values for pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from portal.models import Agent, Commission, Invoice, Payment, Refund
from portal.models.billing import INVOICE_STATUSES, InvoiceStatus, PaymentStatus, still_due_minor
from portal.repositories.base import Repository
from portal.repositories.pages import Page, PageRequest, escape_like, paginate

# Built once and reused: no statement or cache key to rebuild on the hot path.
_WITH_AGENT = (
    sa.select(Invoice, Agent).join(Agent, Agent.id == Invoice.agent_id).where(Invoice.id == sa.bindparam("invoice"))
)


class InvoiceRepository(Repository[Invoice]):
    """Adds and finds invoices; never commits."""

    model = Invoice
    noun = "invoice"

    def with_agent(self, invoice_id: int) -> tuple[Invoice, Agent] | None:
        """The invoice and its agent, in one query."""
        row = self.session.execute(_WITH_AGENT, {"invoice": invoice_id}).first()
        return (row.Invoice, row.Agent) if row else None

    def next_number(self, agent: Agent) -> str:
        """``NORTHWIND-00042``: the agent's slug (unique) and its running invoice count.

        Two invoices drafted at once may compute the same number; the unique
        constraint refuses the second, and the command runner retries it.
        """
        count = self.session.scalar(sa.select(sa.func.count(Invoice.id)).where(Invoice.agent_id == agent.id)) or 0
        return f"{agent.slug.upper()}-{count + 1:05d}"


@dataclass(frozen=True)
class InvoiceRow:
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
        return InvoiceStatus(self.status).payable

    @property
    def issuable(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    @property
    def voidable(self) -> bool:
        return InvoiceStatus(self.status).voidable

    @property
    def still_due_minor(self) -> int:
        return still_due_minor(self.status, self.amount_minor, self.paid_minor)


@dataclass(frozen=True)
class InvoiceFilters:
    status: str = ""
    agent_id: int | None = None
    search: str = ""

    @classmethod
    def parse(cls, args) -> InvoiceFilters:
        status = args.get("status", "")
        agent = args.get("agent", "")
        return cls(
            status=status if status in INVOICE_STATUSES else "",
            agent_id=int(agent) if agent.isdigit() else None,
            search=args.get("q", "").strip()[:100],
        )

    def query_args(self, **changes) -> dict:
        values = {"status": self.status, "agent": self.agent_id or "", "q": self.search, **changes}
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class RefundRow:
    id: int
    payment_id: int
    amount_minor: int
    currency: str
    reason: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class InvoicePayment:
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
        return self.status != PaymentStatus.REFUNDED


@dataclass(frozen=True)
class InvoiceDetail:
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
        query = self._select()
        if filters.status:
            query = query.where(Invoice.status == filters.status)
        if filters.agent_id:
            query = query.where(Invoice.agent_id == filters.agent_id)
        if filters.search:
            pattern = "%" + escape_like(filters.search.lower()) + "%"
            query = query.where(
                sa.or_(
                    sa.func.lower(Invoice.number).like(pattern, escape="\\"),
                    sa.func.lower(Invoice.customer_name).like(pattern, escape="\\"),
                )
            )
        return paginate(self.session, query.order_by(Invoice.id.desc()), request, lambda row: InvoiceRow(**row))

    def detail(self, invoice_id: int) -> InvoiceDetail | None:
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
            .outerjoin(original, sa.and_(original.payment_id == Payment.id, original.kind == "commission"))
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
