"""Hardening item 1 through the pages: "12,5" typed into any money field is refused next to it, and moves nothing."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.domain.money import DECIMAL_COMMA_HINT
from portal.models import Invoice, Payment, Payout, WalletTransaction
from tests.functional.dashboard_support import load_demo, log_in_as, page_token


def key_from(html: str) -> str:
    return re.search(r'name="idempotency_key" type="hidden" value="([a-f0-9]{32})"', html).group(1)


def money_rows(session) -> tuple[int, ...]:
    models = (Invoice, Payment, Payout, WalletTransaction)
    return tuple(session.scalar(sa.select(sa.func.count()).select_from(model)) for model in models)


def assert_refused_at_the_amount(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'<p class="field__error" id="amount-error">\s*' + re.escape(DECIMAL_COMMA_HINT), body)


@pytest.fixture
def ids(app, db_session):
    return load_demo(app, db_session)


@pytest.mark.parametrize("typed", ["12,5", "1.234,56", "7,00"])
def test_hardening_01_a_payout_of_12_comma_5_is_refused_not_held_as_125(client, db_session, ids, typed):
    log_in_as(client, "agent")
    url = "/portal/northwind/payouts"
    page = client.get(url).get_data(as_text=True)
    before = money_rows(db_session)
    data = {"csrf_token": page_token(client, url), "idempotency_key": key_from(page), "amount": typed}
    assert_refused_at_the_amount(client.post(url, data=data))
    assert money_rows(db_session) == before


@pytest.mark.parametrize("typed", ["12,5", "1.234,56"])
def test_hardening_01_an_invoice_of_12_comma_5_is_refused(client, db_session, ids, typed):
    log_in_as(client, "admin")
    url = "/dashboard/invoices/new"
    page = client.get(url).get_data(as_text=True)
    before = money_rows(db_session)
    data = {"csrf_token": page_token(client, url), "idempotency_key": key_from(page), "agent": "bluebird",
            "customer_name": "Acme", "amount": typed, "due_date": "2027-03-01"}  # fmt: skip
    assert_refused_at_the_amount(client.post(url, data=data))
    assert money_rows(db_session) == before


def test_hardening_01_a_payment_refund_and_adjustment_of_12_comma_5_are_refused(client, db_session, ids):
    log_in_as(client, "admin")
    before = money_rows(db_session)
    invoice_url = f"/dashboard/invoices/{ids['invoice_id']}"
    page = client.get(invoice_url).get_data(as_text=True)
    token = page_token(client, invoice_url)
    payment = {"csrf_token": token, "idempotency_key": key_from(page), "amount": "12,5", "method": "card"}
    assert_refused_at_the_amount(client.post(f"{invoice_url}/payments", data=payment))

    refund_url = f"/dashboard/payments/{ids['payment_id']}/refund"
    page = client.get(refund_url).get_data(as_text=True)
    refund = {"csrf_token": token, "idempotency_key": key_from(page), "amount": "12,5", "reason": "Customer asked"}
    assert_refused_at_the_amount(client.post(refund_url, data=refund))

    adjust_url = f"/dashboard/agents/{ids['agent_id']}/adjust"
    page = client.get(adjust_url).get_data(as_text=True)
    adjust = {"csrf_token": token, "idempotency_key": key_from(page), "amount": "-12,5", "reason": "Correction"}
    assert_refused_at_the_amount(client.post(adjust_url, data=adjust))
    assert money_rows(db_session) == before


def test_hardening_01_a_dot_or_grouped_thousands_are_still_accepted(client, db_session, ids):
    log_in_as(client, "agent")
    url = "/portal/northwind/payouts"
    page = client.get(url).get_data(as_text=True)
    key = key_from(page)
    data = {"csrf_token": page_token(client, url), "idempotency_key": key, "amount": "12.5"}
    assert client.post(url, data=data).status_code == 303
    assert db_session.scalar(sa.select(Payout.amount_minor).where(Payout.idempotency_key == key)) == 1250
