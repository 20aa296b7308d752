"""Payments and refunds inside a unit of work."""

from __future__ import annotations

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
