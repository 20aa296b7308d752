"""A crash at any statement inside any money command leaves no partial row anywhere."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.models import AuditEvent
from tests.integration.test_orchestrator_commands import snapshot
from tests.support.money import MoneyWorld

_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


class InjectedCrash(Exception):
    pass


@contextmanager
def crash_before_statement(number: int) -> Iterator[list[str]]:
    """Raise InjectedCrash just before the ``number``-th data statement is sent."""
    seen: list[str] = []
    counter = itertools.count(1)

    def _maybe_crash(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            return
        seen.append(statement)
        if next(counter) == number:
            raise InjectedCrash(f"crash before statement {number}: {statement.split()[0]}")

    event.listen(Engine, "before_cursor_execute", _maybe_crash)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", _maybe_crash)


def _prepared(world: MoneyWorld) -> dict:
    agent = world.agent()
    world.fund(agent, 5_000)
    invoice = world.invoice(agent, 20_000)
    paid = world.pay(invoice, 10_000)
    payout = world.orchestrator.request_payout(agent_id=agent, amount_minor=1_000, currency="EUR", idempotency_key="p")
    approved = world.orchestrator.request_payout(
        agent_id=agent, amount_minor=1_000, currency="EUR", idempotency_key="q"
    )
    world.orchestrator.approve_payout(payout_id=approved.payout_id, idempotency_key="q-ok")
    return {
        "agent": agent,
        "invoice": invoice,
        "paid": paid,
        "payout": payout.payout_id,
        "approved": approved.payout_id,
    }


COMMANDS: dict[str, Callable[[MoneyWorld, dict], object]] = {
    "record_payment": lambda w, ids: w.pay(ids["invoice"], 2_500, key="crash-key"),
    "refund_payment": lambda w, ids: w.orchestrator.refund_payment(
        payment_id=ids["paid"].payment_id,
        amount_minor=2_000,
        currency="EUR",
        reason="r",
        idempotency_key="crash-key",
    ),
    "approve_commission": lambda w, ids: w.orchestrator.approve_commission(
        commission_id=ids["paid"].commission_id, idempotency_key="crash-key"
    ),
    "request_payout": lambda w, ids: w.orchestrator.request_payout(
        agent_id=ids["agent"], amount_minor=1_500, currency="EUR", idempotency_key="crash-key"
    ),
    "approve_payout": lambda w, ids: w.orchestrator.approve_payout(
        payout_id=ids["payout"], idempotency_key="crash-key"
    ),
    "reject_payout": lambda w, ids: w.orchestrator.reject_payout(
        payout_id=ids["payout"], reason="no", idempotency_key="crash-key"
    ),
    "cancel_payout": lambda w, ids: w.orchestrator.cancel_payout(payout_id=ids["payout"], idempotency_key="crash-key"),
    "mark_payout_paid": lambda w, ids: w.orchestrator.mark_payout_paid(
        payout_id=ids["approved"], idempotency_key="crash-key"
    ),
    "adjust_wallet": lambda w, ids: w.orchestrator.adjust_wallet(
        agent_id=ids["agent"], amount_minor=-700, currency="EUR", reason="r", idempotency_key="crash-key"
    ),
}


def _state(session) -> dict:
    import sqlalchemy as sa

    return {**snapshot(session), "audit": session.scalar(sa.select(sa.func.count(AuditEvent.id)))}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_crash_at_any_statement_leaves_nothing_behind(db_session, command):
    world = MoneyWorld(db_session)
    ids = _prepared(world)
    before = _state(db_session)
    for number in itertools.count(1):
        with crash_before_statement(number) as seen:
            try:
                COMMANDS[command](world, ids)
            except InjectedCrash:
                crashed = True
            else:
                crashed = False
        if not crashed:
            break
        assert _state(db_session) == before, f"{command}: partial rows after a crash before statement {number}"
    assert number > 5, f"{command} ran only {len(seen)} statements: the crash points did not cover it"
    assert _state(db_session) != before, "the command takes effect once nothing crashes"
