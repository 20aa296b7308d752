"""The dashboard's ledger says what caused each entry as staff know it, in the same few queries on every page.

A commission by its invoice and customer, a refund's clawback by its invoice and the refund's reason, a payout by
its amount, the day it was asked for and its status, an adjustment by its reason; never "payout #4". Checked entry
by entry, on every page, against the rows each entry names, for an agent with every money operation there is.
"""

from __future__ import annotations

import random
import re

import pytest
import sqlalchemy as sa

from portal.domain.money import format_money
from portal.models import Commission, Invoice, Payment, Payout, User, WalletTransaction
from portal.models.wallet import LedgerSource
from tests.functional.dashboard_support import load_demo, log_in_as
from tests.functional.page_tree import Element, page_tree
from tests.functional.paging import follow_next
from tests.support.busy_wallet import BusyAgent, busy_agent
from tests.support.money import MoneyWorld
from tests.support.queries import count_queries

INTERNAL_IDS = re.compile(r"(payout|commission|payment|adjustment) #\d", re.IGNORECASE)


def ledger_rows(body: str) -> list[dict[str, Element]]:
    """The ledger table's rows on a page: each cell by its label."""
    table = page_tree(body).one("table", css="ledger")
    rows = table.one("tbody").all("tr")
    return [{cell.attrs["data-label"]: cell for cell in row.all("td")} for row in rows]


def every_ledger_row(client, url: str) -> tuple[list[dict[str, Element]], list[str]]:
    """Every row at ``url``, following Next to the last page; and each page's HTML."""
    return follow_next(client, url, ledger_rows)


def test_finance_reads_the_demo_ledger_by_invoice_customer_and_payout(app, client, db_session):
    ids = load_demo(app, db_session)
    log_in_as(client, "finance")
    rows = ledger_rows(client.get(f"/dashboard/agents/{ids['agent_id']}?tab=ledger").get_data(as_text=True))
    causes = {row["Movement"].text: row["Because of"] for row in rows}
    harbour = db_session.scalar(sa.select(Invoice.id).where(Invoice.number == "NORTHWIND-00001"))
    credits = [row["Because of"] for row in rows if row["Movement"].text == "commission credit"]
    first = next(cause for cause in credits if "NORTHWIND-00001" in cause.text)
    assert first.text == "Commission on NORTHWIND-00001 · Harbour Logistics"
    assert first.one("a").attrs["href"] == f"/dashboard/invoices/{harbour}", "the invoice is one click away"
    clawback = causes["clawback"].text
    assert clawback.startswith("Refund on NORTHWIND-00002 · Meadow Dental")
    assert "Customer cancelled one booking" in clawback
    assert causes["payout hold"].text.startswith("Payout of €100.00 requested")
    assert "approved" in causes["payout hold"].text and causes["payout debit"].text == causes["payout hold"].text


@pytest.fixture
def finance(client, auth, make, db_session):
    """The test client, logged in as finance staff."""
    auth.login(db_session.get(User, make.user(role="finance")).email)
    return client


@pytest.fixture
def busy(app, db_session) -> BusyAgent:
    with app.app_context():
        return busy_agent(MoneyWorld(db_session), 16)


def expected_cause(session, entry: WalletTransaction) -> tuple[str, str | None]:
    """What the ledger should say caused ``entry`` (its beginning), and the address it should link to."""
    if entry.source_type == LedgerSource.COMMISSION:
        commission = session.get(Commission, entry.source_id)
        invoice = session.get(Invoice, session.get(Payment, commission.payment_id).invoice_id)
        name = "Refund" if commission.refund_id else "Commission"
        return f"{name} on {invoice.number} · {invoice.customer_name}", f"/dashboard/invoices/{invoice.id}"
    if entry.source_type == LedgerSource.PAYOUT:
        payout = session.get(Payout, entry.source_id)
        return f"Payout of {format_money(payout.amount_minor, payout.currency)} requested", None
    return entry.reason, None


def test_every_entry_of_a_busy_ledger_is_named_by_what_caused_it(busy, finance, db_session):
    rows, pages = every_ledger_row(finance, f"/dashboard/agents/{busy.agent_id}?tab=ledger")
    entries = db_session.scalars(
        sa.select(WalletTransaction)
        .where(WalletTransaction.agent_id == busy.agent_id)
        .order_by(WalletTransaction.id.desc())
    ).all()
    assert len(pages) >= 3 and len(rows) == len(entries), "every entry, over several pages"
    assert {entry.source_type for entry in entries} == set(LedgerSource), "every kind of cause"
    for row, entry in zip(rows, entries, strict=True):
        cause = row["Because of"]
        text, link = expected_cause(db_session, entry)
        assert cause.text.startswith(text), (entry.kind, cause.text)
        assert [a.attrs["href"] for a in cause.all("a")] == ([link] if link else []), cause.text
        if entry.source_type == LedgerSource.PAYOUT:
            assert db_session.get(Payout, entry.source_id).status in cause.text, "a payout says where it stands"
    for body in pages:
        assert not INTERNAL_IDS.search(body), INTERNAL_IDS.search(body).group(0)


def test_a_page_of_the_ledger_costs_the_same_queries_for_two_entries_as_for_twenty_five(
    app, busy, finance, db_session, monkeypatch
):
    # The flag table is read once per FLAG_SNAPSHOT_TTL per process, not per page: kept out of the count.
    monkeypatch.setitem(app.config, "FLAG_SNAPSHOT_TTL", 3600)
    with app.app_context():
        few = BusyAgent(MoneyWorld(db_session), random.Random(0))
        few.pay()
        few.approve()
        few.adjust()
    counts = []
    for agent_id in (few.agent_id, busy.agent_id):
        url = f"/dashboard/agents/{agent_id}?tab=ledger"
        finance.get(url)
        with count_queries() as statements:
            body = finance.get(url).get_data(as_text=True)
        counts.append((len(ledger_rows(body)), len(statements)))
    (shown_few, queries_few), (shown_many, queries_many) = counts
    assert (shown_few, shown_many) == (2, 25), counts
    assert queries_few == queries_many, "no query per entry"
