"""Demo data: staff of every role, three branded agents, and a few weeks of real activity.

Everything goes through the same commands as the product (run by the same
runner, on a clock that starts weeks ago), so the demo data keeps every
invariant and its audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from portal.commands.runner import CommandRunner
from portal.models import User
from portal.models.base import utcnow
from portal.models.user import Role
from portal.models.wallet import PayoutDecision
from portal.persistence.context import Actor, CommandContext
from portal.services.accounts import CreateAgentLogin, CreateStaffUser
from portal.services.agents import CreateAgent
from portal.services.appearance import AppearanceDraft, SaveAppearance
from portal.services.invoicing import CreateInvoice, IssueInvoice, VoidInvoice
from portal.services.money.commands import ApproveCommission, DecidePayout, RecordPayment, RefundPayment, RequestPayout
from portal.services.running import command_runner

SEED_ACTOR = Actor.system("seed")
AGENT_PASSWORD = "demo-agent-password"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    lands_on: str


@dataclass(frozen=True)
class DemoAgent:
    slug: str
    name: str
    email: str
    phone: str
    currency: str
    rate_bps: int
    display_name: str
    welcome_text: str
    primary: str
    accent: str
    payout_outcome: str


STAFF = (
    ("admin", "admin@demo.example", "Ada Admin", "demo-admin-password"),
    ("finance", "finance@demo.example", "Finn Finance", "demo-finance-password"),
    ("viewer", "viewer@demo.example", "Vera Viewer", "demo-viewer-password"),
)

AGENTS = (
    DemoAgent(
        "northwind", "Northwind Brokers", "hello@northwind.example", "+44 20 7946 0958", "EUR", 1000,
        "Northwind Partner Hub", "Good to see you. Your invoices, commissions and payouts, all in one place.",
        "#1d3557", "#e76f51", "approved",
    ),
    DemoAgent(
        "bluebird", "Bluebird Travel", "team@bluebird.example", "+1 415 555 0199", "USD", 750,
        "Bluebird Agent Desk", "Safe travels! Here is how your bookings are paying off.",
        "#0f766e", "#ec7210", "requested",
    ),
    DemoAgent(
        "cedar", "Cedar Insurance Agency", "office@cedar.example", "+44 161 496 0000", "GBP", 1250,
        "Cedar Agency Portal", "Welcome back to the Cedar agency portal.",
        "#5b2a86", "#2a9d8f", "rejected",
    ),
)  # fmt: skip

# (customer, amount in minor units, what happens to it)
INVOICES = (
    ("Harbour Logistics", 250_000, "paid_and_credited"),
    ("Meadow Dental", 120_000, "paid_credited_then_partly_refunded"),
    ("Quayside Hotels", 300_000, "partly_paid"),
    ("Lumen Studio", 180_000, "issued"),
    ("Granite Works", 90_000, "draft"),
    ("Orchid Florists", 60_000, "void"),
)


class DemoClock:
    """A clock that starts weeks ago and moves forward as the story unfolds."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: float) -> None:
        self.now += timedelta(days=days)


def demo_present(session: Session) -> bool:
    return (session.scalar(sa.select(sa.func.count(User.id)).where(User.email == STAFF[0][1])) or 0) > 0


def demo_logins() -> list[DemoLogin]:
    logins = [DemoLogin(role, email, password, "/dashboard/") for role, email, _, password in STAFF]
    logins += [
        DemoLogin("agent", f"agent@{agent.slug}.example", AGENT_PASSWORD, f"/portal/{agent.slug}/") for agent in AGENTS
    ]
    return logins


def load_demo_data(session: Session, correlation_id: str | None = None) -> bool:
    """Add the demo data once; returns False (adding nothing) when it is already there."""
    if demo_present(session):
        return False
    clock = DemoClock(utcnow() - timedelta(days=60))
    runner = command_runner(current_app, session, CommandContext(SEED_ACTOR, correlation_id), clock=clock)
    for role, email, full_name, password in STAFF:
        runner.run(
            CreateStaffUser(
                idempotency_key=f"demo-staff-{role}", email=email, full_name=full_name, role=Role(role),
                password=password,
            )
        )  # fmt: skip
    for spec in AGENTS:
        clock.now = utcnow() - timedelta(days=60)
        _add_agent_story(runner, clock, spec)
    return True


def _add_agent_story(runner: CommandRunner, clock: DemoClock, spec: DemoAgent) -> None:
    agent_id = runner.run(
        CreateAgent(
            idempotency_key=f"demo-{spec.slug}", slug=spec.slug, agent_name=spec.name, email=spec.email,
            commission_rate_bps=spec.rate_bps, currency=spec.currency, phone=spec.phone,
        )
    ).agent_id  # fmt: skip
    runner.run(
        CreateAgentLogin(
            idempotency_key=f"demo-{spec.slug}-login", agent_id=agent_id, email=f"agent@{spec.slug}.example",
            full_name=f"{spec.name} (agent)", password=AGENT_PASSWORD,
        )
    )  # fmt: skip
    runner.run(
        SaveAppearance(
            idempotency_key=f"demo-{spec.slug}-branding", agent_id=agent_id,
            draft=AppearanceDraft(spec.display_name, spec.welcome_text, spec.primary, spec.accent),
        )
    )  # fmt: skip
    for n, (customer, amount, story) in enumerate(INVOICES, start=1):
        key = f"demo-{spec.slug}-{n}"
        invoice_id = runner.run(
            CreateInvoice(
                idempotency_key=key, agent_id=agent_id, customer_name=customer, amount_minor=amount,
                currency=spec.currency, due_date=(clock() + timedelta(days=30)).date(),
                customer_email=f"billing@{customer.split()[0].lower()}.example", description="Placement fees",
                confirm_repeat=True,
            )
        ).invoice_id  # fmt: skip
        clock.advance(1)
        if story == "draft":
            continue
        runner.run(IssueInvoice(idempotency_key=f"{key}-issue", invoice_id=invoice_id))
        if story == "void":
            runner.run(
                VoidInvoice(idempotency_key=f"{key}-void", invoice_id=invoice_id, reason="Raised twice by mistake")
            )
            continue
        if story == "issued":
            continue
        clock.advance(3)
        paid = amount if story.startswith("paid") else amount * 40 // 100
        payment = runner.run(
            RecordPayment(
                idempotency_key=f"{key}-payment", invoice_id=invoice_id, amount_minor=paid, currency=spec.currency,
                method="card" if n % 2 else "bank_transfer", instrument_last4="4242" if n % 2 else "5432",
                external_reference=f"PSP-{spec.slug[:3].upper()}-{n:04d}",
            )
        )  # fmt: skip
        if story.startswith("paid_"):
            clock.advance(14)
            runner.run(ApproveCommission(idempotency_key=f"{key}-approve", commission_id=payment.commission_id))
        if story == "paid_credited_then_partly_refunded":
            clock.advance(2)
            runner.run(
                RefundPayment(
                    idempotency_key=f"{key}-refund", payment_id=payment.payment_id, amount_minor=paid // 4,
                    currency=spec.currency, reason="Customer cancelled one booking",
                )
            )  # fmt: skip
    _payout_story(runner, clock, agent_id, spec)


def _payout_story(runner: CommandRunner, clock: DemoClock, agent_id: int, spec: DemoAgent) -> None:
    clock.advance(1)
    payout = runner.run(
        RequestPayout(
            idempotency_key=f"demo-{spec.slug}-payout", agent_id=agent_id, amount_minor=10_000, currency=spec.currency
        )
    )
    clock.advance(1)
    if spec.payout_outcome == "approved":
        runner.run(
            DecidePayout(
                idempotency_key=f"demo-{spec.slug}-payout-ok", payout_id=payout.payout_id,
                decision=PayoutDecision.APPROVE,
            )
        )  # fmt: skip
    elif spec.payout_outcome == "rejected":
        runner.run(
            DecidePayout(
                idempotency_key=f"demo-{spec.slug}-payout-no", payout_id=payout.payout_id,
                decision=PayoutDecision.REJECT, reason="Bank details need to be confirmed first",
            )
        )  # fmt: skip
