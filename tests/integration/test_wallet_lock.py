"""Every money command that moves a wallet reads the wallet row with ``SELECT … FOR UPDATE`` (PostgreSQL).

The unit tests see ``lock=True`` reach the fake repository; these see the lock itself. Each command runs in a
thread of its own with real commits. Right after its locking read, the thread is held still, and a second
connection tries to take the same row with ``FOR UPDATE NOWAIT``: PostgreSQL refuses (lock not available), and
``pg_locks`` shows the command's backend holding a row-share lock on ``wallet``. The other way round, with the row
held by a second connection, a command queues on its locking read until the row is released; the commands that
move no money (a payment, marking a payout paid) do not wait for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.models import Wallet
from tests.support.committed import committed_app as committed_postgres_app
from tests.support.money import MoneyWorld

pytestmark = pytest.mark.postgresql_only

WAIT_SECONDS = 10


@pytest.fixture(scope="module")
def committed_app(postgres_databases, tmp_path_factory) -> Iterator[Flask]:
    """A database of its own where every command really commits, so that locks outlive a statement."""
    yield from committed_postgres_app(postgres_databases, tmp_path_factory, "wallet-lock")


@pytest.fixture(autouse=True)
def app(committed_app):
    """These tests are about PostgreSQL alone; they override the SQLite/PostgreSQL parametrisation."""
    return committed_app


@pytest.fixture
def db_session():
    """No shared outer transaction here: each thread commits in a session of its own."""


def in_app(app: Flask, work: Callable[[MoneyWorld], object]):
    with app.app_context():
        try:
            return work(MoneyWorld(db.session()))
        finally:
            db.session.remove()


@dataclass
class Scenario:
    agent: int
    #: The command under test, run in its own thread with its own session.
    command: Callable[[MoneyWorld], object]


def _funded(world: MoneyWorld) -> int:
    agent = world.agent()
    world.fund(agent, 5_000)
    return agent


def _approve_commission(world: MoneyWorld) -> Scenario:
    agent = _funded(world)
    paid = world.pay(world.invoice(agent, 10_000), 10_000)

    def command(w: MoneyWorld):
        return w.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key=f"lock-ok-{agent}")

    return Scenario(agent, command)


def _refund_payment(world: MoneyWorld) -> Scenario:
    """A refund of a credited commission: the clawback moves the wallet."""
    agent = _funded(world)
    paid = world.pay(world.invoice(agent, 10_000), 10_000)
    world.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key=f"lock-credit-{agent}")

    def command(w: MoneyWorld):
        return w.orchestrator.refund_payment(
            payment_id=paid.payment_id, amount_minor=2_500, currency="EUR", reason="returned",
            idempotency_key=f"lock-refund-{agent}",
        )  # fmt: skip

    return Scenario(agent, command)


def _request_payout(world: MoneyWorld) -> Scenario:
    agent = _funded(world)

    def command(w: MoneyWorld):
        return w.orchestrator.request_payout(
            agent_id=agent, amount_minor=2_000, currency="EUR", idempotency_key=f"lock-request-{agent}"
        )

    return Scenario(agent, command)


def _requested(world: MoneyWorld) -> tuple[int, int]:
    agent = _funded(world)
    payout = world.orchestrator.request_payout(
        agent_id=agent, amount_minor=2_000, currency="EUR", idempotency_key=f"lock-po-{agent}"
    )
    return agent, payout.payout_id


def _approve_payout(world: MoneyWorld) -> Scenario:
    agent, payout = _requested(world)

    def command(w: MoneyWorld):
        return w.orchestrator.approve_payout(payout_id=payout, idempotency_key=f"lock-approve-po-{agent}")

    return Scenario(agent, command)


def _reject_payout(world: MoneyWorld) -> Scenario:
    agent, payout = _requested(world)

    def command(w: MoneyWorld):
        return w.orchestrator.reject_payout(payout_id=payout, reason="bank details", idempotency_key=f"lock-no-{agent}")

    return Scenario(agent, command)


def _cancel_payout(world: MoneyWorld) -> Scenario:
    agent, payout = _requested(world)

    def command(w: MoneyWorld):
        return w.orchestrator.cancel_payout(payout_id=payout, agent_id=agent, idempotency_key=f"lock-cancel-{agent}")

    return Scenario(agent, command)


def _adjust_wallet(world: MoneyWorld) -> Scenario:
    agent = _funded(world)

    def command(w: MoneyWorld):
        return w.orchestrator.adjust_wallet(
            agent_id=agent, amount_minor=-700, currency="EUR", reason="correction", idempotency_key=f"lock-adj-{agent}"
        )

    return Scenario(agent, command)


def _record_payment(world: MoneyWorld) -> Scenario:
    agent = _funded(world)
    invoice = world.invoice(agent, 10_000)
    return Scenario(agent, lambda w: w.pay(invoice, 1_000, key=f"lock-pay-{agent}"))


def _mark_payout_paid(world: MoneyWorld) -> Scenario:
    agent, payout = _requested(world)
    world.orchestrator.approve_payout(payout_id=payout, idempotency_key=f"lock-approved-{agent}")

    def command(w: MoneyWorld):
        return w.orchestrator.mark_payout_paid(payout_id=payout, idempotency_key=f"lock-paid-{agent}")

    return Scenario(agent, command)


MOVES_A_WALLET = {
    "approve_commission": _approve_commission,
    "refund_payment": _refund_payment,
    "request_payout": _request_payout,
    "approve_payout": _approve_payout,
    "reject_payout": _reject_payout,
    "cancel_payout": _cancel_payout,
    "adjust_wallet": _adjust_wallet,
}
MOVES_NO_MONEY = {"record_payment": _record_payment, "mark_payout_paid": _mark_payout_paid}


def _is_wallet_lock(statement: str) -> bool:
    text = " ".join(statement.split())
    return text.startswith("SELECT ") and " FROM wallet " in text and text.endswith(" FOR UPDATE")


class Worker(threading.Thread):
    """Runs one command in its own application context; keeps its result or error."""

    def __init__(self, app: Flask, command: Callable[[MoneyWorld], object]) -> None:
        super().__init__(daemon=True)
        self.app, self.command = app, command
        self.result: object = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = in_app(self.app, self.command)
        except BaseException as error:  # handed to the test thread
            self.error = error

    def finish(self) -> object:
        self.join(WAIT_SECONDS)
        assert not self.is_alive(), "the command did not finish"
        if self.error is not None:
            raise self.error
        return self.result


class PauseAfterWalletLock:
    """Holds the worker still right after its ``SELECT … FROM wallet … FOR UPDATE`` ran; records its backend."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.locked = threading.Event()
        self.release = threading.Event()
        self.backend_pid: int | None = None
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if threading.current_thread() is not self.worker or not _is_wallet_lock(statement):
            return
        self.statements.append(statement)
        self.backend_pid = conn.connection.dbapi_connection.info.backend_pid
        self.locked.set()
        self.release.wait(WAIT_SECONDS)


def wallet_id(app: Flask, agent: int) -> int:
    return in_app(app, lambda world: world.session.scalar(sa.select(Wallet.id).where(Wallet.agent_id == agent)))


@pytest.mark.parametrize("name", list(MOVES_A_WALLET))
def test_the_command_holds_the_wallet_row_lock_from_its_first_read(app, name):
    scenario = in_app(app, MOVES_A_WALLET[name])
    wallet = wallet_id(app, scenario.agent)
    neighbour = wallet_id(app, in_app(app, _funded))
    worker = Worker(app, scenario.command)
    pause = PauseAfterWalletLock(worker)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", pause)
    try:
        worker.start()
        assert pause.locked.wait(WAIT_SECONDS), f"{name} never read the wallet with FOR UPDATE"
        with engine.connect() as probe:
            with pytest.raises(OperationalError) as refused:
                probe.execute(sa.text("SELECT id FROM wallet WHERE id = :id FOR UPDATE NOWAIT"), {"id": wallet})
            assert refused.value.orig.sqlstate == "55P03", "lock_not_available"
            probe.rollback()
            held = probe.execute(
                sa.text("SELECT mode, granted FROM pg_locks WHERE pid = :pid AND relation = 'wallet'::regclass"),
                {"pid": pause.backend_pid},
            ).all()
            assert ("RowShareLock", True) in [tuple(row) for row in held]
            # Only that row: another agent's wallet is free.
            free = probe.execute(sa.text("SELECT id FROM wallet WHERE id = :id FOR UPDATE NOWAIT"), {"id": neighbour})
            assert free.scalar() == neighbour
            probe.rollback()
    finally:
        pause.release.set()
        try:
            result = worker.finish()
        finally:
            event.remove(engine, "after_cursor_execute", pause)  # once no statement is running through it
    assert not result.replayed
    assert len(pause.statements) == 1


@pytest.mark.parametrize("name", ["adjust_wallet", "request_payout", "approve_commission"])
def test_a_command_queues_behind_a_held_wallet_row_until_it_is_released(app, name):
    scenario = in_app(app, MOVES_A_WALLET[name])
    wallet = wallet_id(app, scenario.agent)
    with app.app_context():
        engine = db.engine
    with engine.connect() as holder:
        holder.execute(sa.text("SELECT id FROM wallet WHERE id = :id FOR UPDATE"), {"id": wallet})
        holder_pid = holder.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        worker = Worker(app, scenario.command)
        worker.start()
        # The backend blocked by the holder, and what it runs (PostgreSQL may show the previous statement of an
        # extended-protocol query for a moment: wait until the text is the blocked one's).
        waiting: list[str] = []
        deadline = time.monotonic() + WAIT_SECONDS
        while not (len(waiting) == 1 and _is_wallet_lock(waiting[0])) and time.monotonic() < deadline:
            time.sleep(0.02)
            waiting = holder.execute(
                sa.text(
                    "SELECT a.query FROM pg_stat_activity a WHERE a.wait_event_type = 'Lock'"
                    " AND :holder = ANY(pg_blocking_pids(a.pid))"
                ),
                {"holder": holder_pid},
            ).scalars().all()  # fmt: skip
        assert len(waiting) == 1 and _is_wallet_lock(waiting[0]), waiting
        assert worker.is_alive(), "the command waits for the row"
        holder.rollback()
    result = worker.finish()
    assert not result.replayed


@pytest.mark.parametrize("name", list(MOVES_NO_MONEY))
def test_commands_that_move_no_money_do_not_wait_for_the_wallet_row(app, name):
    scenario = in_app(app, MOVES_NO_MONEY[name])
    wallet = wallet_id(app, scenario.agent)
    with app.app_context():
        engine = db.engine
    with engine.connect() as holder:
        holder.execute(sa.text("SELECT id FROM wallet WHERE id = :id FOR UPDATE"), {"id": wallet})
        worker = Worker(app, scenario.command)
        worker.start()
        try:
            result = worker.finish()
        finally:
            holder.rollback()
    assert not result.replayed
