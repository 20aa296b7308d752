"""Hardening item 22 on PostgreSQL, which enforces every column's length: the longest values every form
accepts go through every command that stores or quotes them (an invoice number made of a 64-character slug,
a subject quoting a 200-character name), and never answer a database error."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.models import Invoice, Notification
from portal.models.base import column_length
from portal.models.wallet import PayoutDecision
from portal.services.agents import CreateAgent
from portal.services.invoicing import CreateInvoice, IssueInvoice, VoidInvoice
from portal.services.money.commands import AdjustWallet, DecidePayout, RecordPayment, RequestPayout
from tests.support.money import MoneyWorld

SLUG = "a" * 64
NAME = "N" * 200


def test_hardening_22_the_longest_accepted_values_are_stored_and_quoted_on_either_database(db_session):
    world = MoneyWorld(db_session)
    run = world.runner.run
    agent_id = run(
        CreateAgent(
            idempotency_key="long-agent", slug=SLUG, agent_name=NAME, email=("e" * 240) + "@example.com",
            commission_rate_bps=1000, currency="EUR", phone="+442079460958",
        )
    ).agent_id  # fmt: skip
    invoice = run(
        CreateInvoice(
            idempotency_key="long-invoice", agent_id=agent_id, customer_name="C" * 200, amount_minor=10_000_000,
            currency="EUR", due_date=date(2027, 1, 31), description="D" * 500,
            customer_email=("c" * 240) + "@example.com",
        )
    )  # fmt: skip
    assert invoice.number == f"{SLUG.upper()}-00001"
    run(IssueInvoice(idempotency_key="long-issue", invoice_id=invoice.invoice_id))
    paid = run(
        RecordPayment(
            idempotency_key="long-payment", invoice_id=invoice.invoice_id, amount_minor=5_000_000, currency="EUR",
            method="bank_transfer", external_reference="R" * 120,
        )
    )  # fmt: skip
    world.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="long-approve")
    payout = run(RequestPayout(idempotency_key="long-payout", agent_id=agent_id, amount_minor=100_000, currency="EUR"))
    run(
        DecidePayout(
            idempotency_key="long-reject", payout_id=payout.payout_id, decision=PayoutDecision.REJECT, reason="W" * 500
        )
    )
    run(AdjustWallet(idempotency_key="long-adjust", agent_id=agent_id, amount_minor=-100, currency="EUR",
                     reason="Y" * 500))  # fmt: skip
    second = run(
        CreateInvoice(
            idempotency_key="long-invoice-2", agent_id=agent_id, customer_name="C" * 200, amount_minor=1,
            currency="EUR", due_date=date(2027, 1, 31),
        )
    )  # fmt: skip
    run(VoidInvoice(idempotency_key="long-void", invoice_id=second.invoice_id, reason="V" * 500))

    subjects = db_session.scalars(sa.select(Notification.subject).where(Notification.audience == "staff")).all()
    quoting = [subject for subject in subjects if "NNNN" in subject]
    assert quoting, "the staff were told of the payout request"
    assert all(len(subject) <= column_length(Notification.subject) for subject in quoting)
    assert all(subject.endswith("…") for subject in quoting), "a subject too long for its column is cut, visibly"
    assert db_session.scalar(sa.select(sa.func.max(sa.func.length(Invoice.number)))) == 64 + 6
