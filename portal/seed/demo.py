"""Demo data: staff of every role, three branded agents, and a few weeks of real activity.

Everything goes through the same services and FinancialOrchestrator commands
as the product, so the demo data keeps every invariant and its audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import PortalAppearance, User
from portal.models.base import utcnow
from portal.persistence.unit_of_work import Actor, UnitOfWork
from portal.security.passwords import hash_password
from portal.services.agents import AgentDraft, create_agent
from portal.services.financial_orchestrator import CommandContext, FinancialOrchestrator
from portal.services.invoicing import InvoiceDraft, create_invoice, issue_invoice, void_invoice

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
        "#0f766e", "#f4a261", "requested",
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
    return session.scalar(sa.select(sa.func.count(User.id)).where(User.email == STAFF[0][1])) > 0


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

    def unit(command: str, reason: str | None = None) -> UnitOfWork:
        return UnitOfWork(session, command=command, actor=SEED_ACTOR, correlation_id=correlation_id, reason=reason)

    with unit("seed_demo_staff") as uow:
        for role, email, full_name, password in STAFF:
            session.add(User(email=email, full_name=full_name, role=role, password_hash=hash_password(password)))
        uow.commit()
    agent_password_hash = hash_password(AGENT_PASSWORD)
    for spec in AGENTS:
        _add_agent_story(session, unit, spec, agent_password_hash, correlation_id)
    return True


def _add_agent_story(session, unit, spec: DemoAgent, password_hash: str, correlation_id: str | None) -> None:
    clock = DemoClock(utcnow() - timedelta(days=60))
    orchestrator = FinancialOrchestrator.for_session(
        session, CommandContext(actor=SEED_ACTOR, correlation_id=correlation_id), clock=clock
    )
    agent_id = create_agent(
        unit("create_agent"),
        AgentDraft(spec.slug, spec.name, spec.email, spec.rate_bps, spec.currency, spec.phone),
    )
    with unit("seed_demo_branding") as uow:
        session.add(
            User(
                email=f"agent@{spec.slug}.example",
                full_name=f"{spec.name} (agent)",
                role="agent",
                agent_id=agent_id,
                password_hash=password_hash,
            )
        )
        session.add(
            PortalAppearance(
                agent_id=agent_id,
                version=2,
                display_name=spec.display_name,
                welcome_text=spec.welcome_text,
                primary_color=spec.primary,
                accent_color=spec.accent,
                created_by=str(SEED_ACTOR),
            )
        )
        uow.commit()

    for n, (customer, amount, story) in enumerate(INVOICES, start=1):
        key = f"demo-{spec.slug}-{n}"
        invoice_id = create_invoice(
            unit("create_invoice"),
            InvoiceDraft(
                agent_id,
                customer,
                amount,
                spec.currency,
                (clock() + timedelta(days=30)).date(),
                customer_email=f"billing@{customer.split()[0].lower()}.example",
                description="Placement fees",
            ),
        )
        clock.advance(1)
        if story == "draft":
            continue
        issue_invoice(unit("issue_invoice"), invoice_id, clock=clock)
        if story == "void":
            void_invoice(unit("void_invoice", reason="Raised twice by mistake"), invoice_id, clock=clock)
            continue
        if story == "issued":
            continue
        clock.advance(3)
        paid = amount if story.startswith("paid") else amount * 40 // 100
        payment = orchestrator.record_payment(
            invoice_id=invoice_id,
            amount_minor=paid,
            currency=spec.currency,
            method="card" if n % 2 else "bank_transfer",
            instrument="4242 4242 4242 4242" if n % 2 else "GB82 WEST 1234 5698 7654 32",
            external_reference=f"PSP-{spec.slug[:3].upper()}-{n:04d}",
            idempotency_key=f"{key}-payment",
        )
        if story.startswith("paid_"):
            clock.advance(14)
            orchestrator.approve_commission(commission_id=payment.commission_id, idempotency_key=f"{key}-approve")
        if story == "paid_credited_then_partly_refunded":
            clock.advance(2)
            orchestrator.refund_payment(
                payment_id=payment.payment_id,
                amount_minor=paid // 4,
                currency=spec.currency,
                reason="Customer cancelled one booking",
                idempotency_key=f"{key}-refund",
            )
    _payout_story(orchestrator, clock, agent_id, spec)  # fmt: skip


def _payout_story(orchestrator: FinancialOrchestrator, clock: DemoClock, agent_id: int, spec: DemoAgent) -> None:
    clock.advance(1)
    payout = orchestrator.request_payout(
        agent_id=agent_id, amount_minor=10_000, currency=spec.currency,
        idempotency_key=f"demo-{spec.slug}-payout",
    )  # fmt: skip
    clock.advance(1)
    if spec.payout_outcome == "approved":
        orchestrator.approve_payout(payout_id=payout.payout_id, idempotency_key=f"demo-{spec.slug}-payout-ok")
    elif spec.payout_outcome == "rejected":
        orchestrator.reject_payout(
            payout_id=payout.payout_id, reason="Bank details need to be confirmed first",
            idempotency_key=f"demo-{spec.slug}-payout-no",
        )  # fmt: skip
