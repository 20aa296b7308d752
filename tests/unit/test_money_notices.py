"""Every notice of notices.py, word for word: people read them, with the amount in its currency and the invoice."""

from __future__ import annotations

import pytest

from portal.models import Agent, Commission, Invoice, Notification, Payout
from portal.services.money import notices


def seen(notification: Notification) -> dict:
    return {
        name: getattr(notification, name)
        for name in ("audience", "agent_id", "kind", "subject", "body", "link", "read_at")
    }


def invoice(currency: str = "USD") -> Invoice:
    return Invoice(id=3, agent_id=4, number="ACME-00012", customer_name="Globex Ltd", amount_minor=100_000,
                   paid_minor=0, currency=currency, status="issued")  # fmt: skip


def commission(amount: int = 250, currency: str = "USD") -> Commission:
    return Commission(id=5, agent_id=4, payment_id=17, kind="commission", amount_minor=amount, currency=currency,
                      status="pending")  # fmt: skip


def payout(status: str, currency: str = "USD", reason: str | None = None) -> Payout:
    return Payout(id=9, agent_id=4, wallet_id=2, amount_minor=3_050, currency=currency, status=status,
                  rejection_reason=reason)  # fmt: skip


def to_agent(kind: str, subject: str, body: str) -> dict:
    return {"audience": "agent", "agent_id": 4, "kind": kind, "subject": subject, "body": body, "link": None,
            "read_at": None}  # fmt: skip


def test_payment_received():
    assert seen(notices.payment_received(invoice(), 2_500, commission(250))) == to_agent(
        "payment_received",
        "Payment received for invoice ACME-00012",
        "$25.00 was received for invoice ACME-00012 (Globex Ltd). Your commission of $2.50 is pending approval.",
    )


def test_payment_received_in_yen():
    yen = notices.payment_received(invoice("JPY"), 2_500, commission(250, "JPY"))
    assert yen.body == (
        "¥2,500 was received for invoice ACME-00012 (Globex Ltd). Your commission of ¥250 is pending approval."
    )


def test_a_refund_that_claws_back():
    assert seen(notices.payment_refunded(invoice(), 1_000, -100)) == to_agent(
        "commission_clawed_back",
        "Refund on invoice ACME-00012",
        "$10.00 of a payment on invoice ACME-00012 was refunded. Your commission is reduced by $1.00.",
    )


def test_a_refund_that_claws_back_one_cent():
    assert notices.payment_refunded(invoice("EUR"), 1, -1).body == (
        "€0.01 of a payment on invoice ACME-00012 was refunded. Your commission is reduced by €0.01."
    )


def test_a_refund_with_no_clawback():
    assert seen(notices.payment_refunded(invoice(), 1, 0)) == to_agent(
        "payment_refunded",
        "Refund on invoice ACME-00012",
        "$0.01 of a payment on invoice ACME-00012 was refunded. Your commission is unchanged.",
    )


def test_commission_credited():
    assert seen(notices.commission_credited(commission(250, "GBP"), 175)) == to_agent(
        "commission_credited",
        "Commission credited",
        "£1.75 was credited to your wallet for payment #17.",
    )


def test_payout_requested_tells_staff():
    agent = Agent(id=4, slug="acme", name="Acme Sales", currency="USD")
    assert seen(notices.payout_requested(agent, payout("requested"))) == {
        "audience": "staff", "agent_id": None, "kind": "payout_requested", "subject": "Payout requested by Acme Sales",
        "body": "Acme Sales asked for a payout of $30.50.", "link": None, "read_at": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("status", "body"),
    [
        ("approved", "Your payout of $30.50 was approved and is on its way."),
        ("rejected", "Your payout of $30.50 was rejected: bank details missing. The amount is available again."),
        ("cancelled", "Your payout request of $30.50 was cancelled."),
        ("paid", "Your payout of $30.50 was paid out to your bank account."),
    ],
)
def test_payout_decided(status, body):
    reason = "bank details missing" if status == "rejected" else None
    assert seen(notices.payout_decided(payout(status, reason=reason))) == to_agent(
        f"payout_{status}", f"Payout {status}", body
    )


def test_a_requested_payout_is_no_decision():
    with pytest.raises(KeyError):
        notices.payout_decided(payout("requested"))


def test_payout_decided_in_the_payout_currency():
    assert (
        notices.payout_decided(payout("approved", "EUR")).body
        == "Your payout of €30.50 was approved and is on its way."
    )


@pytest.mark.parametrize(
    ("amount", "currency", "body"),
    [
        (500, "USD", "Your available balance was adjusted by $5.00: goodwill"),
        (-300, "EUR", "Your available balance was adjusted by -€3.00: goodwill"),
        (-7, "JPY", "Your available balance was adjusted by -¥7: goodwill"),
    ],
)
def test_wallet_adjusted(amount, currency, body):
    assert seen(notices.wallet_adjusted(4, amount, currency, "goodwill")) == to_agent(
        "wallet_adjusted", "Wallet adjusted", body
    )
