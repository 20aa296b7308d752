"""Money commands racing on PostgreSQL (READ COMMITTED), with real commits from many threads."""

from __future__ import annotations

import itertools
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.domain import errors
from portal.extensions import db
from portal.models import Commission, Payment, Payout, Wallet, WalletTransaction
from portal.observability import metrics
from portal.persistence.audit_events import chain_key
from portal.services.ledger_verification import verify_ledger
from tests.support.committed import committed_app as committed_postgres_app
from tests.support.money import MoneyWorld


@pytest.fixture(scope="module")
def committed_app(postgres_databases, tmp_path_factory) -> Iterator[Flask]:
    """A database of its own where every command really commits, for threads to race on."""
    yield from committed_postgres_app(postgres_databases, tmp_path_factory, "race", pool_size=20)


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


def run_threads(app: Flask, threads: int, work: Callable[[int, MoneyWorld], object]) -> list:
    def one(index: int):
        return in_app(app, lambda world: work(index, world))

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, range(threads)))


def until_decided(call: Callable[[], object]):
    """A client that retries on 409 Conflict with the same idempotency key, as the UI asks users to."""
    for _ in range(50):
        try:
            return call()
        except errors.ConcurrencyConflict:
            continue
    raise AssertionError("still conflicting after 50 tries")


def assert_ledger_holds(app: Flask) -> None:
    def check(world: MoneyWorld):
        report = verify_ledger(world.session, chain_key())
        assert report.holds, [str(v) for v in report.violations[:10]]

    in_app(app, check)


def test_16_threads_racing_1024_payouts_on_a_wallet_funded_for_500(app):
    def setup(world: MoneyWorld) -> int:
        agent = world.agent()
        world.orchestrator.adjust_wallet(
            agent_id=agent,
            amount_minor=500 * 1_000,
            currency="EUR",
            reason="fund the race",
            idempotency_key=f"fund-{agent}",
        )
        return agent

    agent = in_app(app, setup)

    def requests(thread: int, world: MoneyWorld) -> Counter:
        outcomes = Counter()
        for n in range(64):
            try:
                until_decided(
                    lambda n=n: world.orchestrator.request_payout(
                        agent_id=agent,
                        amount_minor=1_000,
                        currency="EUR",
                        idempotency_key=f"race-{agent}-{thread}-{n}",
                    )
                )
                outcomes["paid out"] += 1
            except errors.InsufficientFunds:
                outcomes["insufficient"] += 1
            except errors.BelowMinimumPayout:
                outcomes["insufficient"] += 1
        return outcomes

    totals = sum(run_threads(app, 16, requests), Counter())
    assert totals == Counter({"paid out": 500, "insufficient": 524})

    def final(world: MoneyWorld):
        wallet = world.session.scalar(sa.select(Wallet).where(Wallet.agent_id == agent))
        never_negative = world.session.scalar(
            sa.select(sa.func.min(WalletTransaction.available_after_minor)).where(
                WalletTransaction.wallet_id == wallet.id
            )
        )
        payouts = world.session.scalar(sa.select(sa.func.count(Payout.id)).where(Payout.agent_id == agent))
        return wallet.available_minor, wallet.held_minor, never_negative, payouts

    assert in_app(app, final) == (0, 500_000, 0, 500)
    assert_ledger_holds(app)


def test_100_keys_replayed_10_times_concurrently_take_effect_100_times(app):
    def setup(world: MoneyWorld) -> list[int]:
        agent = world.agent()
        return [world.invoice(agent, 10_000) for _ in range(100)]

    invoices = in_app(app, setup)
    calls = [(key, invoice) for key, invoice in enumerate(invoices) for _ in range(10)]
    random.Random(3).shuffle(calls)
    answers: dict[int, set[int]] = {}
    lock = threading.Lock()

    def replay(thread: int, world: MoneyWorld) -> None:
        for key, invoice in calls[thread::16]:
            result = until_decided(
                lambda key=key, invoice=invoice: world.pay(invoice, 2_500, key=f"replay-{invoices[0]}-{key}")
            )
            with lock:
                answers.setdefault(key, set()).add(result.payment_id)

    run_threads(app, 16, replay)
    assert all(len(payment_ids) == 1 for payment_ids in answers.values()), "every replay answered the first payment"

    def count(world: MoneyWorld) -> int:
        return world.session.scalar(sa.select(sa.func.count(Payment.id)).where(Payment.invoice_id.in_(invoices)))

    assert in_app(app, count) == 100
    assert_ledger_holds(app)


# Races need concurrency, not volume: what this proves comes from many writers meeting on the same wallets.
# 2,000 operations on 4 agents give each wallet 500 operations from 8 workers (5,000 on 20 agents gave it 250),
# about 100 lost races retried per run where 5,000 operations on 20 agents had about 50; the test asserts that
# races did happen, so a workload that stopped meeting (fewer overlaps, a lock that serialised it) fails.
WORKERS = 8
AGENTS = 4
OPERATIONS = 2_000
OPERATIONS_PER_WORKER = OPERATIONS // WORKERS
MIN_LOST_RACES = 20


def lost_races() -> float:
    """Units of work run again after a lost race, so far in this process (every command, every label)."""
    return sum(
        sample.value
        for metric in metrics.COMMAND_RETRIES.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    )


class Pools:
    """Ids the workers have created so far, shared between threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.payments: list[int] = []
        self.commissions: list[int] = []
        self.payouts: list[int] = []
        self.requests: list[tuple[str, dict]] = []

    def pick(self, rng: random.Random, name: str):
        with self.lock:
            items = getattr(self, name)
            return rng.choice(items) if items else None

    def add(self, name: str, *values) -> None:
        with self.lock:
            getattr(self, name).extend(values)


def _next_request(rng: random.Random, pools: Pools, agents: list[int], invoices: list[int], key: str):
    """One random operation as (kind, command name, keyword arguments), fixed before it is sent."""
    kind = rng.choice(["pay", "pay", "refund", "approve", "payout", "decide", "adjust", "replay"])
    if kind == "pay":
        amount = rng.randrange(100, 50_000)
        return (
            kind,
            "record_payment",
            dict(
                invoice_id=rng.choice(invoices),
                amount_minor=amount,
                currency="EUR",
                method="card",
                idempotency_key=key,
            ),
        )
    if kind == "refund" and (payment := pools.pick(rng, "payments")):
        amount = rng.randrange(1, 5_000)
        return (
            kind,
            "refund_payment",
            dict(
                payment_id=payment,
                amount_minor=amount,
                currency="EUR",
                reason="returned",
                idempotency_key=key,
            ),
        )
    if kind == "approve" and (commission := pools.pick(rng, "commissions")):
        return kind, "approve_commission", dict(commission_id=commission, idempotency_key=key)
    if kind == "payout":
        amount = rng.randrange(1_000, 3_000)
        return (
            kind,
            "request_payout",
            dict(agent_id=rng.choice(agents), amount_minor=amount, currency="EUR", idempotency_key=key),
        )
    if kind == "decide" and (payout := pools.pick(rng, "payouts")):
        decision = rng.choice(["approve_payout", "reject_payout", "cancel_payout"])
        arguments = dict(payout_id=payout, idempotency_key=key)
        if decision == "reject_payout":
            arguments["reason"] = "bank details missing"
        return kind, decision, arguments
    if kind == "adjust":
        amount = rng.choice([-1, 1]) * rng.randrange(100, 1_000)
        return (
            kind,
            "adjust_wallet",
            dict(
                agent_id=rng.choice(agents),
                amount_minor=amount,
                currency="EUR",
                reason="correction",
                idempotency_key=key,
            ),
        )
    if kind == "replay" and (previous := pools.pick(rng, "requests")):
        return kind, previous[0], previous[1]
    return None


def test_a_mixed_workload_of_8_workers_keeps_every_invariant(app):
    def setup(world: MoneyWorld):
        agents = [world.agent() for _ in range(AGENTS)]
        return agents, [world.invoice(agent, 10**8) for agent in agents for _ in range(5)]

    agents, invoices = in_app(app, setup)
    pools = Pools()
    races_before = lost_races()

    def work(worker: int, world: MoneyWorld) -> Counter:
        rng = random.Random(worker)
        outcomes = Counter()
        for n in itertools.count():
            if sum(outcomes.values()) == OPERATIONS_PER_WORKER:
                break
            request = _next_request(rng, pools, agents, invoices, f"mixed-{agents[0]}-{worker}-{n}")
            if request is None:
                continue
            kind, command, arguments = request
            try:
                result = until_decided(partial(getattr(world.orchestrator, command), **arguments))
            except errors.DomainError:
                outcomes[f"{kind} refused"] += 1
                continue
            outcomes[kind] += 1
            if kind == "replay":
                assert result.replayed, f"{command} with a used key took effect again"
                continue
            pools.add("requests", (command, arguments))
            if command == "record_payment":
                pools.add("payments", result.payment_id)
                pools.add("commissions", result.commission_id)
            elif command == "request_payout":
                pools.add("payouts", result.payout_id)
        return outcomes

    outcomes = sum(run_threads(app, WORKERS, work), Counter())
    assert sum(outcomes.values()) >= OPERATIONS, outcomes
    races = lost_races() - races_before
    assert races >= MIN_LOST_RACES, f"only {races:.0f} lost races: the workers hardly met, so little was proven"
    for kind in ("pay", "refund", "approve", "payout", "decide", "adjust", "replay"):
        assert outcomes[kind] > 0, f"no successful {kind}: {outcomes}"
    assert_ledger_holds(app)

    def balances(world: MoneyWorld) -> tuple[int, int]:
        session: Session = world.session
        in_wallets = session.scalar(
            sa.select(sa.func.sum(Wallet.available_minor + Wallet.held_minor)).where(Wallet.agent_id.in_(agents))
        )
        credited = session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Commission.amount_minor), 0)).where(
                Commission.agent_id.in_(agents), Commission.status == "credited"
            )
        )
        paid_out = session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Payout.amount_minor), 0)).where(
                Payout.agent_id.in_(agents), Payout.status.in_(("approved", "paid"))
            )
        )
        adjusted = session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(WalletTransaction.available_delta_minor), 0)).where(
                WalletTransaction.agent_id.in_(agents), WalletTransaction.kind == "adjustment"
            )
        )
        return int(in_wallets), int(credited) - int(paid_out) + int(adjusted)

    in_wallets, expected = in_app(app, balances)
    assert in_wallets == expected, "wallets = commissions − clawbacks − payouts + adjustments"


def _racing_writer(times: int):
    """Changes the wallet's version behind the ORM's back, just before its flush writes the wallet.

    The change is made on the unit of work's own connection, so it is undone with
    the attempt: exactly what a lost race looks like to the orchestrator.
    """
    remaining = [times]

    def bump(session, flush_context, instances) -> None:
        wallets = [obj for obj in session.dirty if isinstance(obj, Wallet)]
        if wallets and remaining[0] > 0:
            remaining[0] -= 1
            session.connection().execute(
                sa.text("UPDATE wallet SET version = version + 1 WHERE id = :id"), {"id": wallets[0].id}
            )

    return bump


@pytest.mark.parametrize(("races", "outcome"), [(2, "retried"), (100, "gave up")])
def test_a_concurrent_writer_is_detected_by_the_wallet_version(app, races, outcome):
    def scenario(world: MoneyWorld):
        agent = world.agent()
        world.fund(agent, 5_000)
        listener = _racing_writer(races)
        event.listen(world.session, "before_flush", listener)
        try:
            if outcome == "retried":
                result = world.orchestrator.request_payout(
                    agent_id=agent, amount_minor=2_000, currency="EUR", idempotency_key=f"racy-{agent}"
                )
                return result.wallet_available_minor
            with pytest.raises(errors.ConcurrencyConflict):
                world.orchestrator.request_payout(
                    agent_id=agent, amount_minor=2_000, currency="EUR", idempotency_key=f"racy-{agent}"
                )
            return world.session.scalar(sa.select(Wallet.available_minor).where(Wallet.agent_id == agent))
        finally:
            event.remove(world.session, "before_flush", listener)

    available = in_app(app, scenario)
    assert available == (3_000 if outcome == "retried" else 5_000)
    assert_ledger_holds(app)
