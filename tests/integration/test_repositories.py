"""Read repositories return plain values; write repositories never commit."""

from __future__ import annotations

import dataclasses
from datetime import date

import sqlalchemy as sa

from portal.models import Commission, Invoice, Notification, Payment, Setting, WalletTransaction
from portal.persistence.unit_of_work import Actor, SessionUnitOfWork
from portal.read.agents import AgentFilters, AgentReadRepository
from portal.read.appearance import PortalAppearanceReadRepository
from portal.read.pages import PageRequest
from portal.read.payments import PaymentReadRepository
from portal.read.summaries import AgentFinancialSummaryReadRepository
from portal.repositories.commissions import CommissionRepository
from portal.repositories.invoices import InvoiceRepository
from portal.repositories.notifications import NotificationRepository
from portal.repositories.payments import PaymentRepository
from portal.repositories.settings import SettingsRepository
from portal.repositories.wallets import WalletRepository
from portal.seed.demo import load_demo_data

ACTOR = Actor.system("test")


def test_read_repositories_return_dataclasses_not_orm_objects(db_session):
    load_demo_data(db_session)
    agents = AgentReadRepository(db_session)
    page = agents.page(PageRequest(1, 2))
    assert page.total == 3 and len(page.items) == 2
    profile = agents.by_slug("northwind")
    summary = AgentFinancialSummaryReadRepository(db_session).for_agent(profile.id, profile.currency)
    payments = PaymentReadRepository(db_session).recent_for_agent(profile.id)
    appearance = PortalAppearanceReadRepository(db_session).current(profile.id)
    for value in (page.items[0], profile, summary, payments[0], appearance):
        assert dataclasses.is_dataclass(value), type(value)
    assert summary.collected_minor > 0 and appearance.display_name == "Northwind Partner Hub"
    assert agents.by_slug("nobody") is None


def test_agent_search_treats_wildcards_literally(db_session, make):
    make.agent(slug="percent", name="100% Brokers")
    make.agent(slug="plain", name="Plain Brokers")
    agents = AgentReadRepository(db_session)
    assert [a.slug for a in agents.page(PageRequest(), AgentFilters(search="100%")).items] == ["percent"]
    assert [a.slug for a in agents.page(PageRequest(), AgentFilters(search="%")).items] == ["percent"]
    assert agents.page(PageRequest(), AgentFilters(search="_")).total == 0


def test_an_agent_without_a_summary_row_reads_as_zeroes(db_session, make):
    agent_id = make.agent(currency="GBP")
    summary = AgentFinancialSummaryReadRepository(db_session).for_agent(agent_id, "GBP")
    assert summary.collected_minor == 0 and summary.currency == "GBP"


def test_write_repositories_never_commit(db_session, make):
    agent_id = make.agent()
    counts_before = _counts(db_session)
    with SessionUnitOfWork(db_session, command="uncommitted", actor=ACTOR) as uow:
        invoice = InvoiceRepository(db_session).add(
            Invoice(
                agent_id=agent_id,
                number="W-1",
                customer_name="C",
                amount_minor=500,
                currency="EUR",
                due_date=date(2027, 1, 1),
                status="issued",
            )
        )
        uow.flush()
        payment = PaymentRepository(db_session).add(
            Payment(
                invoice_id=invoice.id,
                agent_id=agent_id,
                amount_minor=100,
                currency="EUR",
                method="card",
                idempotency_key="w-pay",
                recorded_by="t",
            )
        )
        wallets = WalletRepository(db_session)
        wallet = wallets.open(agent_id, "EUR")
        uow.flush()
        CommissionRepository(db_session).add(
            Commission(
                agent_id=agent_id,
                payment_id=payment.id,
                rate_bps=1000,
                base_amount_minor=100,
                amount_minor=10,
                currency="EUR",
            )
        )
        wallets.append(
            WalletTransaction(
                wallet_id=wallet.id,
                agent_id=agent_id,
                kind="adjustment",
                currency="EUR",
                available_delta_minor=10,
                held_delta_minor=0,
                available_after_minor=10,
                held_after_minor=0,
                idempotency_key="w-adj",
                source_type="test",
                actor="t",
                correlation_id="c",
            )
        )
        NotificationRepository(db_session).add(
            Notification(audience="agent", agent_id=agent_id, kind="test", subject="s", body="b")
        )
        SettingsRepository(db_session).put(Setting(name="holding_days", value=14, updated_by="t"))
        uow.flush()
        assert _counts(db_session) != counts_before
        assert PaymentRepository(db_session).get(payment.id) is payment
        assert (
            db_session.scalar(
                sa.select(sa.func.sum(WalletTransaction.available_delta_minor)).where(
                    WalletTransaction.wallet_id == wallet.id
                )
            )
            == 10
        )
    assert _counts(db_session) == counts_before, "leaving the unit of work without commit kept nothing"


def test_notifications_are_masked_before_they_are_stored(db_session, make):
    agent_id = make.agent()
    with SessionUnitOfWork(db_session, command="notify", actor=ACTOR) as uow:
        NotificationRepository(db_session).add(
            Notification(
                audience="agent",
                agent_id=agent_id,
                kind="payment",
                subject="Paid by jo@example.com",
                body="Card 4242 4242 4242 4242 was charged",
            )
        )
        uow.commit()
    stored = db_session.execute(sa.select(Notification.subject, Notification.body)).one()
    assert "jo@example.com" not in stored.subject and "4242 4242 4242 4242" not in stored.body
    assert stored.body == "Card ***4242 was charged"


def _counts(session) -> tuple[int, ...]:
    return tuple(
        session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Invoice, Payment, Commission, WalletTransaction, Notification, Setting)
    )
