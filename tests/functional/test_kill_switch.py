"""The kill switch off: every money command refused (503, with the reason) from the pages, the portal and the API;
nothing changed; every page still reads, with a banner and the money buttons disabled."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from portal.flags.catalog import FINANCIAL_ORCHESTRATOR
from portal.models import AuditEvent, Commission, Invoice, Payment, Payout, WalletTransaction
from portal.persistence.context import Actor, CommandContext
from portal.services.feature_flags import ChangeFlag
from portal.services.running import command_runner
from tests.functional.dashboard_support import load_demo, log_in_as, page_token
from tests.support.api import bearer, make_token

REASON = "Bank reconciliation in progress."


@pytest.fixture
def paused(app, db_session):
    ids = load_demo(app, db_session)
    with app.app_context():
        command_runner(app, db_session, CommandContext(Actor.system("test"))).run(
            ChangeFlag(idempotency_key="pause-money", flag=FINANCIAL_ORCHESTRATOR, enabled=False, reason=REASON)
        )
    return ids


def _money_rows(session) -> tuple[int, ...]:
    counts = [session.scalar(sa.select(sa.func.count()).select_from(model))
              for model in (Payment, Payout, WalletTransaction, AuditEvent)]  # fmt: skip
    return (*counts, session.scalar(sa.select(sa.func.count()).where(Commission.status == "credited")))


def test_every_money_form_of_the_dashboard_answers_503_and_changes_nothing(app, client, db_session, paused):
    log_in_as(client, "admin")
    before = _money_rows(db_session)
    invoice = db_session.get(Invoice, paused["invoice_id"])
    token = page_token(client, "/dashboard/")
    posts = {
        f"/dashboard/invoices/{invoice.id}/payments": {"amount": "1.00", "method": "card"},
        f"/dashboard/payments/{paused['payment_id']}/refund": {"amount": "1.00", "reason": "x"},
        f"/dashboard/commissions/{paused['commission_id']}/approve": {},
        "/dashboard/commissions/approve-many": {"commission": str(paused["commission_id"])},
        f"/dashboard/payouts/{paused['payout_id']}/approve": {},
        f"/dashboard/payouts/{paused['payout_id']}/reject": {"reason": "x"},
        f"/dashboard/agents/{paused['agent_id']}/adjust": {"amount": "1.00", "reason": "x"},
    }
    for url, fields in posts.items():
        response = client.post(url, data={"csrf_token": token, "idempotency_key": uuid.uuid4().hex, **fields})
        assert response.status_code == 503, (url, response.status_code)
        assert REASON in response.get_data(as_text=True), url
    assert _money_rows(db_session) == before


def test_pages_still_read_with_a_banner_and_disabled_money_buttons(app, client, db_session, paused):
    log_in_as(client, "finance")
    for url in ("/dashboard/", "/dashboard/agents", f"/dashboard/invoices/{paused['invoice_id']}",
                "/dashboard/commissions", "/dashboard/payouts"):  # fmt: skip
        page = client.get(url)
        assert page.status_code == 200, url
        assert "Money is paused." in page.get_data(as_text=True) and REASON in page.get_data(as_text=True)
    invoice_page = client.get(f"/dashboard/invoices/{paused['invoice_id']}").get_data(as_text=True)
    assert 'id="record-payment" disabled' in invoice_page


def test_the_agents_payout_request_answers_503(app, client, db_session, paused):
    log_in_as(client, "agent")
    page = client.get("/portal/northwind/payouts")
    assert page.status_code == 200 and "Money is paused." in page.get_data(as_text=True)
    before = _money_rows(db_session)
    response = client.post("/portal/northwind/payouts", data={
        "csrf_token": page_token(client, "/portal/northwind/payouts"), "idempotency_key": uuid.uuid4().hex,
        "amount": "10.00"})  # fmt: skip
    assert response.status_code == 503 and REASON in response.get_data(as_text=True)
    assert _money_rows(db_session) == before


def test_the_api_answers_503_problems_with_retry_after(app, client, db_session, paused):
    admin = make_token(app, db_session)
    agent = make_token(app, db_session, role="agent", scope="write", agent_id=paused["agent_id"])
    invoice = db_session.get(Invoice, paused["invoice_id"])
    before = _money_rows(db_session)
    calls = [
        (admin, f"/api/v1/invoices/{invoice.id}/payments",
         {"amount": {"amount_minor": 100, "currency": invoice.currency}, "method": "card"}),
        (admin, f"/api/v1/commissions/{paused['commission_id']}/approve", None),
        (admin, "/api/v1/commissions/approve", {"commission_ids": [paused["commission_id"]]}),
        (admin, f"/api/v1/payouts/{paused['payout_id']}/approve", None),
        (agent, "/api/v1/payouts", {"amount": {"amount_minor": 1000, "currency": "EUR"}}),
    ]  # fmt: skip
    for token, url, body in calls:
        response = client.post(url, json=body, headers=bearer(token, uuid.uuid4().hex))
        assert response.status_code == 503, (url, response.get_json())
        assert response.mimetype == "application/problem+json" and int(response.headers["Retry-After"]) > 0
        assert REASON in response.get_json()["detail"]
    assert client.get("/api/v1/invoices", headers=bearer(admin)).status_code == 200
    assert _money_rows(db_session) == before


def test_money_moves_again_once_an_admin_turns_it_back_on(app, client, db_session, paused):
    with app.app_context():
        command_runner(app, db_session, CommandContext(Actor.system("test"))).run(
            ChangeFlag(idempotency_key="resume-money", flag=FINANCIAL_ORCHESTRATOR, enabled=True, reason="done")
        )
    admin = make_token(app, db_session)
    response = client.post(f"/api/v1/commissions/{paused['commission_id']}/approve", headers=bearer(admin, "again"))
    assert response.status_code == 200
    assert "Money is paused." not in client.get("/login").get_data(as_text=True)


def test_an_environment_override_names_itself_not_the_tables_last_reason(app, client, db_session, monkeypatch):
    ids = load_demo(app, db_session)
    with app.app_context():
        command_runner(app, db_session, CommandContext(Actor.system("test"))).run(
            ChangeFlag(idempotency_key="resumed", flag=FINANCIAL_ORCHESTRATOR, enabled=True, reason="Reconciled.")
        )
    monkeypatch.setitem(app.config, "FLAG_OVERRIDES", {FINANCIAL_ORCHESTRATOR: False})
    log_in_as(client, "finance")
    page = client.get(f"/dashboard/invoices/{ids['invoice_id']}").get_data(as_text=True)
    assert "Money is paused." in page and "FLAG_FINANCIAL_ORCHESTRATOR" in page and "Reconciled." not in page
