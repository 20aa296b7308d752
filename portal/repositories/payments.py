"""Payments and refunds inside a unit of work."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.models import Payment, Refund
from portal.persistence.audit_events import column_values, insert_audited
from portal.repositories.base import Repository


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

    def last_alike(self, invoice_id: int, amount_minor: int, since: datetime) -> datetime | None:
        """When a payment of this amount was last received on the invoice, if since ``since``."""
        return self.session.scalar(
            sa.select(sa.func.max(Payment.received_at)).where(
                Payment.invoice_id == invoice_id, Payment.amount_minor == amount_minor, Payment.received_at >= since
            )
        )

    def last_refund_alike(self, payment_id: int, amount_minor: int, since: datetime) -> datetime | None:
        """When a refund of this amount was last made on the payment, if since ``since``."""
        return self.session.scalar(
            sa.select(sa.func.max(Refund.created_at)).where(
                Refund.payment_id == payment_id, Refund.amount_minor == amount_minor, Refund.created_at >= since
            )
        )
