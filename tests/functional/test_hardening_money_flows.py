"""Hardening items 2, 3, 4 and 19: money confirmations say how much, nothing happens twice unasked."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.domain.money import format_money
from portal.models import Notification, Payment, Payout, Wallet, WalletTransaction
from portal.models.wallet import PayoutStatus
from tests.functional.dashboard_support import load_demo, log_in_as, page_token

PORTAL = "/portal/northwind"


def key_from(html: str) -> str:
    return re.search(r'name="idempotency_key"[^>]*value="([a-f0-9]{32})"', html).group(1)


@pytest.fixture
def demo(app, db_session):
    return load_demo(app, db_session)


def count(db_session, model, *where) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def record_payment(client, invoice_id: int, amount: str, **extra):
    url = f"/dashboard/invoices/{invoice_id}"
    page = client.get(url)
    assert page.headers["Cache-Control"] == "no-store", "Back fetches the money page again"
    form = {"csrf_token": page_token(client, url), "idempotency_key": key_from(page.get_data(as_text=True)),
            "amount": amount, "method": "card", **extra}  # fmt: skip
    return client.post(f"{url}/payments", data=form), form


def test_hardening_02_money_confirmations_repeat_the_amount_and_currency(client, db_session, demo):
    log_in_as(client, "finance")
    response, _form = record_payment(client, demo["invoice_id"], "7")
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    number = re.search(r"Payment of €7\.00 recorded on ([A-Z]+-\d{5})", shown)
    assert number, "the flash names the amount, currency and invoice"
    note = db_session.scalars(
        sa.select(Notification).where(Notification.kind == "payment_received").order_by(Notification.id.desc())
    ).first()
    assert note.body.startswith(f"€7.00 was received for invoice {number.group(1)}")
    agent = client.application.test_client()
    log_in_as(agent, "agent")
    page = agent.get(f"{PORTAL}/payouts").get_data(as_text=True)
    form = {"csrf_token": page_token(agent, f"{PORTAL}/payouts"), "idempotency_key": key_from(page), "amount": "12.50"}
    requested = agent.post(f"{PORTAL}/payouts", data=form)
    assert "Payout of €12.50 requested" in agent.get(requested.headers["Location"]).get_data(as_text=True)


def test_hardening_03_a_form_restored_from_history_asks_before_paying_twice(client, db_session, demo):
    log_in_as(client, "finance")
    before = count(db_session, Payment)
    first, _ = record_payment(client, demo["invoice_id"], "7")
    assert first.status_code == 303
    again, form = record_payment(client, demo["invoice_id"], "7")
    body = again.get_data(as_text=True)
    assert again.status_code == 409
    assert re.search(
        r"A payment of €7\.00 was recorded on [A-Z]+-\d{5} less than a minute ago — record another\?", body
    )
    assert 'name="confirm_repeat"' in body
    assert count(db_session, Payment) == before + 1, "nothing was recorded the second time"
    confirmed = client.post(f"/dashboard/invoices/{demo['invoice_id']}/payments", data={**form, "confirm_repeat": "y"})
    assert confirmed.status_code == 303
    assert count(db_session, Payment) == before + 2, "recorded once the person confirmed"
    other, _ = record_payment(client, demo["invoice_id"], "8")
    assert other.status_code == 303, "another amount is not a repeat"


def test_hardening_03_a_payout_request_sent_again_asks_first(client, db_session, demo):
    log_in_as(client, "agent")
    url = f"{PORTAL}/payouts"

    def request(**extra):
        page = client.get(url)
        assert page.headers["Cache-Control"] == "no-store"
        form = {"csrf_token": page_token(client, url), "idempotency_key": key_from(page.get_data(as_text=True)),
                "amount": "12.50", **extra}  # fmt: skip
        return client.post(url, data=form)

    assert request().status_code == 303
    repeated = request()
    assert repeated.status_code == 409 and "A payout of €12.50 was requested" in repeated.get_data(as_text=True)
    assert count(db_session, Payout, Payout.amount_minor == 1250) == 1
    assert request(confirm_repeat="y").status_code == 303
    assert count(db_session, Payout, Payout.amount_minor == 1250) == 2


def test_hardening_04_an_adjustment_below_zero_needs_a_confirmation_that_states_the_balance(client, db_session, demo):
    log_in_as(client, "admin")
    url = f"/dashboard/agents/{demo['agent_id']}/adjust"
    page = client.get(url).get_data(as_text=True)
    form = {"csrf_token": page_token(client, url), "idempotency_key": key_from(page), "amount": "-1,000.00",
            "reason": "Chargeback"}  # fmt: skip
    wallet = db_session.scalar(sa.select(Wallet).where(Wallet.agent_id == demo["agent_id"]))
    wallet_id, available = wallet.id, wallet.available_minor
    entries = count(db_session, WalletTransaction)
    refused = client.post(url, data=form)
    body = refused.get_data(as_text=True)
    expected = f"{(available - 100_000) / 100:,.2f}".replace("-", "-€")
    assert refused.status_code == 409
    assert f"available balance at {expected}, below zero" in body, body[body.find("below") - 200 :][:400]
    assert 'name="confirm_negative"' in body
    assert count(db_session, WalletTransaction) == entries, "refused: nothing moved"
    accepted = client.post(url, data={**form, "confirm_negative": "y"})
    assert accepted.status_code == 303
    db_session.expire_all()
    assert db_session.get(Wallet, wallet_id).available_minor == available - 100_000


def test_hardening_19_marking_a_payout_paid_tells_the_agent(client, db_session, demo):
    log_in_as(client, "finance")
    payout_id = demo["payout_id"]
    page = client.get("/dashboard/payouts").get_data(as_text=True)
    approve = re.search(rf'/payouts/{payout_id}/approve".*?name="idempotency_key" value="(\w+)"', page, re.S).group(1)
    token = page_token(client, "/dashboard/payouts")
    client.post(f"/dashboard/payouts/{payout_id}/approve", data={"csrf_token": token, "idempotency_key": approve})
    page = client.get("/dashboard/payouts?status=approved").get_data(as_text=True)
    paid = re.search(rf'/payouts/{payout_id}/paid".*?name="idempotency_key" value="(\w+)"', page, re.S).group(1)
    done = client.post(f"/dashboard/payouts/{payout_id}/paid", data={"csrf_token": token, "idempotency_key": paid})
    assert done.status_code == 303
    payout = db_session.get(Payout, payout_id)
    assert payout.status == PayoutStatus.PAID
    note = db_session.scalars(
        sa.select(Notification).where(Notification.kind == "payout_paid", Notification.agent_id == payout.agent_id)
    ).one()
    assert note.subject == "Payout paid"
    assert (
        note.body
        == f"Your payout of {format_money(payout.amount_minor, payout.currency)} was paid out to your bank account."
    )


def test_hardening_02_approving_many_commissions_says_how_much_was_credited(client, db_session, demo):
    from portal.models import Commission

    log_in_as(client, "finance")
    pending = db_session.execute(
        sa.select(Commission.id, Commission.amount_minor, Commission.currency).where(Commission.status == "pending")
    ).all()
    assert len(pending) >= 2
    response = client.post(
        "/dashboard/commissions/approve-many",
        data={"csrf_token": page_token(client, "/dashboard/commissions"), "idempotency_key": "e" * 32,
              "commission": [str(row.id) for row in pending]},
    )  # fmt: skip
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    totals: dict[str, int] = {}
    for row in pending:
        totals[row.currency] = totals.get(row.currency, 0) + row.amount_minor
    credited = ", ".join(format_money(minor, currency) for currency, minor in sorted(totals.items()))
    assert f"{len(pending)} of {len(pending)} commissions approved: {credited} credited." in shown


def _new_invoice(client, **extra):
    page = client.get("/dashboard/invoices/new").get_data(as_text=True)
    form = {"csrf_token": page_token(client, "/dashboard/invoices/new"), "idempotency_key": key_from(page),
            "agent": "northwind", "customer_name": "Harbour Cafe", "amount": "250.00", "due_date": "2027-03-31",
            **extra}  # fmt: skip
    return client.post("/dashboard/invoices/new", data=form)


def test_hardening_03_the_same_draft_invoice_sent_again_asks_first(client, db_session, demo):
    from portal.models import Invoice

    log_in_as(client, "admin")
    before = count(db_session, Invoice)
    assert _new_invoice(client).status_code == 303
    again = _new_invoice(client)
    body = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "A draft invoice of €250.00 for Harbour Cafe was created less than a minute ago — create another?" in body
    assert count(db_session, Invoice) == before + 1
    assert _new_invoice(client, confirm_repeat="y").status_code == 303
    assert count(db_session, Invoice) == before + 2
