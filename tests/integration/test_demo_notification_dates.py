"""Notifications are dated at the event they tell of, the command's own moment: in the demo data, weeks ago."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.models import Commission, EmailOutbox, Invoice, Notification, Payment, Payout, Refund
from portal.models.base import utcnow
from portal.seed.demo import load_demo_data


def _notified(session, kind: str) -> list[tuple[str, object]]:
    rows = session.execute(
        sa.select(Notification.subject, Notification.created_at)
        .where(Notification.kind == kind)
        .order_by(Notification.id)
    )
    return [tuple(row) for row in rows]


def test_every_demo_notification_carries_the_time_of_its_event(db_session):
    seeded = utcnow()
    load_demo_data(db_session)
    payments = db_session.execute(
        sa.select(Invoice.number, Payment.received_at)
        .join(Payment, Payment.invoice_id == Invoice.id)
        .order_by(Payment.id)
    )
    assert _notified(db_session, "payment_received") == [
        (f"Payment received for invoice {number}", received_at) for number, received_at in payments
    ]
    refunds = db_session.execute(
        sa.select(Invoice.number, Refund.created_at)
        .join(Payment, Payment.id == Refund.payment_id)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .order_by(Refund.id)
    )
    assert _notified(db_session, "commission_clawed_back") == [
        (f"Refund on invoice {number}", created_at) for number, created_at in refunds
    ]
    credited = db_session.scalars(
        sa.select(Commission.credited_at).where(Commission.kind == "commission", Commission.credited_at.is_not(None))
        .order_by(Commission.credited_at)
    ).all()  # fmt: skip
    assert sorted(at for _, at in _notified(db_session, "commission_credited")) == credited
    requested = db_session.scalars(sa.select(Payout.requested_at).order_by(Payout.id)).all()
    assert [at for _, at in _notified(db_session, "payout_requested")] == requested
    decided = db_session.scalars(sa.select(Payout.decided_at).where(Payout.decided_at.is_not(None)).order_by(Payout.id))
    decisions = _notified(db_session, "payout_approved") + _notified(db_session, "payout_rejected")
    assert sorted(at for _, at in decisions) == sorted(decided)

    # The story happened weeks ago: nothing is dated at the moment the seed ran, e-mails included.
    assert db_session.scalar(sa.select(sa.func.max(Notification.created_at))) < seeded - timedelta(days=7)
    assert db_session.scalar(sa.select(sa.func.max(EmailOutbox.created_at))) < seeded - timedelta(days=7)
