"""The API's door: bearer tokens only, scopes, roles, agents' isolation, problems for every error, rate limits."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.models import AuditEvent, Invoice
from tests.functional.dashboard_support import load_demo, log_in_as
from tests.support.api import bearer, expire, make_token, revoke, token_id

PROBLEM = "application/problem+json"


@pytest.fixture
def demo(app, db_session):
    return load_demo(app, db_session)


@pytest.fixture
def admin(app, db_session, demo):
    return make_token(app, db_session)


def test_a_request_without_a_bearer_token_is_refused_with_a_challenge(client, demo):
    response = client.get("/api/v1/agents")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    problem = response.get_json()
    assert problem["status"] == 401 and problem["type"].endswith("/unauthenticated")
    assert problem["correlation_id"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize("header", ["Bearer nonsense", "Basic YWRtaW46YWRtaW4=", "Bearer ", "Bearer " + "x" * 5000])
def test_an_unknown_or_malformed_token_is_refused(client, demo, header):
    response = client.get("/api/v1/agents", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.mimetype == PROBLEM


def test_a_logged_in_session_cookie_never_opens_the_api(client, demo):
    log_in_as(client, "admin")
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/api/v1/agents").status_code == 401
    response = client.post("/api/v1/agents", json={}, headers={"Idempotency-Key": "k"})
    assert response.status_code == 401


def test_revoked_and_expired_tokens_stop_working(app, client, db_session, demo):
    revoked, expired = make_token(app, db_session), make_token(app, db_session)
    assert client.get("/api/v1/agents", headers=bearer(revoked)).status_code == 200
    revoke(app, db_session, revoked)
    expire(db_session, expired)
    for secret in (revoked, expired):
        response = client.get("/api/v1/agents", headers=bearer(secret))
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_suspended_agents_token_stops_working(app, client, db_session, demo, admin):
    agent_token = make_token(app, db_session, role="agent", scope="write", agent_id=demo["agent_id"])
    assert client.get(f"/api/v1/agents/{demo['agent_id']}", headers=bearer(agent_token)).status_code == 200
    response = client.post(
        f"/api/v1/agents/{demo['agent_id']}/suspend", json={"reason": "audit"}, headers=bearer(admin, "suspend-1")
    )
    assert response.status_code == 200 and response.get_json()["status"] == "suspended"
    assert client.get(f"/api/v1/agents/{demo['agent_id']}", headers=bearer(agent_token)).status_code == 401


def test_a_read_token_cannot_write(app, client, db_session, demo):
    reader = make_token(app, db_session, scope="read")
    response = client.post(f"/api/v1/invoices/{demo['invoice_id']}/issue", headers=bearer(reader, "issue-1"))
    assert response.status_code == 403
    assert response.get_json()["type"].endswith("/insufficient-scope")


def test_a_write_token_cannot_do_what_needs_admin(app, client, db_session, demo):
    writer = make_token(app, db_session, scope="write")
    body = {"amount": {"amount_minor": 100, "currency": "EUR"}, "method": "card"}
    response = client.post(f"/api/v1/invoices/{demo['invoice_id']}/payments", json=body, headers=bearer(writer, "p1"))
    assert response.status_code == 403


def test_a_staff_token_acts_with_its_roles_permissions(app, client, db_session, demo):
    viewer = make_token(app, db_session, role="viewer", scope="admin")
    assert client.get("/api/v1/agents", headers=bearer(viewer)).status_code == 200
    response = client.post(f"/api/v1/commissions/{demo['commission_id']}/approve", headers=bearer(viewer, "approve-1"))
    assert response.status_code == 403
    assert response.get_json()["type"].endswith("/role-not-allowed")


def test_an_agents_token_sees_only_its_own_agent(app, client, db_session, demo):
    own = demo["agent_id"]
    other_invoice = db_session.scalar(sa.select(sa.func.min(Invoice.id)).where(Invoice.agent_id != own))
    other_agent = db_session.scalar(sa.select(Invoice.agent_id).where(Invoice.id == other_invoice))
    agent_token = make_token(app, db_session, role="agent", scope="write", agent_id=own)
    headers = bearer(agent_token)
    for url in (f"/api/v1/agents/{other_agent}", f"/api/v1/agents/{other_agent}/summary",
                f"/api/v1/agents/{other_agent}/wallet", f"/api/v1/agents/{other_agent}/ledger",
                f"/api/v1/invoices/{other_invoice}"):  # fmt: skip
        response = client.get(url, headers=headers)
        assert response.status_code == 404, url
        assert response.mimetype == PROBLEM
    listed = client.get("/api/v1/invoices?limit=100", headers=headers).get_json()["items"]
    assert listed and {item["agent_id"] for item in listed} == {own}
    forced = client.get(f"/api/v1/invoices?agent_id={other_agent}", headers=headers).get_json()["items"]
    assert {item["agent_id"] for item in forced} <= {own}
    assert client.get("/api/v1/agents", headers=headers).status_code == 403
    assert client.get("/api/v1/audit-events", headers=headers).status_code == 403


def test_every_change_through_the_api_is_audited_as_the_token_and_its_owner(app, client, db_session, demo, admin):
    response = client.post(
        f"/api/v1/invoices/{demo['invoice_id']}/payments",
        json={"amount": {"amount_minor": 500, "currency": _currency(db_session, demo)}, "method": "cash"},
        headers=bearer(admin, "audited-1"),
    )
    assert response.status_code == 201, response.get_json()
    events = sa.select(AuditEvent.actor).where(AuditEvent.correlation_id == response.headers["X-Request-ID"])
    actors = list(db_session.scalars(events))
    assert len(actors) >= 3  # the payment, its commission, the invoice and its summary
    assert set(actors) == {f"token:{token_id(db_session, admin)} (staff:admin)"}


def test_errors_under_the_api_are_problems_never_pages(client, demo, admin):
    for method, url, status in (("GET", "/api/v1/nothing-here", 404), ("DELETE", "/api/v1/agents", 405),
                                ("GET", "/api/v1/agents/99999999", 404), ("GET", "/api/v1/agents/0", 404)):  # fmt: skip
        response = client.open(url, method=method, headers=bearer(admin))
        assert response.status_code == status, url
        if status == 405:
            assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
        assert response.mimetype == PROBLEM
        assert response.get_json()["status"] == status


def test_a_request_that_fails_its_schema_lists_each_field(client, demo, admin):
    body = {"amount": {"amount_minor": 12.5, "currency": "euro"}, "method": "cheque", "extra": 1}
    response = client.post(f"/api/v1/invoices/{demo['invoice_id']}/payments", json=body, headers=bearer(admin, "v1"))
    assert response.status_code == 422
    fields = {error["field"] for error in response.get_json()["errors"]}
    assert {"amount.amount_minor", "amount.currency", "method", "extra"} <= fields


def test_a_cursor_the_list_never_gave_out_names_no_page(client, demo, admin):
    response = client.get("/api/v1/invoices?cursor=not-a-cursor", headers=bearer(admin))
    assert response.status_code == 404
    assert response.get_json()["errors"][0]["field"] == "cursor"


def test_the_rate_limit_is_per_token_and_answers_retry_after(sqlite_databases, tmp_path):
    from flask_migrate import upgrade

    from portal.extensions import db
    from tests.conftest import make_app

    app = make_app(sqlite_databases(), tmp_path, API_RATE_LIMIT="3 per minute")
    with app.app_context():
        upgrade()
    first, second = make_token(app, db.session), make_token(app, db.session)
    client = app.test_client()
    statuses = [client.get("/api/v1/feature-flags", headers=bearer(first)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/feature-flags", headers=bearer(first))
    assert limited.mimetype == PROBLEM and int(limited.headers["Retry-After"]) > 0
    assert client.get("/api/v1/feature-flags", headers=bearer(second)).status_code == 200


def _currency(session, demo) -> str:
    return session.scalar(sa.select(Invoice.currency).where(Invoice.id == demo["invoice_id"]))
