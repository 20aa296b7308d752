"""Demo data is complete and idempotent; scale data is consistent and quick to make."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.models import (
    Agent,
    AgentFinancialSummary,
    AuditEvent,
    Invoice,
    Payment,
    User,
    Wallet,
    WalletTransaction,
)
from portal.models.billing import INVOICE_STATUSES
from portal.persistence.audit_chain import verify_chain
from portal.persistence.audit_events import chain_key
from portal.read.appearance import PortalAppearanceReadRepository
from portal.seed import scale
from portal.seed.demo import load_demo_data
from portal.seed.scale import INVOICES_PER_AGENT, Depth, load_scale_data
from portal.services.financial_summary import compute_summaries
from portal.services.ledger_verification import verify_ledger
from tests.support.money import MoneyWorld


def _row_counts(session) -> dict[str, int]:
    return {
        model.__name__: session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Agent, User, Invoice, Payment, WalletTransaction)
    }


def test_demo_data_has_every_role_three_branded_agents_and_every_invoice_status(db_session):
    assert load_demo_data(db_session) is True
    roles = set(db_session.scalars(sa.select(User.role)))
    assert roles == {"admin", "finance", "viewer", "agent"}
    repository = PortalAppearanceReadRepository(db_session)
    current = [repository.current(agent_id) for agent_id in db_session.scalars(sa.select(Agent.id))]
    assert len(current) == 3
    assert len({a.primary_color for a in current}) == 3 and len({a.display_name for a in current}) == 3
    assert set(db_session.scalars(sa.select(Invoice.status))) == set(INVOICE_STATUSES)
    assert db_session.scalar(sa.select(sa.func.count(Payment.id))) >= 3
    agent_users = db_session.scalar(sa.select(sa.func.count(User.id)).where(User.role == "agent"))
    assert agent_users == 3


def test_demo_data_loads_once(db_session):
    load_demo_data(db_session)
    counts = _row_counts(db_session)
    assert load_demo_data(db_session) is False
    assert _row_counts(db_session) == counts


def test_demo_data_is_audited_and_consistent(db_session):
    load_demo_data(db_session)
    assert verify_chain(db_session, chain_key()).holds
    _assert_consistent(db_session)


def test_scale_data_is_consistent_with_every_invariant(db_session):
    report = load_scale_data(db_session, 25, seed=3)
    assert report.agents == 25 and report.invoices == 25 * INVOICES_PER_AGENT
    assert report.payments > 0 and report.ledger_entries > 0
    _assert_consistent(db_session)
    assert verify_chain(db_session, chain_key()).holds


def test_scale_data_can_be_added_twice(db_session):
    load_scale_data(db_session, 3)
    load_scale_data(db_session, 3)
    assert db_session.scalar(sa.select(sa.func.count(Agent.id))) == 6


def test_scale_data_goes_as_deep_as_asked_in_chunks_and_every_invariant_holds(db_session, monkeypatch):
    monkeypatch.setattr(scale, "CHUNK", 4)
    chunks_written = []
    depth = Depth(ledger_per_agent=7, audit_per_agent=3)
    report = load_scale_data(db_session, 10, seed=5, depth=depth, on_progress=chunks_written.append)
    assert chunks_written == [4, 4, 2], "written chunk by chunk, each reported"
    adjustments = db_session.scalar(sa.select(sa.func.count()).where(WalletTransaction.kind == "adjustment"))
    assert adjustments == 10 * 7
    events = db_session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    rows = report.agents + report.invoices + report.payments + report.commissions + 10 + report.ledger_entries
    assert events == report.audit_events == rows + 10 * 7 + 10 * 3, "each row, each wallet update, each edit"
    assert all(w.available_minor >= 0 and w.version == 8 for w in db_session.scalars(sa.select(Wallet)))
    assert verify_ledger(db_session, chain_key()).holds
    _assert_consistent(db_session)


def test_after_scale_data_the_application_numbers_its_rows_after_it(db_session):
    load_scale_data(db_session, 3, depth=Depth(ledger_per_agent=2))
    world = MoneyWorld(db_session)
    agent = world.agent()
    invoice = world.invoice(agent, 10_000)
    world.pay(invoice, 10_000)
    assert agent > 3 and db_session.get(Agent, agent).slug
    assert verify_ledger(db_session, chain_key()).holds


def _assert_consistent(session) -> None:
    # invariant 1: wallet balances equal the sums of their ledger entries
    for wallet in session.scalars(sa.select(Wallet)):
        available, held = session.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(WalletTransaction.available_delta_minor), 0),
                sa.func.coalesce(sa.func.sum(WalletTransaction.held_delta_minor), 0),
            ).where(WalletTransaction.wallet_id == wallet.id)
        ).one()
        assert (wallet.available_minor, wallet.held_minor) == (available, held)
    # invariant 3: an invoice's paid amount is its payments net of refunds
    paid = dict(
        session.execute(
            sa.select(Payment.invoice_id, sa.func.sum(Payment.amount_minor - Payment.refunded_minor)).group_by(
                Payment.invoice_id
            )
        ).all()
    )
    for invoice in session.scalars(sa.select(Invoice)):
        assert invoice.paid_minor == paid.get(invoice.id, 0), invoice.number
    # invariant 6: the stored summaries equal a rebuild
    computed = compute_summaries(session)
    for row in session.scalars(sa.select(AgentFinancialSummary)):
        expected = computed[row.agent_id]
        assert (
            row.collected_minor,
            row.outstanding_minor,
            row.wallet_available_minor,
            row.last_payment_at,
        ) == (
            expected.collected_minor,
            expected.outstanding_minor,
            expected.wallet_available_minor,
            expected.last_payment_at,
        )
    assert session.scalar(sa.select(sa.func.count()).select_from(AgentFinancialSummary)) == len(computed)


def test_seed_cli_prints_the_demo_logins_and_is_idempotent(app, db_session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded." in first.output
    assert "admin@demo.example" in first.output and "demo-admin-password" in first.output
    assert "agent@cedar.example" in first.output
    second = runner.invoke(args=["seed", "--demo"])
    assert "already present: nothing added" in second.output


def test_seed_cli_scale_reports_what_it_made(app, db_session):
    result = app.test_cli_runner().invoke(args=["seed", "--scale", "4", "--ledger-per-agent", "2"])
    assert result.exit_code == 0, result.output
    assert "Generated 4 agents, 40 invoices" in result.output
    assert re.search(r"\d+ ledger entries in [\d.]+s; the audit trail holds [\d,]+ events", result.output)
    assert "Generating agents" in result.output


def test_seed_cli_needs_a_choice(app, db_session):
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 2 and "choose --demo or --scale N" in result.output
