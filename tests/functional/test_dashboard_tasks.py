"""The operator's tasks on the dashboard, as a person does them: forms, errors, confirmations, results."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.models import Agent, AuditEvent, Commission, Invoice, Notification, Payment, Payout, Setting, User, Wallet
from tests.functional.dashboard_support import load_demo, log_in_as, page_token


@pytest.fixture
def admin(app, client, db_session):
    ids = load_demo(app, db_session)
    log_in_as(client, "admin")
    return ids


def key_from(html: str) -> str:
    """The first idempotency key on the page (form fields and buttons write their attributes in either order)."""
    return re.search(r'name="idempotency_key"[^>]*value="([a-f0-9]{32})"', html).group(1)


def test_adding_an_agent_explains_mistakes_next_to_the_fields_then_creates_it(client, db_session, admin):
    token = page_token(client)
    key = key_from(client.get("/dashboard/agents/new").get_data(as_text=True))
    bad = client.post(
        "/dashboard/agents/new",
        data={
            "csrf_token": token,
            "idempotency_key": key,
            "slug": "Not A Slug",
            "name": "",
            "email": "nope",
            "rate_percent": "150",
            "currency": "euro",
        },
    )
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422
    for message in (
        "Lower-case letters, digits and dashes",
        "Enter the agent",
        "Enter an e-mail address such as name@example.com.",
        "between 0 and 100",
        "Three capital letters",
    ):
        assert message in body, message
    taken = client.post(
        "/dashboard/agents/new",
        data={
            "csrf_token": token,
            "idempotency_key": key,
            "slug": "northwind",
            "name": "Copy",
            "email": "c@example.com",
            "rate_percent": "5",
            "currency": "EUR",
        },
    )
    assert taken.status_code == 422 and "is taken by another agent" in taken.get_data(as_text=True)
    created = client.post(
        "/dashboard/agents/new",
        data={
            "csrf_token": token,
            "idempotency_key": key,
            "slug": "harbour",
            "name": "Harbour Ltd",
            "email": "hi@harbour.example",
            "rate_percent": "7.5",
            "currency": "EUR",
        },
    )
    assert created.status_code == 303
    agent = db_session.scalar(sa.select(Agent).where(Agent.slug == "harbour"))
    assert agent.commission_rate_bps == 750
    assert db_session.scalar(sa.select(Wallet.id).where(Wallet.agent_id == agent.id)) is not None
    assert "Harbour Ltd was added" in client.get(created.headers["Location"]).get_data(as_text=True)


def test_suspending_asks_for_confirmation_and_a_reason(client, db_session, admin):
    url = f"/dashboard/agents/{admin['agent_id']}/status"
    confirm = client.get(url).get_data(as_text=True)
    assert "Suspend Northwind Brokers?" in confirm and "logged out at once" in confirm
    token, key = page_token(client, url), key_from(confirm)
    assert client.post(url, data={"csrf_token": token, "idempotency_key": key, "reason": ""}).status_code == 422
    assert db_session.get(Agent, admin["agent_id"]).status == "active"
    assert (
        client.post(url, data={"csrf_token": token, "idempotency_key": key, "reason": "Unpaid fees"}).status_code == 303
    )
    db_session.expire_all()
    assert db_session.get(Agent, admin["agent_id"]).status == "suspended"
    event = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.command == "suspend_agent")).one()
    assert event.reason == "Unpaid fees"


def test_an_invoice_from_draft_to_issued_to_void(client, db_session, admin):
    form_page = client.get("/dashboard/invoices/new?agent=bluebird").get_data(as_text=True)
    token, key = page_token(client, "/dashboard/invoices/new"), key_from(form_page)
    data = {
        "csrf_token": token,
        "idempotency_key": key,
        "agent": "bluebird",
        "customer_name": "Acme",
        "amount": "12.345",
        "due_date": "2027-03-01",
    }
    refused = client.post("/dashboard/invoices/new", data=data)
    assert refused.status_code == 422 and "USD amounts have 2 decimal places" in refused.get_data(as_text=True)
    created = client.post("/dashboard/invoices/new", data={**data, "amount": "1,200.50"})
    invoice_id = int(created.headers["Location"].rsplit("/", 1)[1])
    invoice = db_session.get(Invoice, invoice_id)
    assert (invoice.status, invoice.amount_minor, invoice.currency) == ("draft", 120050, "USD")
    invoice_page = client.get(f"/dashboard/invoices/{invoice_id}").get_data(as_text=True)
    issue = {"csrf_token": token, "idempotency_key": key_from(invoice_page)}
    assert client.post(f"/dashboard/invoices/{invoice_id}/issue", data=issue).status_code == 303
    void_url = f"/dashboard/invoices/{invoice_id}/void"
    void_page = client.get(void_url).get_data(as_text=True)
    assert "This cannot be undone" in void_page
    void = {"csrf_token": token, "idempotency_key": key_from(void_page), "reason": "Sent to the wrong customer"}
    assert client.post(void_url, data=void).status_code == 303
    db_session.expire_all()
    assert db_session.get(Invoice, invoice_id).status == "void"


def test_a_double_submitted_payment_is_recorded_once(client, db_session, admin):
    invoice_url = f"/dashboard/invoices/{admin['invoice_id']}"
    page = client.get(invoice_url).get_data(as_text=True)
    data = {
        "csrf_token": page_token(client, invoice_url),
        "idempotency_key": key_from(page),
        "amount": "100",
        "method": "card",
        "instrument": "4242 4242 4242 4242",
        "reference": "PSP-1",
    }
    before = db_session.scalar(sa.select(sa.func.count(Payment.id)))
    first = client.post(f"{invoice_url}/payments", data=data)
    second = client.post(f"{invoice_url}/payments", data=data)
    assert first.status_code == second.status_code == 303
    assert db_session.scalar(sa.select(sa.func.count(Payment.id))) == before + 1
    shown = client.get(invoice_url).get_data(as_text=True)
    assert "was already recorded." in shown and "4242 4242" not in shown and "···· 4242" in shown


def test_a_payment_above_what_is_due_is_refused_next_to_the_amount(client, admin):
    invoice_url = f"/dashboard/invoices/{admin['invoice_id']}"
    page = client.get(invoice_url).get_data(as_text=True)
    response = client.post(
        f"{invoice_url}/payments",
        data={
            "csrf_token": page_token(client, invoice_url),
            "idempotency_key": key_from(page),
            "amount": "999999",
            "method": "card",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "still due on invoice" in body and "field__error" in body


def test_a_refund_needs_a_reason_and_claws_back(client, db_session, admin):
    url = f"/dashboard/payments/{admin['payment_id']}/refund"
    page = client.get(url).get_data(as_text=True)
    token, key = page_token(client, url), key_from(page)
    assert (
        client.post(url, data={"csrf_token": token, "idempotency_key": key, "amount": "10", "reason": ""}).status_code
        == 422
    )
    assert (
        client.post(
            url, data={"csrf_token": token, "idempotency_key": key, "amount": "10", "reason": "Damaged goods"}
        ).status_code
        == 303
    )
    assert db_session.scalar(sa.select(sa.func.count(Commission.id)).where(Commission.kind == "clawback")) >= 2


def test_approving_many_commissions_is_safe_to_retry(client, db_session, admin):
    pending = list(db_session.scalars(sa.select(Commission.id).where(Commission.status == "pending")))
    page = client.get("/dashboard/commissions").get_data(as_text=True)
    key = re.search(
        r'id="bulk-approve">\s*<input[^>]+>\s*<input type="hidden" name="idempotency_key" value="(\w+)"', page
    ).group(1)
    data = {"csrf_token": page_token(client, "/dashboard/commissions"), "idempotency_key": key, "commission": pending}
    client.post("/dashboard/commissions/approve-many", data=data)
    retried = client.post("/dashboard/commissions/approve-many", data=data, follow_redirects=True)
    assert f"0 of {len(pending)} commissions approved" in retried.get_data(as_text=True)
    statuses = set(db_session.scalars(sa.select(Commission.status).where(Commission.id.in_(pending))))
    assert statuses == {"credited"}


def test_finance_approves_and_rejects_payouts(app, client, db_session):
    load_demo(app, db_session)
    log_in_as(client, "finance")
    requested = db_session.scalars(sa.select(Payout).where(Payout.status == "requested")).all()
    assert requested
    page = client.get("/dashboard/payouts").get_data(as_text=True)
    key = re.search(rf'/payouts/{requested[0].id}/approve".*?name="idempotency_key" value="(\w+)"', page, re.S).group(1)
    client.post(
        f"/dashboard/payouts/{requested[0].id}/approve",
        data={"csrf_token": page_token(client, "/dashboard/payouts"), "idempotency_key": key},
    )
    db_session.expire_all()
    assert db_session.get(Payout, requested[0].id).status == "approved"


def test_rejecting_a_payout_needs_a_reason_for_the_agent(client, db_session, admin):
    url = f"/dashboard/payouts/{admin['payout_id']}/reject"
    page = client.get(url).get_data(as_text=True)
    token, key = page_token(client, url), key_from(page)
    assert client.post(url, data={"csrf_token": token, "idempotency_key": key, "reason": " "}).status_code == 422
    assert (
        client.post(url, data={"csrf_token": token, "idempotency_key": key, "reason": "Bank details"}).status_code
        == 303
    )
    db_session.expire_all()
    assert db_session.get(Payout, admin["payout_id"]).rejection_reason == "Bank details"


def test_a_secret_is_never_echoed_and_a_reveal_is_audited(client, db_session, admin):
    url = "/dashboard/settings/smtp_password"
    token, key = page_token(client, url), key_from(client.get(url).get_data(as_text=True))
    saved = client.post(
        url, data={"csrf_token": token, "idempotency_key": key, "value": "mail-Password-77"}, follow_redirects=True
    )
    assert "mail-Password-77" not in saved.get_data(as_text=True)
    assert db_session.get(Setting, "smtp_password").ciphertext.startswith("v1.")
    form_again = client.get(url).get_data(as_text=True)
    assert "mail-Password-77" not in form_again
    revealed = client.post(
        "/dashboard/settings/smtp_password/reveal",
        data={"csrf_token": token, "idempotency_key": "b" * 32},
        headers={"HX-Request": "true"},
    )
    assert "mail-Password-77" in revealed.get_data(as_text=True) and "<html" not in revealed.get_data(as_text=True)
    assert revealed.headers["Cache-Control"] == "no-store"
    assert db_session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "reveal")) == 1


def test_staff_are_told_who_changed_a_setting_by_name(client, db_session, admin):
    url = "/dashboard/settings/commission_holding_days"
    token, key = page_token(client, url), key_from(client.get(url).get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token, "idempotency_key": key, "value": "9"}).status_code == 303
    body = db_session.scalars(
        sa.select(Notification.body).where(Notification.kind == "setting_changed").order_by(Notification.id.desc())
    ).first()
    assert body == "Commission holding period (days) was changed by Ada Admin (admin)."


def test_a_plain_setting_is_validated(client, admin):
    url = "/dashboard/settings/commission_holding_days"
    token, key = page_token(client, url), key_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "idempotency_key": key, "value": "soon"})
    assert response.status_code == 422 and "must be a whole number" in response.get_data(as_text=True)


def test_the_audit_trail_filters_by_request_and_verifies(client, admin):
    page = client.get("/dashboard/audit?entity_type=Payout").get_data(as_text=True)
    assert "Payout #" in page and "Invoice #" not in page
    correlation = re.search(r"correlation_id=([0-9a-f]{32})", page).group(1)
    same_request = client.get(f"/dashboard/audit?correlation_id={correlation}", headers={"HX-Request": "true"})
    assert same_request.get_data(as_text=True).lstrip().startswith('<section id="audit"')
    verified = client.post(
        "/dashboard/audit/verify",
        data={"csrf_token": page_token(client, "/dashboard/audit"), "idempotency_key": "c" * 32},
        follow_redirects=True,
    )
    assert "The audit chain holds" in verified.get_data(as_text=True)


def test_staff_users_are_managed_but_nobody_demotes_themselves(client, db_session, admin):
    token = page_token(client, "/dashboard/users/new")
    created = client.post(
        "/dashboard/users/new",
        data={
            "csrf_token": token,
            "idempotency_key": key_from(client.get("/dashboard/users/new").get_data(as_text=True)),
            "email": "new@ops.example",
            "full_name": "New Person",
            "role": "finance",
            "password": "long enough password",
        },
    )
    assert created.status_code == 303
    assert db_session.scalar(sa.select(User.role).where(User.email == "new@ops.example")) == "finance"
    me = db_session.scalar(sa.select(User.id).where(User.email == "admin@demo.example"))
    key = key_from(client.get(f"/dashboard/users/{me}").get_data(as_text=True))
    edit = {"csrf_token": token, "idempotency_key": key, "role": "viewer", "is_active": "y"}
    refused = client.post(f"/dashboard/users/{me}", data=edit)
    assert refused.status_code == 422 and "cannot change your own role" in refused.get_data(as_text=True)


def test_a_concurrent_change_is_shown_as_a_conflict_to_reload(client, admin, monkeypatch):
    from portal.commands.runner import CommandRunner
    from portal.domain.errors import ConcurrencyConflict

    def always_conflicts(self, command):
        raise ConcurrencyConflict("This changed at the same time as another request. Reload and try again.")

    monkeypatch.setattr(CommandRunner, "run", always_conflicts)
    invoice_url = f"/dashboard/invoices/{admin['invoice_id']}"
    page = client.get(invoice_url).get_data(as_text=True)
    response = client.post(
        f"{invoice_url}/payments",
        data={
            "csrf_token": page_token(client, invoice_url),
            "idempotency_key": key_from(page),
            "amount": "1",
            "method": "card",
        },
    )
    assert response.status_code == 409 and "Reload and try again" in response.get_data(as_text=True)


def test_list_pages_answer_htmx_with_fragments_and_vary_on_it(client, admin):
    for url, marker in (
        ("/dashboard/agents", 'id="agents"'),
        ("/dashboard/invoices", 'id="invoices"'),
        (f"/dashboard/agents/{admin['agent_id']}?tab=ledger", 'id="agent-tab"'),
        ("/dashboard/", 'id="overview"'),
    ):
        full = client.get(url)
        fragment = client.get(url, headers={"HX-Request": "true"})
        assert "<html" in full.get_data(as_text=True) and "HX-Request" in full.headers["Vary"]
        assert "<html" not in fragment.get_data(as_text=True) and marker in fragment.get_data(as_text=True)


def test_the_overview_shows_figures_per_currency_and_charts(client, admin):
    from datetime import date, timedelta

    start = (date.today() - timedelta(days=90)).isoformat()
    body = client.get(f"/dashboard/?from={start}").get_data(as_text=True)
    # 91 days are drawn a bar a week
    assert "<svg" in body and "Payments received per week (gross)" in body
    for currency in ("EUR", "USD", "GBP"):
        assert f'<th scope="row">{currency}</th>' in body
    swapped = client.get("/dashboard/?from=2030-01-01&to=2020-01-01")
    assert swapped.status_code == 200 and "The start is after the end" in swapped.get_data(as_text=True), (
        "a backwards range is refused next to the fields, not read the other way round"
    )
