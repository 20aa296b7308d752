"""Demo data: staff of every role, three branded agents, invoices in every status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.domain.money import apply_rate_half_up
from portal.models import (
    Agent,
    Commission,
    Invoice,
    Payment,
    PortalAppearance,
    User,
    Wallet,
    WalletTransaction,
)
from portal.models.base import utcnow
from portal.persistence.unit_of_work import Actor, UnitOfWork
from portal.security.passwords import hash_password
from portal.services.financial_summary import rebuild_summaries

SEED_ACTOR = Actor.system("seed")


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


STAFF = (
    ("admin", "admin@demo.example", "Ada Admin", "demo-admin-password"),
    ("finance", "finance@demo.example", "Finn Finance", "demo-finance-password"),
    ("viewer", "viewer@demo.example", "Vera Viewer", "demo-viewer-password"),
)

AGENTS = (
    DemoAgent(
        "northwind",
        "Northwind Brokers",
        "hello@northwind.example",
        "+44 20 7946 0958",
        "EUR",
        1000,
        "Northwind Partner Hub",
        "Good to see you. Your invoices, commissions and payouts, all in one place.",
        "#1d3557",
        "#e76f51",
    ),
    DemoAgent(
        "bluebird",
        "Bluebird Travel",
        "team@bluebird.example",
        "+1 415 555 0199",
        "USD",
        750,
        "Bluebird Agent Desk",
        "Safe travels! Here is how your bookings are paying off.",
        "#0f766e",
        "#f4a261",
    ),
    DemoAgent(
        "cedar",
        "Cedar Insurance Agency",
        "office@cedar.example",
        "+44 161 496 0000",
        "GBP",
        1250,
        "Cedar Agency Portal",
        "Welcome back to the Cedar agency portal.",
        "#5b2a86",
        "#2a9d8f",
    ),
)

AGENT_PASSWORD = "demo-agent-password"

# (suffix, status, amount in minor units, paid fraction in percent, days ago issued)
INVOICES = (
    (1, "paid", 250_000, 100, 40),
    (2, "paid", 120_000, 100, 25),
    (3, "partially_paid", 300_000, 40, 12),
    (4, "issued", 180_000, 0, 5),
    (5, "draft", 90_000, 0, 0),
    (6, "void", 60_000, 0, 30),
)


def demo_present(session: Session) -> bool:
    return session.scalar(sa.select(sa.func.count(User.id)).where(User.email == STAFF[0][1])) > 0


def demo_logins() -> list[DemoLogin]:
    logins = [DemoLogin(role, email, password, "/dashboard/") for role, email, _, password in STAFF]
    logins += [
        DemoLogin("agent", f"agent@{agent.slug}.example", AGENT_PASSWORD, f"/portal/{agent.slug}/")
        for agent in AGENTS
    ]
    return logins


def load_demo_data(session: Session, correlation_id: str | None = None) -> bool:
    """Add the demo data once; returns False (adding nothing) when it is already there."""
    if demo_present(session):
        return False
    with UnitOfWork(session, command="seed_demo", actor=SEED_ACTOR, correlation_id=correlation_id) as uow:
        for role, email, full_name, password in STAFF:
            session.add(
                User(email=email, full_name=full_name, role=role, password_hash=hash_password(password))
            )
        agent_password_hash = hash_password(AGENT_PASSWORD)
        agent_ids = [_add_agent(session, spec, agent_password_hash, uow.correlation_id) for spec in AGENTS]
        session.flush()
        rebuild_summaries(session, agent_ids)
        uow.commit()
    return True


def _add_agent(session: Session, spec: DemoAgent, password_hash: str, correlation_id: str) -> int:
    agent = Agent(
        slug=spec.slug,
        name=spec.name,
        email=spec.email,
        phone=spec.phone,
        commission_rate_bps=spec.rate_bps,
        currency=spec.currency,
    )
    session.add(agent)
    session.flush()
    session.add(
        User(
            email=f"agent@{spec.slug}.example",
            full_name=f"{spec.name} (agent)",
            role="agent",
            agent_id=agent.id,
            password_hash=password_hash,
        )
    )
    session.add(
        PortalAppearance(
            agent_id=agent.id,
            version=1,
            display_name=spec.display_name,
            welcome_text=spec.welcome_text,
            primary_color=spec.primary,
            accent_color=spec.accent,
            created_by=str(SEED_ACTOR),
        )
    )
    wallet = Wallet(agent_id=agent.id, currency=spec.currency, available_minor=0, held_minor=0)
    session.add(wallet)
    session.flush()
    now = utcnow()
    for suffix, status, amount, paid_percent, days_ago in INVOICES:
        issued = now - timedelta(days=days_ago)
        invoice = Invoice(
            agent_id=agent.id,
            number=f"{spec.slug[:3].upper()}-{suffix:05d}",
            customer_name=f"Customer {suffix} of {spec.name}",
            customer_email=f"billing{suffix}@customer.example",
            description="Policy and booking fees",
            amount_minor=amount,
            currency=spec.currency,
            due_date=(issued + timedelta(days=30)).date()
            if status != "draft"
            else date.today() + timedelta(days=30),
            status=status,
            issued_at=issued if status not in ("draft",) else None,
            voided_at=issued + timedelta(days=1) if status == "void" else None,
            paid_minor=amount * paid_percent // 100,
        )
        session.add(invoice)
        session.flush()
        if invoice.paid_minor:
            _add_payment(
                session,
                agent,
                wallet,
                invoice,
                issued + timedelta(days=2),
                credited=days_ago > 20,
                correlation_id=correlation_id,
            )
    return agent.id


def _add_payment(
    session: Session,
    agent: Agent,
    wallet: Wallet,
    invoice: Invoice,
    received_at: datetime,
    credited: bool,
    correlation_id: str,
) -> None:
    payment = Payment(
        invoice_id=invoice.id,
        agent_id=agent.id,
        amount_minor=invoice.paid_minor,
        currency=invoice.currency,
        method="card" if invoice.id % 2 else "bank_transfer",
        instrument_last4="4242" if invoice.id % 2 else "6789",
        external_reference=f"demo-{invoice.number}",
        idempotency_key=f"demo-payment-{invoice.number}",
        received_at=received_at,
        recorded_by=str(SEED_ACTOR),
    )
    session.add(payment)
    session.flush()
    amount = apply_rate_half_up(payment.amount_minor, agent.commission_rate_bps)
    commission = Commission(
        agent_id=agent.id,
        payment_id=payment.id,
        kind="commission",
        rate_bps=agent.commission_rate_bps,
        base_amount_minor=payment.amount_minor,
        amount_minor=amount,
        currency=payment.currency,
        status="credited" if credited else "pending",
        created_at=received_at,
        approved_at=received_at + timedelta(days=14) if credited else None,
        approved_by=str(SEED_ACTOR) if credited else None,
        credited_at=received_at + timedelta(days=14) if credited else None,
    )
    session.add(commission)
    session.flush()
    if credited and amount:
        wallet.available_minor += amount
        session.add(
            WalletTransaction(
                wallet_id=wallet.id,
                agent_id=agent.id,
                kind="commission_credit",
                currency=wallet.currency,
                available_delta_minor=amount,
                held_delta_minor=0,
                available_after_minor=wallet.available_minor,
                held_after_minor=wallet.held_minor,
                idempotency_key=f"demo-credit-{commission.id}",
                source_type="commission",
                source_id=commission.id,
                actor=str(SEED_ACTOR),
                correlation_id=correlation_id,
                created_at=commission.credited_at,
            )
        )
