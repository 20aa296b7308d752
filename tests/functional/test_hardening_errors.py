"""Hardening items 8–11: error pages in their area's frame, never a bare 500, no cached pages, no open redirect."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.exc import OperationalError

from portal import data_access
from portal.extensions import db
from portal.seed.demo import load_demo_data
from tests.conftest import make_app
from tests.functional.conftest import csrf_token_from
from tests.functional.dashboard_support import load_demo, log_in_as, page_token

SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "X-Request-ID")


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request):
    """Both databases: an aborted transaction is PostgreSQL's behaviour."""
    return request.getfixturevalue(f"{'postgres' if request.param == 'postgresql' else 'sqlite'}_app")


@pytest.fixture
def backend(app) -> str:
    return "postgresql" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "sqlite"


@pytest.fixture
def demo(app, db_session):
    return load_demo(app, db_session)


def assert_guarded(response) -> None:
    for header in SECURITY_HEADERS:
        assert response.headers.get(header), f"{header} missing on a {response.status_code}"
    assert response.headers["Cache-Control"] == "no-store"


def test_hardening_08_the_500_page_has_a_title_the_area_and_a_reference(client, demo, monkeypatch):
    log_in_as(client, "admin")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(data_access, "agents_overview", broken)
    response = client.get("/dashboard/agents")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "<title>Something went wrong · Agent Portal</title>" in body and "property object" not in body
    assert 'aria-label="Dashboard"' in body, "the dashboard's navigation stays"
    assert response.headers["X-Request-ID"] in body, "the reference to quote to support"
    assert_guarded(response)


def test_hardening_09_an_aborted_transaction_is_rolled_back_before_the_error_page(client, demo, backend, monkeypatch):
    log_in_as(client, "agent")
    real_home = data_access.portal_home

    def fails_inside_its_transaction(agent):
        real_home(agent)
        # On PostgreSQL this aborts the request's transaction: any later query fails until a rollback.
        db.session.execute(sa.text("SELECT CAST('not a number' AS INTEGER)"))
        raise AssertionError("unreachable on PostgreSQL")

    monkeypatch.setattr(data_access, "portal_home", fails_inside_its_transaction)
    response = client.get("/portal/northwind/")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert 'aria-label="Portal"' in body, "the portal's frame (which reads the database) was drawn"
    assert "Northwind Partner Hub" in body
    assert_guarded(response)


def test_hardening_09_with_the_database_down_pages_answer_503_with_every_header(client, demo, monkeypatch):
    log_in_as(client, "agent")
    staff = client.application.test_client()
    log_in_as(staff, "admin")

    def database_down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr("portal.auth.sessions.user_for_session", database_down)
    for who, url in (
        (staff, "/dashboard/"),
        (client, "/portal/northwind/"),
        (client, "/portal/northwind/notifications/badge"),
    ):
        response = who.get(url, headers={"HX-Request": "true"} if "badge" in url else {})
        assert response.status_code == 503, url
        assert "cannot reach its database" in response.get_data(as_text=True)
        assert_guarded(response)
        assert "HX-Request" in response.headers.get("Vary", "")


def test_hardening_09_a_database_that_went_away_is_a_503_with_every_header(tmp_path):
    """A real outage: the database file is replaced by a directory, so no connection opens."""
    database = tmp_path / "outage.sqlite3"
    app = make_app(f"sqlite:///{database}", tmp_path)
    with app.app_context():
        upgrade()
        load_demo_data(db.session)
        db.session.remove()
    client = app.test_client()
    log_in_as(client, "admin")
    assert client.get("/dashboard/").status_code == 200
    with app.app_context():
        db.engine.dispose()
    database.rename(tmp_path / "moved.sqlite3")
    database.mkdir()
    response = client.get("/dashboard/")
    assert response.status_code == 503 and "cannot reach its database" in response.get_data(as_text=True)
    assert_guarded(response)


def test_hardening_10_no_authenticated_page_or_fragment_is_cached(app, client, demo):
    log_in_as(client, "agent")
    for url, fragment in (
        ("/portal/northwind/", False),
        ("/portal/northwind/wallet", True),
        ("/portal/northwind/payouts", False),
        ("/portal/northwind/notifications/badge", True),
        ("/portal/northwind/appearance", False),
        ("/portal/northwind/invoices/999999", True),
    ):
        response = client.get(url, headers={"HX-Request": "true"} if fragment else {})
        assert response.headers["Cache-Control"] == "no-store", url
        assert "HX-Request" in response.headers["Vary"], url
    preview = client.post(
        "/portal/northwind/appearance/preview", headers={"HX-Request": "true"},
        data={"csrf_token": page_token(client, "/portal/northwind/appearance"), "display_name": "N",
              "primary_color": "#112233", "accent_color": "#445566"},
    )  # fmt: skip
    assert preview.status_code == 200 and preview.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in preview.headers["Vary"]
    client = app.test_client()
    log_in_as(client, "finance")
    for url in (
        "/dashboard/",
        "/dashboard/invoices",
        f"/dashboard/invoices/{demo['invoice_id']}",
        "/dashboard/payouts",
    ):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
        assert "HX-Request" in response.headers["Vary"], url


def test_hardening_11_actions_never_redirect_to_another_host(client, demo):
    log_in_as(client, "finance")
    page = client.get("/dashboard/commissions").get_data(as_text=True)
    match = re.search(r'/commissions/(\d+)/approve".*?name="idempotency_key" value="(\w+)"', page, re.S)
    token = page_token(client, "/dashboard/commissions")
    for referrer in ("https://evil.example/steal", "//evil.example/x", "javascript:alert(1)"):
        response = client.post(
            f"/dashboard/commissions/{match.group(1)}/approve",
            data={"csrf_token": token, "idempotency_key": match.group(2)},
            headers={"Referer": referrer},
        )
        assert response.status_code == 303
        assert response.headers["Location"].startswith("/"), response.headers["Location"]
        assert "evil" not in response.headers["Location"] and not response.headers["Location"].startswith("//")
    htmx = client.post(
        f"/dashboard/commissions/{match.group(1)}/approve",
        data={"csrf_token": token, "idempotency_key": match.group(2)},
        headers={"Referer": "https://evil.example/", "HX-Request": "true"},
    )
    assert htmx.headers["HX-Redirect"].startswith("/") and "evil" not in htmx.headers["HX-Redirect"]
    same_site = client.post(
        f"/dashboard/commissions/{match.group(1)}/approve",
        data={"csrf_token": token, "idempotency_key": match.group(2)},
        headers={"Referer": "http://localhost/dashboard/commissions?page=2"},
    )
    assert same_site.headers["Location"] == "/dashboard/commissions?page=2"


def test_hardening_11_next_after_log_in_never_leaves_the_site(client, demo):
    for target in ("/dashboard/\r\nSet-Cookie:x=1", "https://evil.example/", "//evil.example", "/\\evil.example"):
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"email": "admin@demo.example", "password": "demo-admin-password", "csrf_token": token},
        )
        assert response.status_code == 303 and response.headers["Location"] == "/dashboard/", target
        client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/dashboard/").get_data(as_text=True))})


def test_hardening_08_a_refused_csrf_token_page_has_a_reference_and_every_header(client, demo):
    log_in_as(client, "finance")
    response = client.post("/dashboard/agents/new", data={"csrf_token": "forged"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert_guarded(response)
    assert f"<code>{response.headers['X-Request-ID']}</code>" in body, "the page quotes the id the logs carry"
    assert 'aria-label="Dashboard"' in body, "a refused form keeps the dashboard around it"


@pytest.mark.parametrize(("method", "code"), [("get", 404), ("delete", 405)])
def test_hardening_08_a_missing_dashboard_page_keeps_the_dashboard_frame(client, demo, method, code):
    log_in_as(client, "viewer")
    response = getattr(client, method)("/dashboard/no-such-page" if code == 404 else "/dashboard/agents")
    body = response.get_data(as_text=True)
    assert response.status_code == code and 'aria-label="Dashboard"' in body
    assert f"<code>{response.headers['X-Request-ID']}</code>" in body


def test_hardening_08_a_missing_portal_page_keeps_the_agents_own_frame_only(client, demo):
    log_in_as(client, "agent")
    own = client.get("/portal/northwind/no-such-page")
    assert own.status_code == 404 and 'aria-label="Portal"' in own.get_data(as_text=True)
    other = client.get("/portal/bluebird/no-such-page")
    assert other.status_code == 404
    assert 'aria-label="Portal"' not in other.get_data(as_text=True), "another agent's frame confirms nothing"
    staff = client.application.test_client()
    log_in_as(staff, "admin")
    plain = staff.get("/portal/northwind/no-such-page")
    assert plain.status_code == 404 and 'aria-label="Portal"' not in plain.get_data(as_text=True)
