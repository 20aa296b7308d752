"""An agent with a long history of every money operation, in random order, made through the orchestrator.

For the wallet's tests: commissions paid and approved, refunds clawing them back (before and after approval),
payouts requested, approved, paid, rejected and cancelled, adjustments up and down; it ends with one payout still
requested and one approved and not paid yet, as a real wallet often does.
"""

from __future__ import annotations

import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, Wallet
from portal.services.accounts import CreateAgentLogin
from tests.support.money import MoneyWorld

BUSY_PASSWORD = "busy-agent-password"


def balance_of(session: Session, agent_id: int) -> tuple[int, int]:
    """What the agent's wallet holds now, available and held (nothing before it exists)."""
    query = sa.select(Wallet.available_minor, Wallet.held_minor).where(Wallet.agent_id == agent_id)
    row = session.execute(query).first()
    return (row.available_minor, row.held_minor) if row else (0, 0)


class BusyAgent:
    """An agent whose wallet sees every money operation, in random order, through the orchestrator."""

    def __init__(self, world: MoneyWorld, rng: random.Random) -> None:
        self.world, self.rng, self.orchestrator = world, rng, world.orchestrator
        self.agent_id = world.agent()
        self.slug = world.session.scalars(sa.select(Agent.slug).where(Agent.id == self.agent_id)).one()
        #: the portal log-in's address
        self.email = f"agent@{self.slug}.example"
        self.refundable: dict[int, int] = {}
        self.pending: list[int] = []
        self.requested: list[int] = []
        self.approved: list[int] = []
        self._keys = iter(range(1, 1_000_000))

    def _key(self) -> str:
        return f"busy-{self.agent_id}-{next(self._keys)}"

    def pay(self) -> None:
        amount = self.rng.randrange(2_000, 300_000)
        invoice_id = self.world.invoice(self.agent_id, amount)
        paid = self.world.pay(invoice_id, self.rng.choice([amount, self.rng.randrange(1_000, amount + 1)]))
        self.refundable[paid.payment_id] = paid.amount_minor
        self.pending.append(paid.commission_id)

    def approve(self) -> None:
        commission_id = self.pending.pop(self.rng.randrange(len(self.pending)))
        self.orchestrator.approve_commission(commission_id=commission_id, idempotency_key=self._key())

    def refund(self) -> None:
        payment_id = self.rng.choice(list(self.refundable))
        amount = self.rng.randrange(1, self.refundable[payment_id] + 1)
        self.orchestrator.refund_payment(payment_id=payment_id, amount_minor=amount, currency="EUR",
                                         reason=f"Refund {self._key()}", idempotency_key=self._key())  # fmt: skip
        self.refundable[payment_id] -= amount
        if not self.refundable[payment_id]:
            del self.refundable[payment_id]

    def request(self) -> None:
        available, _held = balance_of(self.world.session, self.agent_id)
        if available >= 1_000:
            amount = self.rng.randrange(1_000, available + 1)
            paid = self.orchestrator.request_payout(agent_id=self.agent_id, amount_minor=amount, currency="EUR",
                                                    idempotency_key=self._key())  # fmt: skip
            self.requested.append(paid.payout_id)

    def decide(self) -> None:
        payout_id = self.requested.pop(self.rng.randrange(len(self.requested)))
        decision = self.rng.choice(["approve", "reject", "cancel"])
        if decision == "approve":
            self.orchestrator.approve_payout(payout_id=payout_id, idempotency_key=self._key())
            self.approved.append(payout_id)
        elif decision == "reject":
            self.orchestrator.reject_payout(payout_id=payout_id, reason="Bank details missing",
                                            idempotency_key=self._key())  # fmt: skip
        else:
            self.orchestrator.cancel_payout(payout_id=payout_id, agent_id=self.agent_id, idempotency_key=self._key())

    def mark_paid(self) -> None:
        payout_id = self.approved.pop(self.rng.randrange(len(self.approved)))
        self.orchestrator.mark_payout_paid(payout_id=payout_id, idempotency_key=self._key())

    def adjust(self) -> None:
        amount = self.rng.choice([-1, 1]) * self.rng.randrange(100, 5_000)
        self.orchestrator.adjust_wallet(agent_id=self.agent_id, amount_minor=amount, currency="EUR",
                                        reason=f"Correction {self._key()}", confirm_negative=True,
                                        idempotency_key=self._key())  # fmt: skip

    def open_portal_login(self) -> None:
        """A log-in to the agent's portal: ``email`` with ``BUSY_PASSWORD``."""
        self.world.runner.run(
            CreateAgentLogin(idempotency_key=f"busy-login-{self.slug}", agent_id=self.agent_id, email=self.email,
                             full_name="Busy Agent", password=BUSY_PASSWORD)
        )  # fmt: skip

    def leave_open(self) -> None:
        """End as a real wallet often does: one payout still requested, one approved and not paid yet."""
        self.world.fund(self.agent_id, 5_000)
        waiting = [
            self.orchestrator.request_payout(
                agent_id=self.agent_id, amount_minor=1_500, currency="EUR", idempotency_key=self._key()
            ).payout_id
            for _ in range(2)
        ]
        self.orchestrator.approve_payout(payout_id=waiting[0], idempotency_key=self._key())

    def live(self, operations: int) -> None:
        """``operations`` random steps, each one that is possible at the time."""
        for _ in range(operations):
            possible = [self.pay, self.request, self.adjust]
            possible += [self.approve] * 2 if self.pending else []
            possible += [self.refund] if self.refundable else []
            possible += [self.decide] * 2 if self.requested else []
            possible += [self.mark_paid] if self.approved else []
            self.rng.choice(possible)()


def busy_agent(world: MoneyWorld, seed: int, operations: int = 140) -> BusyAgent:
    """A new agent after ``operations`` random steps (the same ones for the same seed), with a portal log-in."""
    agent = BusyAgent(world, random.Random(seed))
    agent.live(operations)
    agent.leave_open()
    agent.open_portal_login()
    return agent
