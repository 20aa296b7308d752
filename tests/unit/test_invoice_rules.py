"""The invoice rules this product shows people, with no database: drafts are edited and nothing else, overdue
is counted in days from the due date, what agents see, and amounts and currencies refused in words to act on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.domain import errors
from portal.domain.money import (
    CURRENCY_SIGN_HINT,
    DECIMAL_COMMA_HINT,
    DIGITS_HINT,
    NEGATIVE_HINT,
    AmountTooLarge,
    InvalidAmount,
    parse_amount,
)
from portal.models import Invoice
from portal.models.billing import INVOICE_STATUSES, InvoiceStatus, InvoiceTerms, days_overdue, shown_to_agents
from portal.services.invoicing import EditDraftInvoice

TODAY = date(2026, 12, 3)
TERMS = InvoiceTerms("Granite Works Ltd", None, "Fees", 123_450, "EUR", date(2027, 1, 31))


def draft(status: str = "draft", version: int = 3) -> Invoice:
    return Invoice(
        id=7, agent_id=1, number="NORTHWIND-00005", customer_name="Granite Works", customer_email="a@b.example",
        description="", amount_minor=90_000, paid_minor=0, currency="EUR", due_date=TODAY, status=status,
        version=version,
    )  # fmt: skip


@pytest.mark.parametrize("status", INVOICE_STATUSES)
def test_only_a_draft_is_edited_and_an_issued_one_is_refused_unchanged(status):
    invoice = draft(status)
    if status == "draft":
        invoice.revise(TERMS, seen_version=3)
        assert (invoice.customer_name, invoice.amount_minor, invoice.due_date) == ("Granite Works Ltd", 123_450,
                                                                                  date(2027, 1, 31))  # fmt: skip
        return
    with pytest.raises(errors.InvoiceStateConflict) as refused:
        invoice.revise(TERMS, seen_version=3)
    assert refused.value.message == (
        f"Invoice NORTHWIND-00005 is {InvoiceStatus(status).label}: only drafts can be edited, "
        "an issued invoice stays as sent."
    )
    assert (invoice.customer_name, invoice.amount_minor) == ("Granite Works", 90_000)


def test_a_draft_changed_since_it_was_opened_is_not_overwritten():
    invoice = draft(version=4)
    with pytest.raises(errors.InvoiceStateConflict, match="Someone else changed draft NORTHWIND-00005"):
        invoice.revise(TERMS, seen_version=3)
    assert invoice.customer_name == "Granite Works"
    invoice.revise(TERMS)
    assert invoice.customer_name == "Granite Works Ltd"


@pytest.mark.parametrize(
    ("currency", "message"),
    [
        ("USD", "Invoice NORTHWIND-00005 is in EUR only: enter EUR."),
        ("XYZ", "XYZ is not a currency code. Invoice NORTHWIND-00005 is in EUR only: enter EUR."),
    ],
)
def test_a_draft_keeps_its_currency_and_the_refusal_names_the_one_accepted(currency, message):
    invoice = draft()
    with pytest.raises(errors.CurrencyMismatch) as refused:
        invoice.revise(InvoiceTerms("Acme", None, "", 100, currency, TODAY))
    assert (refused.value.field, refused.value.message) == ("currency", message)
    assert invoice.customer_name == "Granite Works"


@pytest.mark.parametrize(
    ("status", "due", "days"),
    [
        ("issued", TODAY - timedelta(days=12), 12),
        ("partially_paid", TODAY - timedelta(days=1), 1),
        ("issued", TODAY, 0),
        ("issued", TODAY + timedelta(days=5), 0),
        ("paid", TODAY - timedelta(days=40), 0),
        ("void", TODAY - timedelta(days=40), 0),
        ("draft", TODAY - timedelta(days=40), 0),
    ],
)
def test_overdue_is_counted_from_the_day_after_the_due_date_on_what_is_still_owed(status, due, days):
    assert days_overdue(status, due, TODAY) == days


def test_an_agent_sees_what_was_issued_and_never_a_draft():
    assert not shown_to_agents(None)
    assert shown_to_agents(datetime(2026, 12, 1, tzinfo=UTC))


def test_an_edit_checks_its_fields_like_a_new_draft_naming_each():
    base = {"idempotency_key": "k1", "invoice_id": 7, "customer_name": "Acme", "due_date": TODAY, "currency": "EUR"}
    with pytest.raises(errors.AmountNotValid) as zero:
        EditDraftInvoice(**base | {"amount_minor": 0})
    assert (zero.value.field, zero.value.message) == ("amount", "Enter an amount greater than zero.")
    with pytest.raises(errors.InputNotValid) as code:
        EditDraftInvoice(**base | {"amount_minor": 100, "currency": "euro"})
    assert code.value.field == "currency"
    with pytest.raises(errors.NotFound):
        EditDraftInvoice(**base | {"amount_minor": 100, "invoice_id": 0})


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("-5", NEGATIVE_HINT), ("\u22125", NEGATIVE_HINT), ("-12,5", NEGATIVE_HINT), ("€12", CURRENCY_SIGN_HINT),
        ("12 €", CURRENCY_SIGN_HINT), ("EUR 12", CURRENCY_SIGN_HINT), ("12.50usd", CURRENCY_SIGN_HINT),
        ("$1,234.50", CURRENCY_SIGN_HINT), ("abc", DIGITS_HINT), ("1e3", DIGITS_HINT), ("NaN", DIGITS_HINT),
        ("12,5", DECIMAL_COMMA_HINT), ("1.234,56", DECIMAL_COMMA_HINT),
    ],
)  # fmt: skip
def test_text_that_is_not_an_amount_is_refused_saying_what_to_change(typed, hint):
    with pytest.raises(InvalidAmount) as refused:
        parse_amount(typed, "EUR")
    assert str(refused.value) == hint


def test_too_many_digits_is_its_own_refusal_for_the_form_to_name_the_largest_amount():
    with pytest.raises(AmountTooLarge):
        parse_amount("1" + "0" * 15, "EUR")
