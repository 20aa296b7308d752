"""Health check, correlation ids and security headers on every response."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from portal.models import AuditEvent, User
from tests.conftest import make_app
from tests.functional.conftest import csrf_token_from
from tests.support.factories import PASSWORD


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "rate_limits": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "error"


def test_a_valid_request_id_is_echoed_behind_a_trusted_proxy(tmp_path):
    client = make_app(f"sqlite:///{tmp_path / 'proxy.sqlite3'}", tmp_path, TRUSTED_PROXY_HOPS=1).test_client()
    response = client.get("/healthz", headers={"X-Request-ID": "client-req-000123"})
    assert response.headers["X-Request-ID"] == "client-req-000123"


def test_a_malformed_request_id_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    echoed = response.headers["X-Request-ID"]
    assert echoed and "<" not in echoed and len(echoed) == 32


def test_every_response_carries_a_fresh_id_when_none_is_sent(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert first != second


def test_the_request_id_reaches_log_lines_and_audit_events(client, make, db_session, caplog):
    caplog.set_level(logging.INFO)
    user_id = make.user(role="finance")
    email = db_session.get(User, user_id).email
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    request_id = response.headers["X-Request-ID"]
    commit_lines = [r for r in caplog.records if getattr(r, "event", None) == "uow.commit"]
    assert commit_lines[-1].correlation_id == request_id
    event = db_session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event.correlation_id == request_id and event.entity_type == "User"


def test_security_headers_with_a_strict_csp(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_unknown_pages_get_a_helpful_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing here" in response.get_data(as_text=True)
