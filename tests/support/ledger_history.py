"""Agents with months of random money movements, made through the real commands at times a test clock sets.

Every kind of ledger entry happens: commissions credited, refunds clawing back (credited or still pending
commissions), payouts requested then approved, rejected or cancelled (some across a month's end), adjustments up
and down; one movement lands exactly on a month's first instant and one a microsecond before it, and a month can
be left without any.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from portal.domain import errors
from portal.models import Wallet
from tests.support.money import MoneyWorld

START = datetime(2024, 1, 1, tzinfo=UTC)
MOVES = ("pay", "pay", "approve", "approve", "refund", "payout", "decide", "decide", "adjust")
_keys = itertools.count(1)


class TestClock:
    """The time every command of the world runs at; the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _key(what: str) -> str:
    return f"history-{what}-{next(_keys)}"


class LedgerHistory:
    """Builds each agent's history, one random movement after another, the clock moving on between them."""

    def __init__(self, session, seed: int = 16) -> None:
        self.session = session
        self.clock = TestClock(START)
        self.world = MoneyWorld(session, clock=self.clock)
        self.orchestrator = self.world.orchestrator
        self.rng = random.Random(seed)

    def agent(self, months: int = 4, movements: int = 36, quiet_month: int | None = None) -> int:
        """An agent with about ``movements`` from January 2024 over ``months`` (up to 11), none in ``quiet_month``."""
        agent_id = self.world.agent()
        span = datetime(2024, 1 + months, 1, tzinfo=UTC) - START
        february = START.replace(month=2)
        moments = [START + span * self.rng.random() for _ in range(movements)]
        moments += [february, february - timedelta.resolution]
        self._pending: list[int] = []
        self._payments: list[tuple[int, int]] = []
        self._requested: list[int] = []
        for moment in sorted(moments):
            if moment.month == quiet_month:
                continue
            self.clock.now = moment
            try:
                self._move(agent_id, self.rng.choice(MOVES))
            except errors.DomainError:
                continue
        return agent_id

    def _move(self, agent_id: int, move: str) -> None:
        rng, orchestrator = self.rng, self.orchestrator
        if move == "pay" or (move == "approve" and not self._pending):
            amount = rng.randrange(5_000, 200_000)
            paid = self.world.pay(self.world.invoice(agent_id, amount), amount)
            self._pending.append(paid.commission_id)
            self._payments.append((paid.payment_id, amount))
        elif move == "approve":
            commission_id = self._pending.pop(rng.randrange(len(self._pending)))
            orchestrator.approve_commission(commission_id=commission_id, idempotency_key=_key("approve"))
        elif move == "refund" and self._payments:
            payment_id, amount = self._payments.pop(rng.randrange(len(self._payments)))
            orchestrator.refund_payment(
                payment_id=payment_id, amount_minor=rng.randrange(1, amount + 1), currency="EUR",
                reason="Customer returned it", idempotency_key=_key("refund"),
            )  # fmt: skip
        elif move == "payout":
            available = self.session.scalar(sa.select(Wallet.available_minor).where(Wallet.agent_id == agent_id)) or 0
            if available >= 1_000:
                requested = orchestrator.request_payout(
                    agent_id=agent_id, amount_minor=rng.randrange(1_000, available + 1), currency="EUR",
                    idempotency_key=_key("payout"),
                )  # fmt: skip
                self._requested.append(requested.payout_id)
        elif move == "decide" and self._requested:
            self._decide(agent_id, self._requested.pop(0), rng.choice(("approve", "approve", "reject", "cancel")))
        elif move == "adjust":
            orchestrator.adjust_wallet(
                agent_id=agent_id, amount_minor=rng.choice((-1, 1)) * rng.randrange(100, 5_000), currency="EUR",
                reason="Correction", confirm_negative=True, idempotency_key=_key("adjust"),
            )  # fmt: skip

    def _decide(self, agent_id: int, payout_id: int, decision: str) -> None:
        if decision == "approve":
            self.orchestrator.approve_payout(payout_id=payout_id, idempotency_key=_key("approve-payout"))
        elif decision == "reject":
            self.orchestrator.reject_payout(payout_id=payout_id, reason="Bank details missing",
                                            idempotency_key=_key("reject"))  # fmt: skip
        else:
            self.orchestrator.cancel_payout(payout_id=payout_id, agent_id=agent_id, idempotency_key=_key("cancel"))
