"""FinancialOrchestrator.for_session: units of work on the given session, for the given context, with its options."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from portal.models import AuditEvent, Payment, WalletTransaction
from portal.persistence.context import Actor, CommandContext
from portal.services.money.orchestrator import FinancialOrchestrator
from tests.support.money import MoneyWorld

THEN = datetime(2026, 7, 8, 9, 10, 11, tzinfo=UTC)


def test_for_session(db_session):
    """The units of work run on the session, as the context's actor and correlation id, with the options."""
    world = MoneyWorld(db_session)
    agent = world.agent()
    invoice = world.invoice(agent, 10_000)
    context = CommandContext(actor=Actor.user(42), correlation_id="session-test-0042")
    orchestrator = FinancialOrchestrator.for_session(db_session, context, clock=lambda: THEN, max_attempts=1)
    paid = orchestrator.record_payment(
        invoice_id=invoice, amount_minor=10_000, currency="EUR", method="card", idempotency_key="for-session-pay"
    )
    approved = orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="for-session-ok")
    assert approved.credited_minor == 1_000
    payment = db_session.get(Payment, paid.payment_id)
    assert (payment.recorded_by, payment.received_at) == ("user:42", THEN)
    entry = db_session.scalar(sa.select(WalletTransaction).where(WalletTransaction.source_id == paid.commission_id))
    assert (entry.actor, entry.correlation_id, entry.created_at) == ("user:42", "session-test-0042", THEN)
    events = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.correlation_id == "session-test-0042").order_by(AuditEvent.id)
    ).all()
    assert events and {event.actor for event in events} == {"user:42"}
