"""The overdue list reads its page from its own partial index on PostgreSQL: one page of rows, however many invoices.

Among 60,000 invoices (most of them paid, thousands overdue) the planner, left to itself, walks
``ix_invoice_payable_due_date`` in order and stops after the page: no sort, no scan of the other invoices, and
the list's count stops at its cap.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.models.base import utcnow
from portal.read.invoices import OVERDUE, InvoiceFilters, InvoiceReadRepository
from portal.read.pages import EXACT_UP_TO, Cursor, PageRequest

pytestmark = pytest.mark.postgresql_only

INVOICES = 60_000
TODAY = utcnow().date()


@pytest.fixture
def app(postgres_app):
    return postgres_app


def _fill(session, agent_id: int) -> None:
    """Invoices due over two years around today: 4 in 5 paid, the others issued or drafts."""
    session.execute(
        sa.text(
            """
            INSERT INTO invoice (agent_id, number, customer_name, description, amount_minor, paid_minor, currency,
                                 due_date, status, version, created_at, updated_at)
            SELECT :agent, 'PLAN-' || n, 'Customer ' || n, '', 10000, CASE WHEN n % 5 < 4 THEN 10000 ELSE 0 END,
                   'EUR', CAST(:today AS date) - (n % 730) + 365,
                   CASE WHEN n % 5 < 4 THEN 'paid' WHEN n % 10 = 4 THEN 'issued' ELSE 'draft' END, 1, now(), now()
            FROM generate_series(1, :count) AS n
            """
        ),
        {"agent": agent_id, "today": TODAY, "count": INVOICES},
    )
    session.execute(sa.text("ANALYZE invoice"))


def _statements(session, work) -> list[tuple[str, dict]]:
    captured: list[tuple[str, dict]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    engine = session.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        work()
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    return captured


def _nodes(plan: dict) -> list[dict]:
    return [plan, *(node for child in plan.get("Plans", []) for node in _nodes(child))]


def _analysed(session, statement: str, parameters: dict) -> list[dict]:
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
        document = cursor.fetchone()[0]
    plan = json.loads(document) if isinstance(document, str) else document
    return _nodes(plan[0]["Plan"])


def test_the_overdue_page_is_read_in_order_from_its_index_and_stops_after_the_page(db_session, make):
    agent_id = make.agent()
    _fill(db_session, agent_id)
    repository = InvoiceReadRepository(db_session)
    overdue = InvoiceFilters(status=OVERDUE)
    page = repository.page(PageRequest(per_page=25), overdue, TODAY)
    assert len(page.items) == 25 and all(row.days_overdue > 0 for row in page.items)
    assert page.total > EXACT_UP_TO and page.estimated
    days = [row.days_overdue for row in page.items]
    assert days == sorted(days, reverse=True)

    statements = _statements(db_session, lambda: repository.page(PageRequest(per_page=25), overdue, TODAY))
    listing = next(s for s in statements if "ORDER BY invoice.due_date" in s[0])
    nodes = _analysed(db_session, *listing)
    scans = [node for node in nodes if node.get("Relation Name") == "invoice"]
    assert [node.get("Index Name") for node in scans] == ["ix_invoice_payable_due_date"], scans
    assert not any(node["Node Type"] == "Sort" for node in nodes)
    assert scans[0]["Actual Rows"] <= 26

    counted = next(s for s in statements if "count(" in s[0].lower())
    count_scans = [node for node in _analysed(db_session, *counted) if node.get("Relation Name") == "invoice"]
    assert all(node["Actual Rows"] <= EXACT_UP_TO + 1 for node in count_scans), count_scans

    # The next page seeks past the last row through the same index.
    next_page = repository.page(PageRequest(per_page=25, cursor=Cursor.decode(page.next_cursor or "")), overdue, TODAY)
    assert {row.id for row in next_page.items}.isdisjoint({row.id for row in page.items})


def test_yesterdays_due_date_is_overdue_and_todays_is_not(db_session, make):
    agent_id = make.agent()
    due_today = make.invoice(agent_id, due_date=TODAY)
    due_yesterday = make.invoice(agent_id, due_date=TODAY - timedelta(days=1))
    rows = InvoiceReadRepository(db_session).page(
        PageRequest(), InvoiceFilters(status=OVERDUE, agent_id=agent_id), TODAY
    )
    assert [(row.id, row.days_overdue) for row in rows.items] == [(due_yesterday, 1)]
    assert due_today not in {row.id for row in rows.items}
