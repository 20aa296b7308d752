"""Monthly statements: for every agent of generated data and every month, the closing balance is the ledger's."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal import data_access
from portal.models import Agent, AuditEvent, User, Wallet, WalletTransaction
from portal.read.statements import Month
from portal.web.months import last_full_month, statement_month
from tests.functional.dashboard_support import load_demo, log_in_as
from tests.support.ledger_history import LedgerHistory

MONTHS = [Month(2023, 12), *(Month(2024, number) for number in range(1, 7))]


def _ledger_at(session, agent_id: int, moment: datetime) -> tuple[int, int]:
    """Available and held at ``moment``, added up from every ledger entry before it (not from its after-balances)."""
    entry = WalletTransaction
    available, held = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(entry.available_delta_minor), 0),
                  sa.func.coalesce(sa.func.sum(entry.held_delta_minor), 0))
        .where(entry.agent_id == agent_id, entry.created_at < moment)
    ).one()  # fmt: skip
    return int(available), int(held)


@pytest.fixture
def history(app, db_session):
    with app.app_context():
        generated = LedgerHistory(db_session)
        agents = [generated.agent() for _ in range(4)] + [generated.agent(quiet_month=3, movements=24)]
    return agents


def test_closing_balance_is_the_ledgers_at_the_end_of_every_month_for_every_generated_agent(app, db_session, history):
    kinds_seen = set()
    with app.test_request_context():
        for agent_id in history:
            agent = data_access.agent_by_id(agent_id)
            previous = None
            for month in MONTHS:
                statement = data_access.agent_statement(agent, month)
                assert statement.opening.total_minor + statement.lines_minor == statement.closing.total_minor
                closing = (statement.closing.available_minor, statement.closing.held_minor)
                assert closing == _ledger_at(db_session, agent_id, month.ends), (agent_id, month)
                assert (statement.opening.available_minor, statement.opening.held_minor) == _ledger_at(
                    db_session, agent_id, month.starts
                )
                if previous is not None:
                    assert statement.opening == previous.closing, (agent_id, month)
                assert all(month.starts <= line.at < month.ends for line in statement.lines)
                assert statement.lines_minor == (
                    statement.commissions_minor + statement.clawbacks_minor + statement.payouts_minor
                    + statement.adjustments_minor
                )  # fmt: skip
                kinds_seen |= {line.kind for line in statement.lines}
                previous = statement
            wallet = db_session.scalar(sa.select(Wallet).where(Wallet.agent_id == agent_id))
            assert previous.closing.total_minor == wallet.available_minor + wallet.held_minor
    assert kinds_seen == {"commission_credit", "clawback", "payout_debit", "adjustment"}, "the data moved every way"


def test_a_movement_on_a_months_first_instant_belongs_to_that_month(app, db_session, history):
    first_of_february = datetime(2024, 2, 1, tzinfo=UTC)
    entry = db_session.scalars(
        sa.select(WalletTransaction).where(WalletTransaction.created_at == first_of_february).limit(1)
    ).first()
    assert entry is not None, "the history moves money on the first instant of February"
    with app.test_request_context():
        agent = data_access.agent_by_id(entry.agent_id)
        january = data_access.agent_statement(agent, Month(2024, 1))
        february = data_access.agent_statement(agent, Month(2024, 2))
    assert entry.id not in {line.entry_id for line in january.lines}
    if entry.kind in ("commission_credit", "clawback", "payout_debit", "adjustment"):
        assert entry.id in {line.entry_id for line in february.lines}


def _agent_user(make, db_session, agent_id: int) -> str:
    user_id = make.user("agent", agent_id=agent_id)
    return db_session.get(User, user_id).email


def test_the_agent_reads_its_statement_and_its_csv_adds_up(app, client, auth, make, db_session, history):
    agent_id = history[0]
    slug = db_session.get(Agent, agent_id).slug
    auth.login(_agent_user(make, db_session, agent_id))
    with app.test_request_context():
        statement = data_access.agent_statement(data_access.agent_by_id(agent_id), Month(2024, 2))
    page = client.get(f"/portal/{slug}/statement?month=2024-02")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "February 2024" in html
    for line in statement.commissions:
        assert f'id="entry-{line.entry_id}"' in html and line.invoice_number in html
    assert 'class="table table--stack' in html
    download = client.get(f"/portal/{slug}/statement.csv?month=2024-02")
    assert download.headers["Content-Disposition"] == f"attachment; filename={slug}-statement-2024-02.csv"
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0]["Line"] == "Opening balance" and rows[-1]["Line"] == "Closing balance"
    lines = sum(Decimal(row["Amount"]) for row in rows[1:-1])
    assert Decimal(rows[0]["Amount"]) + lines == Decimal(rows[-1]["Amount"])
    assert Decimal(rows[-1]["Amount"]) == Decimal(statement.closing.total_minor).scaleb(-2)
    assert len(rows) == len(statement.lines) + 2
    event = db_session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert (event.entity_type, event.entity_id, event.agent_id) == ("Export", "portal.statement", agent_id)
    assert event.after["filters"] == {"month": "2024-02"}


def test_a_month_without_activity_shows_the_empty_state_with_its_balances(app, client, auth, make, db_session, history):
    agent_id = history[-1]
    slug = db_session.get(Agent, agent_id).slug
    auth.login(_agent_user(make, db_session, agent_id))
    with app.test_request_context():
        march = data_access.agent_statement(data_access.agent_by_id(agent_id), Month(2024, 3))
        formatted = data_access.agent_statement(data_access.agent_by_id(agent_id), Month(2024, 2)).closing
    assert march.empty and march.opening == march.closing == formatted
    html = client.get(f"/portal/{slug}/statement?month=2024-03").get_data(as_text=True)
    assert "No activity in March 2024" in html
    total = f"{Decimal(march.closing.total_minor).scaleb(-2):,.2f}"
    assert html.count(total) >= 2, "the opening and the closing balance are shown"
    assert 'id="statement-commissions"' not in html


def test_the_statement_opens_on_the_last_full_month_and_refuses_nothing(app):
    today = date(2025, 3, 14)
    assert last_full_month(today) == Month(2025, 2)
    assert last_full_month(date(2025, 1, 2)) == Month(2024, 12)
    for junk in ("", "2025-13", "2025-3", "1999-12", "2025-04", "9999-01", "abcd-ef", "2025-02-01", "２０２５-01"):
        assert statement_month({"month": junk}, today) == Month(2025, 2), junk
    assert statement_month({"month": "2025-03"}, today) == Month(2025, 3)
    assert statement_month({"month": "2000-01"}, today) == Month(2000, 1)


def test_staff_read_any_agents_statement_and_an_agent_nobody_elses(app, client, auth, db_session):
    ids = load_demo(app, db_session)
    log_in_as(client, "viewer")
    page = client.get(f"/dashboard/agents/{ids['agent_id']}/statement")
    assert page.status_code == 200 and "Statement of" in page.get_data(as_text=True)
    download = client.get(f"/dashboard/agents/{ids['agent_id']}/statement.csv?month=2024-01")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.get_data(as_text=True).startswith("Line,When,")
    assert client.get("/dashboard/agents/999999/statement").status_code == 404
    auth.logout("/dashboard/")
    log_in_as(client, "agent")
    assert client.get("/portal/bluebird/statement").status_code == 404
    assert client.get("/portal/bluebird/statement.csv").status_code == 404
    assert client.get("/portal/northwind/statement").status_code == 200
