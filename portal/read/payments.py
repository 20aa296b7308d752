"""An agent's payments as the portal and the dashboard list them, with their invoice numbers and commissions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Invoice, Payment
from portal.read.commission_shares import CommissionOnPayment, with_commission_on_payment
from portal.read.pages import Key, Page, PageRequest, paginate


@dataclass(frozen=True)
class PaymentRow(CommissionOnPayment):
    """A payment, the invoice it was made on, and the agent's commission on it net of clawbacks."""

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

    def _for_agent(self, agent_id: int):
        return (
            with_commission_on_payment(
                sa.select(
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
                ),
                Payment.id,
            )
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .where(Payment.agent_id == agent_id)
            .order_by(Payment.received_at.desc(), Payment.id.desc())
        )

    def recent_for_agent(self, agent_id: int, limit: int = 5) -> list[PaymentRow]:
        """The agent's latest payments, for the portal's home."""
        rows = self.session.execute(self._for_agent(agent_id).limit(limit)).mappings()
        return [PaymentRow(**row) for row in rows]

    def page_for_agent(self, agent_id: int, request: PageRequest) -> Page[PaymentRow]:
        """One page of the agent's payments: two queries (counted on the payment table alone)."""
        count = sa.select(Payment.id).where(Payment.agent_id == agent_id)
        newest_first = [Key(Payment.received_at, descending=True), Key(Payment.id, descending=True)]
        return paginate(
            self.session, self._for_agent(agent_id), newest_first, request, lambda row: PaymentRow(**row), count
        )

    def invoice_id_of(self, payment_id: int) -> int | None:
        """The invoice a payment was made on, or None."""
        return self.session.scalar(sa.select(Payment.invoice_id).where(Payment.id == payment_id))
