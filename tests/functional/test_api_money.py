"""Every money command through the API: the same rules, results and refusals as the dashboard, exactly once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.models import Commission, Invoice, Payment, Wallet
from tests.functional.dashboard_support import load_demo
from tests.support.api import bearer, make_token


@pytest.fixture
def demo(app, db_session):
    return load_demo(app, db_session)


@pytest.fixture
def admin(app, db_session, demo):
    return make_token(app, db_session)


@pytest.fixture
def agent(app, db_session, demo):
    return make_token(app, db_session, role="agent", scope="write", agent_id=demo["agent_id"])


def _invoice(session, invoice_id: int):
    """The invoice's figures as they are now, read afresh (``paid_minor``, ``currency``…)."""
    return session.execute(sa.select(Invoice.__table__).where(Invoice.id == invoice_id)).one()


def test_recording_a_payment_pays_the_invoice_once_however_often_it_is_sent(client, db_session, demo, admin):
    invoice = _invoice(db_session, demo["invoice_id"])
    paid_before, currency = invoice.paid_minor, invoice.currency
    body = {"amount": {"amount_minor": 1250, "currency": currency}, "method": "card", "instrument_last4": "4242"}
    url = f"/api/v1/invoices/{invoice.id}/payments"
    first = client.post(url, json=body, headers=bearer(admin, "pay-once"))
    again = client.post(url, json=body, headers=bearer(admin, "pay-once"))
    assert first.status_code == again.status_code == 201
    assert first.get_data() == again.get_data()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert first.get_json()["amount"] == {"amount_minor": 1250, "currency": currency,
                                          "formatted": first.get_json()["amount"]["formatted"]}  # fmt: skip
    assert _invoice(db_session, invoice.id).paid_minor == paid_before + 1250
    assert first.headers["Location"] == f"/api/v1/invoices/{invoice.id}"


def test_the_same_key_with_another_request_is_a_conflict_that_changes_nothing(client, db_session, demo, admin):
    invoice = _invoice(db_session, demo["invoice_id"])
    url = f"/api/v1/invoices/{invoice.id}/payments"
    body = {"amount": {"amount_minor": 1000, "currency": invoice.currency}, "method": "card"}
    assert client.post(url, json=body, headers=bearer(admin, "k-1")).status_code == 201
    paid = _invoice(db_session, invoice.id).paid_minor
    body["amount"]["amount_minor"] = 2000
    response = client.post(url, json=body, headers=bearer(admin, "k-1"))
    assert response.status_code == 409
    assert response.get_json()["type"].endswith("/idempotency-key-reused")
    assert _invoice(db_session, invoice.id).paid_minor == paid


def test_keys_are_scoped_per_token_owner(app, client, db_session, demo, admin, agent):
    finance = make_token(app, db_session, role="finance", scope="admin")
    invoice = _invoice(db_session, demo["invoice_id"])
    url = f"/api/v1/invoices/{invoice.id}/payments"
    body = {"amount": {"amount_minor": 700, "currency": invoice.currency}, "method": "cash", "confirm_repeat": True}
    assert client.post(url, json=body, headers=bearer(admin, "shared")).status_code == 201
    second = client.post(url, json=body, headers=bearer(finance, "shared"))
    assert second.status_code == 201 and "Idempotent-Replayed" not in second.headers
    assert second.get_json()["id"] != client.post(url, json=body, headers=bearer(admin, "shared")).get_json()["id"]


def test_every_post_needs_an_idempotency_key(client, demo, admin):
    response = client.post(f"/api/v1/invoices/{demo['invoice_id']}/issue", headers=bearer(admin))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "Idempotency-Key"


def test_an_invoice_from_draft_to_issued_to_void(client, db_session, demo, admin):
    body = {"agent_id": demo["agent_id"], "customer_name": "Acme", "amount": {"amount_minor": 9900, "currency": "EUR"},
            "due_date": "2027-01-31"}  # fmt: skip
    created = client.post("/api/v1/invoices", json=body, headers=bearer(admin, "inv-1"))
    assert created.status_code == 201, created.get_json()
    invoice = created.get_json()
    assert invoice["status"] == "draft" and invoice["amount"]["amount_minor"] == 9900
    issued = client.post(f"/api/v1/invoices/{invoice['id']}/issue", headers=bearer(admin, "inv-1-issue"))
    assert issued.get_json()["status"] == "issued"
    refused = client.post(f"/api/v1/invoices/{invoice['id']}/issue", headers=bearer(admin, "inv-1-issue-again"))
    assert refused.status_code == 409
    voided = client.post(f"/api/v1/invoices/{invoice['id']}/void", json={"reason": "sent twice"},
                         headers=bearer(admin, "inv-1-void"))  # fmt: skip
    assert voided.status_code == 200 and voided.get_json()["status"] == "void"


def test_a_refund_claws_back_and_cannot_exceed_the_payment(client, db_session, demo, admin):
    payment = db_session.execute(sa.select(Payment.__table__).where(Payment.id == demo["payment_id"])).one()
    left = payment.amount_minor - payment.refunded_minor
    too_much = {"amount": {"amount_minor": left + 1, "currency": payment.currency}, "reason": "x"}
    url = f"/api/v1/payments/{payment.id}/refunds"
    refused = client.post(url, json=too_much, headers=bearer(admin, "r-1"))
    assert refused.status_code == 409  # well-formed, but more than the payment holds: the state refuses it
    assert refused.get_json()["errors"][0]["field"] == "amount"
    some = {"amount": {"amount_minor": 100, "currency": payment.currency}, "reason": "damaged goods"}
    response = client.post(url, json=some, headers=bearer(admin, "r-2"))
    assert response.status_code == 201
    assert response.get_json()["amount"]["amount_minor"] == 100 and response.get_json()["reason"] == "damaged goods"


def test_approving_commissions_one_or_many_credits_each_once(client, db_session, demo, admin):
    pending = list(db_session.scalars(sa.select(Commission.id).where(Commission.status == "pending",
                                                                     Commission.kind == "commission")))  # fmt: skip
    assert len(pending) >= 2
    one = client.post(f"/api/v1/commissions/{pending[0]}/approve", headers=bearer(admin, "c-1"))
    assert one.status_code == 200 and one.get_json()["outcome"] == "approved"
    body = {"commission_ids": pending}
    report = client.post("/api/v1/commissions/approve", json=body, headers=bearer(admin, "bulk-1")).get_json()
    outcomes = {item["commission_id"]: item["outcome"] for item in report["results"]}
    assert outcomes[pending[0]] == "refused"  # approved a moment ago, on another key
    assert report["approved"] == len(pending) - 1
    retried = client.post("/api/v1/commissions/approve", json=body, headers=bearer(admin, "bulk-1"))
    assert retried.headers["Idempotent-Replayed"] == "true" and retried.get_json() == report
    assert client.post("/api/v1/commissions/approve", json={"commission_ids": list(range(1, 102))},
                       headers=bearer(admin, "bulk-2")).status_code == 422  # fmt: skip


def test_a_payout_requested_by_the_agent_then_approved_and_paid(client, db_session, demo, admin, agent):
    wallet = db_session.execute(sa.select(Wallet.__table__).where(Wallet.agent_id == demo["agent_id"])).one()
    amount = {"amount_minor": wallet.available_minor, "currency": wallet.currency}
    requested = client.post("/api/v1/payouts", json={"amount": amount}, headers=bearer(agent, "po-1"))
    assert requested.status_code == 201, requested.get_json()
    payout = requested.get_json()
    assert payout["status"] == "requested" and payout["agent_id"] == demo["agent_id"]
    balance = client.get(f"/api/v1/agents/{demo['agent_id']}/wallet", headers=bearer(agent)).get_json()
    assert balance["available"]["amount_minor"] == 0 and balance["held"]["amount_minor"] >= amount["amount_minor"]
    assert client.post("/api/v1/payouts", json={"amount": amount}, headers=bearer(admin, "po-staff")).status_code == 403
    approved = client.post(f"/api/v1/payouts/{payout['id']}/approve", headers=bearer(admin, "po-1-ok"))
    assert approved.get_json()["status"] == "approved"
    assert client.post(f"/api/v1/payouts/{payout['id']}/cancel", headers=bearer(agent, "po-1-x")).status_code == 409
    paid = client.post(f"/api/v1/payouts/{payout['id']}/paid", headers=bearer(admin, "po-1-paid"))
    assert paid.get_json()["status"] == "paid"


def test_a_rejected_payout_says_why_and_a_cancelled_one_releases_the_money(client, db_session, demo, admin, agent):
    url = f"/api/v1/payouts/{demo['payout_id']}/reject"
    assert client.post(url, json={"reason": ""}, headers=bearer(admin, "rej-0")).status_code == 422
    rejected = client.post(url, json={"reason": "bank details missing"}, headers=bearer(admin, "rej-1")).get_json()
    assert rejected["status"] == "rejected" and rejected["rejection_reason"] == "bank details missing"
    wallet_url = f"/api/v1/agents/{demo['agent_id']}/wallet"
    before = client.get(wallet_url, headers=bearer(agent)).get_json()["available"]
    requested = client.post("/api/v1/payouts", json={"amount": {**before, "formatted": None} | {"formatted": 0}},
                            headers=bearer(agent, "po-c"))  # fmt: skip
    assert requested.status_code == 422  # ``formatted`` is not part of a request
    amount = {"amount_minor": before["amount_minor"], "currency": before["currency"]}
    payout = client.post("/api/v1/payouts", json={"amount": amount}, headers=bearer(agent, "po-c2")).get_json()
    assert client.get(wallet_url, headers=bearer(agent)).get_json()["available"]["amount_minor"] == 0
    cancelled = client.post(f"/api/v1/payouts/{payout['id']}/cancel", headers=bearer(agent, "po-c2-x")).get_json()
    assert cancelled["status"] == "cancelled"
    assert client.get(wallet_url, headers=bearer(agent)).get_json()["available"] == before


def test_an_adjustment_below_zero_needs_the_confirmation(client, db_session, demo, admin):
    wallet = db_session.execute(sa.select(Wallet.__table__).where(Wallet.agent_id == demo["agent_id"])).one()
    debit = {"amount": {"amount_minor": -(wallet.available_minor + 100), "currency": wallet.currency},
             "reason": "correction"}  # fmt: skip
    url = f"/api/v1/agents/{demo['agent_id']}/wallet/adjustments"
    refused = client.post(url, json=debit, headers=bearer(admin, "adj-1"))
    assert refused.status_code == 409
    assert refused.get_json()["type"].endswith("/negative-balance-needs-confirmation")
    confirmed = client.post(url, json={**debit, "confirm_negative": True}, headers=bearer(admin, "adj-2"))
    assert confirmed.status_code == 201
    assert confirmed.get_json()["wallet"]["available"]["amount_minor"] == -100


def test_lists_walk_by_cursor_with_link_headers(client, demo, admin):
    seen, url = [], "/api/v1/invoices?limit=2"
    while url:
        response = client.get(url, headers=bearer(admin))
        page = response.get_json()
        seen += [item["id"] for item in page["items"]]
        url = page["next_cursor"] and response.headers["Link"].split(";")[0].strip("<>")
    everything = client.get("/api/v1/invoices?limit=100", headers=bearer(admin)).get_json()
    assert seen == [item["id"] for item in everything["items"]] and len(seen) == everything["total"] > 2


def test_notifications_are_the_agents_own_and_can_be_marked_read(client, demo, admin, agent):
    listed = client.get("/api/v1/notifications", headers=bearer(agent))
    assert listed.status_code == 200
    marked = client.post("/api/v1/notifications/read", headers=bearer(agent, "n-1"))
    assert marked.status_code == 200
    unread = [item for item in client.get("/api/v1/notifications", headers=bearer(agent)).get_json()["items"]
              if item["read_at"] is None]  # fmt: skip
    assert unread == []
    assert client.get("/api/v1/notifications", headers=bearer(admin)).status_code == 403


def test_settings_show_names_and_masks_never_secrets(app, client, db_session, demo, admin):
    from portal.persistence.context import Actor, CommandContext
    from portal.security.secure_settings import SECRET_MASK
    from portal.services.running import command_runner
    from portal.services.settings import ChangeSetting

    secret = "smtp-password-that-must-never-show"
    with app.app_context():
        command_runner(app, db_session, CommandContext(Actor.system("test"))).run(
            ChangeSetting(idempotency_key="set-smtp-password", setting="smtp_password", value=secret)
        )
    response = client.get("/api/v1/settings", headers=bearer(admin))
    assert secret not in response.get_data(as_text=True)
    shown = {item["name"]: item for item in response.get_json()["items"]}
    assert shown["smtp_password"]["is_set"] and shown["smtp_password"]["value"] == SECRET_MASK
