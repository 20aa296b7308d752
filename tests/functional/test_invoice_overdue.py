"""Overdue invoices: a badge in words with the days overdue, on every list and invoice page, and an Overdue filter."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.models import Invoice
from portal.models.base import utcnow
from portal.persistence.context import Actor, CommandContext
from portal.services.invoicing import CreateInvoice, IssueInvoice, VoidInvoice
from portal.services.money.commands import RecordPayment
from portal.services.running import command_runner
from tests.functional.dashboard_support import load_demo, log_in_as
from tests.support.queries import count_queries

TODAY = utcnow().date()
BADGE = re.compile(r'<span class="status status--overdue">Overdue · ([0-9,]+) days?</span>')


@pytest.fixture
def invoices(app, db_session) -> dict[str, int]:
    """Northwind's invoices of every kind that could be mistaken for overdue, by customer."""
    agent_id = load_demo(app, db_session)["agent_id"]
    made = {}
    with app.app_context():
        run = command_runner(app, db_session, CommandContext(Actor.system("test"))).run

        def invoice(customer: str, days_ago: int, issue: bool = True) -> int:
            made[customer] = run(
                CreateInvoice(
                    idempotency_key=f"overdue-{len(made)}", agent_id=agent_id, customer_name=customer,
                    amount_minor=50_000, currency="EUR", due_date=TODAY - timedelta(days=days_ago),
                )
            ).invoice_id  # fmt: skip
            if issue:
                run(IssueInvoice(idempotency_key=f"overdue-issue-{len(made)}", invoice_id=made[customer]))
            return made[customer]

        def pay(invoice_id: int, amount_minor: int) -> None:
            run(RecordPayment(idempotency_key=f"overdue-pay-{invoice_id}", invoice_id=invoice_id,
                              amount_minor=amount_minor, currency="EUR", method="card"))  # fmt: skip

        invoice("Ten Days Late", 10)
        pay(invoice("One Day Late", 1), 20_000)
        invoice("Due Today", 0)
        pay(invoice("Paid Late", 30), 50_000)
        run(VoidInvoice(idempotency_key="overdue-void", invoice_id=invoice("Void Late", 30), reason="Duplicate"))
        invoice("Draft Late", 30, issue=False)
    return made


def _row_of(html: str, customer: str) -> str:
    return next(row for row in html.split("<tr>") if f">{customer}<" in row)


def _customers(html: str) -> list[str]:
    return re.findall(r'<td data-label="Customer">([^<]*)</td>', html)


def _numbers(html: str) -> list[str]:
    return re.findall(r'<th scope="row" data-label="Invoice"><a [^>]*>([^<]*)</a>', html)


def test_only_invoices_still_owed_after_their_due_date_carry_the_badge_with_their_days(client, invoices):
    log_in_as(client, "admin")
    listed = client.get("/dashboard/invoices").get_data(as_text=True)
    assert BADGE.findall(_row_of(listed, "Ten Days Late")) == ["10"]
    assert re.search(r"Overdue · 1 day<", _row_of(listed, "One Day Late"))
    for customer in ("Due Today", "Paid Late", "Void Late", "Draft Late"):
        assert "Overdue" not in _row_of(listed, customer), customer

    page = client.get(f"/dashboard/invoices/{invoices['Ten Days Late']}").get_data(as_text=True)
    assert BADGE.findall(re.search(r"<h1>.*?</h1>", page, re.S).group(0)) == ["10"]
    assert "Overdue" not in client.get(f"/dashboard/invoices/{invoices['Paid Late']}").get_data(as_text=True)


def test_the_overdue_filter_lists_exactly_the_overdue_most_overdue_first(client, db_session, invoices):
    log_in_as(client, "admin")
    page = client.get("/dashboard/invoices?status=overdue").get_data(as_text=True)
    assert re.search(r'<option value="overdue" selected>Overdue</option>', page)
    expected = db_session.execute(
        sa.select(Invoice.customer_name)
        .where(Invoice.status.in_(("issued", "partially_paid")), Invoice.due_date < TODAY)
        .order_by(Invoice.due_date, Invoice.id)
    ).scalars().all()  # fmt: skip
    assert {"Ten Days Late", "One Day Late"} <= set(expected)
    assert _customers(page) == expected
    assert len(BADGE.findall(page)) == len(expected)


def test_the_overdue_filter_is_kept_in_the_pager_links(client, db_session, make, invoices):
    agent_id = db_session.scalar(sa.select(Invoice.agent_id).where(Invoice.id == invoices["Ten Days Late"]))
    for n in range(30):
        make.invoice(agent_id, customer_name=f"Late {n:02d}", due_date=TODAY - timedelta(days=40 + n))
    log_in_as(client, "admin")
    first = client.get("/dashboard/invoices?status=overdue").get_data(as_text=True)
    following = re.search(r'href="(/dashboard/invoices\?[^"]*)" [^>]*rel="next"', first).group(1).replace("&amp;", "&")
    assert "status=overdue" in following
    second = client.get(following).get_data(as_text=True)
    shown = _numbers(first) + _numbers(second)
    assert len(shown) == len(set(shown)) == len(_customers(first) + _customers(second))
    assert "Ten Days Late" in _customers(second) and "Due Today" not in _customers(first) + _customers(second)
    assert len(BADGE.findall(first)) == 25 and len(BADGE.findall(second)) == len(_customers(second))
    days = [int(d.replace(",", "")) for d in BADGE.findall(first) + BADGE.findall(second)]
    assert days == sorted(days, reverse=True)


def test_an_agent_sees_the_badge_and_can_filter_but_never_a_draft(client, invoices):
    log_in_as(client, "agent")
    listed = client.get("/portal/northwind/invoices").get_data(as_text=True)
    assert BADGE.findall(_row_of(listed, "Ten Days Late")) == ["10"]
    overdue = client.get("/portal/northwind/invoices?status=overdue").get_data(as_text=True)
    assert {"Ten Days Late", "One Day Late"} <= set(_customers(overdue))
    assert not {"Due Today", "Paid Late", "Void Late", "Draft Late"} & set(_customers(overdue))
    page = client.get(f"/portal/northwind/invoices/{invoices['One Day Late']}").get_data(as_text=True)
    assert "Overdue · 1 day<" in page


def test_the_overdue_list_costs_the_same_queries_however_many_are_overdue(client, db_session, make, invoices):
    log_in_as(client, "admin")
    client.get("/dashboard/invoices?status=overdue")
    with count_queries() as few:
        assert client.get("/dashboard/invoices?status=overdue").status_code == 200
    agent_id = db_session.scalar(sa.select(Invoice.agent_id).where(Invoice.id == invoices["Ten Days Late"]))
    for n in range(40):
        make.invoice(agent_id, due_date=TODAY - timedelta(days=n + 1))
    with count_queries() as many:
        assert client.get("/dashboard/invoices?status=overdue").status_code == 200
    assert len(few) == len(many)
