"""Payments: read as plain values for pages, written through the unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Invoice, Payment, Refund
from portal.persistence.audit_events import column_values, insert_audited
from portal.repositories.base import Repository
from portal.repositories.pages import Page, PageRequest


@dataclass(frozen=True)
class PaymentRow:
    id: int
    invoice_id: int
    invoice_number: str
    amount_minor: int
    refunded_minor: int
    currency: str
    method: str
    instrument_last4: str | None
    status: str
    received_at: datetime


class PaymentReadRepository:
    """An agent's payments, newest first, with their invoice numbers."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _select(self):
        return sa.select(
            Payment.id,
            Payment.invoice_id,
            Invoice.number.label("invoice_number"),
            Payment.amount_minor,
            Payment.refunded_minor,
            Payment.currency,
            Payment.method,
            Payment.instrument_last4,
            Payment.status,
            Payment.received_at,
        ).join(Invoice, Invoice.id == Payment.invoice_id)

    def recent_for_agent(self, agent_id: int, limit: int = 5) -> list[PaymentRow]:
        rows = self.session.execute(
            self._select()
            .where(Payment.agent_id == agent_id)
            .order_by(Payment.received_at.desc(), Payment.id.desc())
            .limit(limit)
        ).mappings()
        return [PaymentRow(**row) for row in rows]

    def page_for_agent(self, agent_id: int, request: PageRequest) -> Page[PaymentRow]:
        total = self.session.scalar(sa.select(sa.func.count(Payment.id)).where(Payment.agent_id == agent_id))
        rows = self.session.execute(
            self._select()
            .where(Payment.agent_id == agent_id)
            .order_by(Payment.received_at.desc(), Payment.id.desc())
            .limit(request.per_page)
            .offset(request.offset)
        ).mappings()
        return Page([PaymentRow(**row) for row in rows], request.number, request.per_page, total or 0)

    def invoice_id_of(self, payment_id: int) -> int | None:
        return self.session.scalar(sa.select(Payment.invoice_id).where(Payment.id == payment_id))


class PaymentRepository(Repository[Payment]):
    """Payments and refunds inside a unit of work; never commits."""

    model = Payment
    noun = "payment"

    def insert(self, payment: Payment) -> int:
        """Store a new payment at once, audited, without a flush; returns its id."""
        return insert_audited(self.session, Payment, {**column_values(payment), "version": 1}).id

    def add_refund(self, refund: Refund) -> Refund:
        self.session.add(refund)
        return refund
