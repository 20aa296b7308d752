"""The audit trail of money commands: who, which request, what changed (masked), chained."""

from __future__ import annotations

import sqlalchemy as sa

from portal.models import AuditEvent, WalletTransaction
from portal.persistence.audit_chain import verify_chain
from portal.persistence.audit_events import chain_key
from portal.services.ledger_verification import verify_ledger
from tests.support.money import MoneyWorld


def _events(session, after_seq: int) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.seq > after_seq).order_by(AuditEvent.seq)))


def _last_seq(session) -> int:
    return session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.seq), 0)))


def test_every_command_leaves_attributed_masked_events_and_the_chain_holds(db_session):
    world = MoneyWorld(db_session, correlation_id="audit-suite-0001")
    agent = world.agent()
    invoice = world.invoice(agent, 100_000)
    seen: dict[str, set[str]] = {}

    def run(command: str, call) -> None:
        start = _last_seq(db_session)
        call()
        events = _events(db_session, start)
        assert events, f"{command} left no audit event"
        for event in events:
            assert event.actor == "user:1" and event.correlation_id == "audit-suite-0001"
            assert event.command == command and event.occurred_at.tzinfo is not None
        seen[command] = {e.entity_type for e in events}

    paid = world.pay(invoice, 60_000)
    run(
        "approve_commission",
        lambda: world.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="a"),
    )
    run("record_payment", lambda: world.pay(invoice, 10_000))
    run(
        "refund_payment",
        lambda: world.orchestrator.refund_payment(
            payment_id=paid.payment_id, amount_minor=6_000, currency="EUR", reason="customer returned goods",
            idempotency_key="r",
        ),
    )  # fmt: skip
    payout = world.orchestrator.request_payout(agent_id=agent, amount_minor=2_000, currency="EUR", idempotency_key="p")
    run(
        "approve_payout",
        lambda: world.orchestrator.approve_payout(payout_id=payout.payout_id, idempotency_key="p-ok"),
    )
    run(
        "request_payout",
        lambda: world.orchestrator.request_payout(
            agent_id=agent, amount_minor=1_000, currency="EUR", idempotency_key="q"
        ),
    )
    run(
        "adjust_wallet",
        lambda: world.orchestrator.adjust_wallet(
            agent_id=agent, amount_minor=-100, currency="EUR", reason="bank fee", idempotency_key="adj"
        ),
    )
    assert {"Payment", "Invoice", "Commission"} <= seen["record_payment"]
    assert {"Wallet", "WalletTransaction", "Commission"} <= seen["approve_commission"]
    assert {"Refund", "Payment", "Invoice", "Commission", "Wallet", "WalletTransaction"} <= seen["refund_payment"]
    assert {"Payout", "Wallet", "WalletTransaction"} <= seen["approve_payout"]
    refund_event = next(e for e in _events(db_session, 0) if e.entity_type == "Refund" and e.action == "insert")
    assert refund_event.reason == "customer returned goods"
    wallet_update = next(e for e in _events(db_session, 0) if e.entity_type == "Wallet" and e.action == "update")
    assert set(wallet_update.before) >= {"available_minor"} and set(wallet_update.after) >= {"available_minor"}
    assert verify_chain(db_session, chain_key()).holds


def test_card_numbers_and_contact_details_never_reach_the_audit_trail(db_session):
    world = MoneyWorld(db_session)
    agent = world.agent()
    world.pay(world.invoice(agent, 10_000), 10_000)
    dumped = repr(db_session.execute(sa.text("SELECT before, after FROM audit_event")).all())
    assert "4111 1111 1111 1111" not in dumped and "4111111111111111" not in dumped
    assert "@example.com" not in dumped, "agent e-mail addresses are masked"


def test_editing_a_ledger_row_is_caught_by_ledger_verify_and_the_chain_still_names_nothing(db_session):
    world = MoneyWorld(db_session)
    agent = world.agent()
    world.fund(agent, 5_000)
    entry = db_session.scalar(sa.select(WalletTransaction.id).where(WalletTransaction.agent_id == agent))
    db_session.execute(
        sa.text(
            "UPDATE wallet_transaction SET available_delta_minor = 9999, available_after_minor = 9999 WHERE id = :id"
        ),
        {"id": entry},
    )
    report = verify_ledger(db_session, chain_key())
    assert not report.holds
    messages = [str(v) for v in report.violations]
    assert any(f"ledger entry #{entry}" in m and "edited after the fact" in m for m in messages), messages


def test_tampering_with_a_money_event_is_detected(db_session):
    world = MoneyWorld(db_session)
    agent = world.agent()
    world.fund(agent, 5_000)
    seq = db_session.scalar(
        sa.select(AuditEvent.seq).where(AuditEvent.entity_type == "WalletTransaction").order_by(AuditEvent.seq)
    )
    db_session.execute(sa.text("UPDATE audit_event SET actor = 'user:999' WHERE seq = :seq"), {"seq": seq})
    report = verify_chain(db_session, chain_key())
    assert report.first_break.seq == seq
