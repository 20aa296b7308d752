"""Every orchestrator command and its refusals, on SQLite and PostgreSQL, checked by ledger verify."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.domain import errors
from portal.models import (
    AgentFinancialSummary,
    Commission,
    IdempotencyRecord,
    Invoice,
    Notification,
    Payment,
    Payout,
    Refund,
    Wallet,
    WalletTransaction,
)
from portal.persistence.audit_events import chain_key
from portal.persistence.unit_of_work import Actor, SessionUnitOfWork
from portal.services.ledger_verification import verify_ledger
from tests.support.money import MoneyWorld

TABLES = (
    Invoice,
    Payment,
    Refund,
    Commission,
    Wallet,
    WalletTransaction,
    Payout,
    Notification,
    IdempotencyRecord,
)


@pytest.fixture
def world(db_session) -> MoneyWorld:
    return MoneyWorld(db_session)


def snapshot(session) -> dict:
    """Row counts of every money table, and every balance that could move."""
    counts = {model.__name__: session.scalar(sa.select(sa.func.count()).select_from(model)) for model in TABLES}
    balances = session.execute(
        sa.select(Wallet.id, Wallet.available_minor, Wallet.held_minor).order_by(Wallet.id)
    ).all()
    paid = session.execute(sa.select(Invoice.id, Invoice.paid_minor, Invoice.status).order_by(Invoice.id)).all()
    summaries = session.execute(
        sa.select(AgentFinancialSummary.agent_id, AgentFinancialSummary.collected_minor,
                  AgentFinancialSummary.wallet_available_minor).order_by(AgentFinancialSummary.agent_id)
    ).all()  # fmt: skip
    return {"counts": counts, "balances": balances, "paid": paid, "summaries": summaries}


def assert_ledger_holds(session) -> None:
    report = verify_ledger(session, chain_key())
    assert report.holds, [str(v) for v in report.violations]


def test_a_full_money_story_keeps_every_invariant(world, db_session):
    agent = world.agent()
    invoice = world.invoice(agent, 50_000)
    first = world.pay(invoice, 20_000)
    second = world.pay(invoice, 30_000)
    assert second.invoice_status == "paid"
    world.orchestrator.approve_commission(commission_id=first.commission_id, idempotency_key="approve-1")
    world.orchestrator.refund_payment(
        payment_id=first.payment_id, amount_minor=5_000, currency="EUR", reason="partial return",
        idempotency_key="refund-1",
    )  # fmt: skip
    world.orchestrator.refund_payment(
        payment_id=second.payment_id, amount_minor=30_000, currency="EUR", reason="cancelled",
        idempotency_key="refund-2",
    )  # fmt: skip
    world.orchestrator.approve_commission(commission_id=second.commission_id, idempotency_key="approve-2")
    payout = world.orchestrator.request_payout(agent_id=agent, amount_minor=1_000, currency="EUR", idempotency_key="po")
    world.orchestrator.approve_payout(payout_id=payout.payout_id, idempotency_key="po-ok")
    world.orchestrator.adjust_wallet(
        agent_id=agent, amount_minor=-250, currency="EUR", reason="fee correction", idempotency_key="adj"
    )

    wallet = db_session.scalar(sa.select(Wallet).where(Wallet.agent_id == agent))
    # 2,000 credited − 500 clawed back; 3,000 credited − 3,000 clawed back; −1,000 paid out; −250 adjusted
    assert (wallet.available_minor, wallet.held_minor) == (250, 0)
    assert db_session.get(Invoice, invoice).paid_minor == 15_000
    assert db_session.get(Invoice, invoice).status == "partially_paid"
    summary = db_session.get(AgentFinancialSummary, agent)
    assert (summary.collected_minor, summary.outstanding_minor, summary.commissions_earned_minor) == (
        15_000,
        35_000,
        1_500,
    )
    assert_ledger_holds(db_session)


def test_payments_and_refunds_are_idempotent(world, db_session):
    invoice = world.invoice(world.agent(), 10_000)
    first = world.pay(invoice, 4_000, key="pay-once")
    before = snapshot(db_session)
    replay = world.pay(invoice, 4_000, key="pay-once")
    assert replay.replayed and replay.payment_id == first.payment_id
    assert snapshot(db_session) == before
    with pytest.raises(errors.IdempotencyConflict):
        world.pay(invoice, 4_001, key="pay-once")
    assert snapshot(db_session) == before


def test_the_payment_row_keeps_only_the_last_four_digits(world, db_session):
    paid = world.pay(world.invoice(world.agent()), 1_000)
    payment = db_session.get(Payment, paid.payment_id)
    assert payment.instrument_last4 == "1111"
    dumped = repr(db_session.execute(sa.text("SELECT * FROM payment")).all())
    assert "4111 1111 1111 1111" not in dumped and "4111111111111111" not in dumped


REFUSALS = [
    ("zero amount", lambda w, ids: w.pay(ids["invoice"], 0), errors.AmountNotValid),
    ("negative amount", lambda w, ids: w.pay(ids["invoice"], -100), errors.AmountNotValid),
    ("wrong currency", lambda w, ids: w.pay(ids["invoice"], 100, currency="USD"), errors.CurrencyMismatch),
    ("overpayment", lambda w, ids: w.pay(ids["invoice"], 10_001), errors.AmountNotValid),
    ("draft invoice", lambda w, ids: w.pay(ids["draft"], 100), errors.InvoiceNotPayable),
    ("unknown invoice", lambda w, ids: w.pay(10**9, 100), errors.NotFound),
    (
        "refund above payment",
        lambda w, ids: w.orchestrator.refund_payment(
            payment_id=ids["payment"], amount_minor=5_001, currency="EUR", reason="r", idempotency_key="rf"
        ),
        errors.RefundExceedsPayment,
    ),
    (
        "refund without reason",
        lambda w, ids: w.orchestrator.refund_payment(
            payment_id=ids["payment"], amount_minor=1, currency="EUR", reason="", idempotency_key="rf"
        ),
        errors.ReasonRequired,
    ),
    (
        "payout above available",
        lambda w, ids: w.orchestrator.request_payout(
            agent_id=ids["agent"], amount_minor=2_001, currency="EUR", idempotency_key="po"
        ),
        errors.InsufficientFunds,
    ),
    (
        "payout below minimum",
        lambda w, ids: w.orchestrator.request_payout(
            agent_id=ids["agent"], amount_minor=999, currency="EUR", idempotency_key="po"
        ),
        errors.BelowMinimumPayout,
    ),
    (
        "payout in another currency",
        lambda w, ids: w.orchestrator.request_payout(
            agent_id=ids["agent"], amount_minor=1_000, currency="GBP", idempotency_key="po"
        ),
        errors.CurrencyMismatch,
    ),
    (
        "approve a credited commission",
        lambda w, ids: w.orchestrator.approve_commission(commission_id=ids["credited"], idempotency_key="again"),
        errors.CommissionNotApprovable,
    ),
    (
        "approve a payout that is not requested",
        lambda w, ids: w.orchestrator.approve_payout(payout_id=ids["rejected_payout"], idempotency_key="x"),
        errors.PayoutNotPending,
    ),
    (
        "reject without reason",
        lambda w, ids: w.orchestrator.reject_payout(payout_id=ids["payout"], reason=" ", idempotency_key="x"),
        errors.ReasonRequired,
    ),
    (
        "adjust by zero",
        lambda w, ids: w.orchestrator.adjust_wallet(
            agent_id=ids["agent"], amount_minor=0, currency="EUR", reason="x", idempotency_key="x"
        ),
        errors.AmountNotValid,
    ),
    (
        "bad idempotency key",
        lambda w, ids: w.pay(ids["invoice"], 100, key="no spaces please"),
        errors.IdempotencyKeyInvalid,
    ),
]


@pytest.mark.parametrize(("case", "command", "error"), REFUSALS, ids=[case for case, _, _ in REFUSALS])
def test_refusals_change_nothing(world, db_session, case, command, error):
    agent = world.agent()
    world.fund(agent, 3_000)
    payout = world.orchestrator.request_payout(agent_id=agent, amount_minor=1_000, currency="EUR", idempotency_key="p1")
    rejected = world.orchestrator.request_payout(
        agent_id=agent, amount_minor=1_000, currency="EUR", idempotency_key="p2"
    )
    world.orchestrator.reject_payout(payout_id=rejected.payout_id, reason="no", idempotency_key="p2-no")
    credited = db_session.scalar(
        sa.select(Commission.id).where(Commission.agent_id == agent, Commission.status == "credited")
    )
    paid = world.pay(world.invoice(agent, 5_000), 5_000)
    ids = {
        "agent": agent,
        "invoice": world.invoice(agent, 10_000),
        "draft": world.invoice(agent, 10_000, issue=False),
        "payment": paid.payment_id,
        "payout": payout.payout_id,
        "rejected_payout": rejected.payout_id,
        "credited": credited,
    }
    before = snapshot(db_session)
    with pytest.raises(error) as refusal:
        command(world, ids)
    assert refusal.value.message, "every refusal explains itself"
    assert snapshot(db_session) == before
    assert_ledger_holds(db_session)


def test_a_suspended_agent_cannot_request_a_payout(world, db_session):
    agent = world.agent()
    world.fund(agent, 5_000)
    with SessionUnitOfWork(db_session, command="suspend", actor=Actor.user(1)) as uow:
        uow.agents.get(agent).status = "suspended"
        uow.commit()
    with pytest.raises(errors.AgentSuspended):
        world.orchestrator.request_payout(agent_id=agent, amount_minor=1_000, currency="EUR", idempotency_key="s")


def test_a_clawback_may_take_the_wallet_below_zero_and_is_netted_later(world, db_session):
    agent = world.agent()
    invoice = world.invoice(agent, 100_000)
    paid = world.pay(invoice, 100_000)
    world.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="a")
    payout = world.orchestrator.request_payout(agent_id=agent, amount_minor=10_000, currency="EUR", idempotency_key="p")
    world.orchestrator.approve_payout(payout_id=payout.payout_id, idempotency_key="p-ok")
    world.orchestrator.refund_payment(
        payment_id=paid.payment_id,
        amount_minor=100_000,
        currency="EUR",
        reason="chargeback",
        idempotency_key="r",
    )
    wallet = db_session.scalar(sa.select(Wallet).where(Wallet.agent_id == agent))
    assert wallet.available_minor == -10_000
    with pytest.raises(errors.BelowMinimumPayout):
        world.orchestrator.request_payout(agent_id=agent, amount_minor=1_000, currency="EUR", idempotency_key="p2")
    later = world.pay(world.invoice(agent, 150_000), 150_000)
    world.orchestrator.approve_commission(commission_id=later.commission_id, idempotency_key="b")
    db_session.refresh(wallet)
    assert wallet.available_minor == 5_000
    assert_ledger_holds(db_session)


def test_commands_notify_the_agent_with_masked_text(world, db_session):
    agent = world.agent()
    invoice_id = world.invoice(agent, 10_000)
    with SessionUnitOfWork(db_session, command="rename", actor=Actor.user(1)) as uow:
        uow.invoices.get(invoice_id).customer_name = "Jo Bloggs jo.bloggs@example.com"
        uow.commit()
    world.pay(invoice_id, 10_000)
    note = db_session.scalars(sa.select(Notification).where(Notification.agent_id == agent)).one()
    assert note.kind == "payment_received" and "€100.00" in note.body
    assert "jo.bloggs@example.com" not in note.body and "j***@e***.com" in note.body
