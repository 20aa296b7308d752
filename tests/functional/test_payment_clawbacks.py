"""A payment row shows the agent's commission on it, what refunds clawed back of it and when, and what is left,
on the dashboard and in the portal, at a cost that does not grow with the payments or their refunds."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.models import Invoice, Payment
from tests.functional.dashboard_support import load_demo, log_in_as, page_token
from tests.support.queries import count_queries

KEY = re.compile(r'name="idempotency_key" type="hidden" value="([a-f0-9]{32})"')
CELL = re.compile(r'<td class="num" data-label="(?:Your )?[Cc]ommission">(.*?)</td>', re.S)


@pytest.fixture
def harbour(app, db_session) -> dict[str, int]:
    """Northwind's €2,500.00 payment from Harbour Logistics, whose €250.00 commission was credited."""
    load_demo(app, db_session)
    invoice_id, agent_id = db_session.execute(
        sa.select(Invoice.id, Invoice.agent_id).where(Invoice.number == "NORTHWIND-00001")
    ).one()
    payment_id = db_session.scalar(sa.select(Payment.id).where(Payment.invoice_id == invoice_id))
    return {"invoice_id": invoice_id, "agent_id": agent_id, "payment_id": payment_id}


def _refund(client, payment_id: int, amount: str) -> None:
    url = f"/dashboard/payments/{payment_id}/refund"
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": page_token(client, url), "idempotency_key": KEY.search(page).group(1), "amount": amount,
            "reason": "Customer cancelled a booking", "confirm_repeat": "y"}  # fmt: skip
    assert client.post(url, data=data).status_code == 303


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _commission_cells(client, url: str, number: str | None = None) -> list[str]:
    html = client.get(url).get_data(as_text=True)
    rows = [row for row in html.split("<tr>") if number is None or f">{number}<" in row]
    return [_text(cell) for row in rows for cell in CELL.findall(row)]


def test_a_refund_shows_its_clawback_and_the_net_commission_on_the_payment_row(client, harbour):
    log_in_as(client, "admin")
    invoice_page = f"/dashboard/invoices/{harbour['invoice_id']}"
    assert _commission_cells(client, invoice_page) == ["€250.00 credited"]

    _refund(client, harbour["payment_id"], "400.00")
    [cell] = _commission_cells(client, invoice_page)
    assert re.fullmatch(r"€250\.00 credited clawed back €40\.00 \(refund on .+\) net €210\.00", cell), cell

    _refund(client, harbour["payment_id"], "100.00")
    [cell] = _commission_cells(client, invoice_page)
    assert re.fullmatch(r"€250\.00 credited clawed back €50\.00 \(2 refunds, the last on .+\) net €200\.00", cell), cell
    tab = f"/dashboard/agents/{harbour['agent_id']}?tab=payments"
    [tab_cell] = _commission_cells(client, tab, "NORTHWIND-00001")
    assert tab_cell == cell


def test_the_agent_reads_the_same_clawback_on_its_payments_and_invoice_pages(client, harbour):
    log_in_as(client, "admin")
    _refund(client, harbour["payment_id"], "400.00")
    client.post("/logout", data={"csrf_token": page_token(client, "/dashboard/")})
    log_in_as(client, "agent")
    expected = r"€250\.00 credited clawed back €40\.00 \(refund on .+\) net €210\.00"
    [listed] = _commission_cells(client, "/portal/northwind/payments", "NORTHWIND-00001")
    assert re.fullmatch(expected, listed), listed
    [on_invoice] = _commission_cells(client, f"/portal/northwind/invoices/{harbour['invoice_id']}")
    assert re.fullmatch(expected, on_invoice), on_invoice
    listing = client.get("/portal/northwind/payments").get_data(as_text=True)
    assert re.search(r'\(refund on <time datetime="[0-9T:-]+Z"', listing), "the refund's moment carries its UTC instant"


def test_payment_lists_cost_the_same_queries_whatever_was_refunded(client, db_session, harbour):
    log_in_as(client, "admin")
    pages = (f"/dashboard/agents/{harbour['agent_id']}?tab=payments", f"/dashboard/invoices/{harbour['invoice_id']}")
    for page in pages:
        client.get(page)
    with count_queries() as before:
        for page in pages:
            client.get(page)
    _refund(client, harbour["payment_id"], "400.00")
    _refund(client, harbour["payment_id"], "100.00")
    with count_queries() as after:
        for page in pages:
            client.get(page)
    assert len(before) == len(after)
