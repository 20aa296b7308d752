"""Every money form refuses a bad amount or currency next to its field, in words that say what to change, with a
4xx (never a 500) and nothing changed: the invoice (new, edit), payment, refund, wallet adjustment and payout forms."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from portal.domain.money import DECIMAL_COMMA_HINT
from portal.models import AuditEvent, Invoice, Payment, Payout, Refund, WalletTransaction
from tests.functional.dashboard_support import load_demo, log_in_as, page_token

KEY = re.compile(r'name="idempotency_key" type="hidden" value="([a-f0-9]{32})"')
ZERO = "Enter an amount greater than zero."
NEGATIVE = "Amounts can't be negative."
LARGEST = "That is more than the largest amount the portal accepts (€100,000,000,000.00)."
DIGITS = "Enter an amount in digits, such as 1250.00."
CURRENCY_SIGN = "Leave out the currency: enter the number alone, such as 1250.00."

#: typed → what the field says (unsigned amounts: an invoice, a payment, a refund, a payout)
UNSIGNED = {
    "0": ZERO, "0.00": ZERO, "-5": NEGATIVE, "-12.50": NEGATIVE, "1000000000000000": LARGEST,
    "100000000000.01": LARGEST, "abc": DIGITS, "1e3": DIGITS, "12,5": DECIMAL_COMMA_HINT, "€12": CURRENCY_SIGN,
    "12 EUR": CURRENCY_SIGN,
}  # fmt: skip
#: the same for the wallet adjustment, where a minus debits
SIGNED = {
    "0": "Enter an amount other than zero: negative to debit, such as -12.50.", "1000000000000000": LARGEST,
    "-1000000000000000": LARGEST, "abc": DIGITS, "-12,5": DECIMAL_COMMA_HINT,
}  # fmt: skip


@pytest.fixture
def ids(app, db_session):
    return load_demo(app, db_session)


def _state(session) -> tuple[int, ...]:
    models = (Invoice, Payment, Refund, Payout, WalletTransaction, AuditEvent)
    counts = tuple(session.scalar(sa.select(sa.func.count()).select_from(model)) for model in models)
    amounts = session.scalar(sa.select(sa.func.sum(Invoice.amount_minor)))
    return (*counts, amounts)


def _field_errors(body: str) -> dict[str, str]:
    return {
        field: html.unescape(text)
        for field, text in re.findall(r'class="field__error" id="(\w+)-error">([^<]*)<', body)
    }


def _refused_at(response, field: str, message: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 422, (response.status_code, message)
    assert _field_errors(body) == {field: message}, message
    assert 'class="alert alert--error"' not in body, "the refusal is next to its field, not a banner"
    assert f'aria-describedby="{field}-error"' in body


def _form(client, url: str, **values: str) -> dict[str, str]:
    page = client.get(url).get_data(as_text=True)
    return {"csrf_token": page_token(client, url), "idempotency_key": KEY.search(page).group(1), **values}


def _draft_id(session, agent_id: int) -> int:
    return session.scalar(sa.select(Invoice.id).where(Invoice.agent_id == agent_id, Invoice.status == "draft"))


INVOICE = {"agent": "northwind", "customer_name": "Acme", "due_date": "2027-03-01"}


def test_an_invoice_amount_is_refused_at_its_field(client, db_session, ids):
    log_in_as(client, "admin")
    before = _state(db_session)
    edit_url = f"/dashboard/invoices/{_draft_id(db_session, ids['agent_id'])}/edit"
    for typed, message in UNSIGNED.items():
        new = _form(client, "/dashboard/invoices/new", **INVOICE, amount=typed)
        _refused_at(client.post("/dashboard/invoices/new", data=new), "amount", message)
        edit = _form(client, edit_url, customer_name="Acme", due_date="2027-03-01", currency="EUR", amount=typed)
        _refused_at(client.post(edit_url, data=edit), "amount", message)
    assert _state(db_session) == before


CURRENCIES = {
    "XYZ": "XYZ is not a currency code. Invoices for Northwind Brokers are in EUR only: enter EUR.",
    "USD": "Invoices for Northwind Brokers are in EUR only: enter EUR.",
    "EURO": "Enter the currency as its three-letter code, such as EUR.",
}


def test_an_invoice_currency_is_refused_at_its_field_naming_the_one_accepted(client, db_session, ids):
    log_in_as(client, "admin")
    before = _state(db_session)
    draft = _draft_id(db_session, ids["agent_id"])
    number = db_session.scalar(sa.select(Invoice.number).where(Invoice.id == draft))
    edit_url = f"/dashboard/invoices/{draft}/edit"
    for typed, message in CURRENCIES.items():
        new = _form(client, "/dashboard/invoices/new", **INVOICE, amount="100.00", currency=typed)
        _refused_at(client.post("/dashboard/invoices/new", data=new), "currency", message)
        edit = _form(client, edit_url, customer_name="Acme", due_date="2027-03-01", amount="100.00", currency=typed)
        on_edit = message.replace("Invoices for Northwind Brokers are", f"Invoice {number} is")
        _refused_at(client.post(edit_url, data=edit), "currency", on_edit)
    assert _state(db_session) == before


def test_an_empty_currency_is_the_agents_own(client, db_session, ids):
    log_in_as(client, "admin")
    new = _form(client, "/dashboard/invoices/new", **INVOICE, amount="12.5", currency="")
    assert client.post("/dashboard/invoices/new", data=new).status_code == 303
    created = db_session.execute(
        sa.select(Invoice.amount_minor, Invoice.currency).where(Invoice.customer_name == "Acme")
    )
    assert created.one() == (1250, "EUR")


def test_a_payment_and_a_refund_amount_are_refused_at_their_field(client, db_session, ids):
    log_in_as(client, "admin")
    before = _state(db_session)
    invoice_url = f"/dashboard/invoices/{ids['invoice_id']}"
    refund_url = f"/dashboard/payments/{ids['payment_id']}/refund"
    for typed, message in UNSIGNED.items():
        payment = _form(client, invoice_url, amount=typed, method="card")
        _refused_at(client.post(f"{invoice_url}/payments", data=payment), "amount", message)
        refund = _form(client, refund_url, amount=typed, reason="Customer asked")
        _refused_at(client.post(refund_url, data=refund), "amount", message)
    assert _state(db_session) == before


def test_a_wallet_adjustment_is_refused_at_its_field(client, db_session, ids):
    log_in_as(client, "admin")
    before = _state(db_session)
    url = f"/dashboard/agents/{ids['agent_id']}/adjust"
    for typed, message in SIGNED.items():
        _refused_at(client.post(url, data=_form(client, url, amount=typed, reason="Correction")), "amount", message)
    assert _state(db_session) == before


def test_a_payout_request_is_refused_at_its_field(client, db_session, ids):
    log_in_as(client, "agent")
    before = _state(db_session)
    url = "/portal/northwind/payouts"
    for typed, message in UNSIGNED.items():
        _refused_at(client.post(url, data=_form(client, url, amount=typed)), "amount", message)
    assert _state(db_session) == before
