"""Hardening items 5 and 6: the input that answered 500 gets a 4xx with a message, and a page past the end says so."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.models import Agent, AuditEvent, Invoice, Payout
from tests.functional.dashboard_support import load_demo, log_in_as, page_token

NUL_REFUSED = "Text with a NUL character cannot be stored: remove it and try again."
TOO_BIG_IDS = (str(2**31), str(2**63), "9" * 30)


@pytest.fixture
def ids(app, db_session):
    return load_demo(app, db_session)


def _id_routes(app, prefix: str) -> list[str]:
    return sorted(
        rule.rule for rule in app.url_map.iter_rules()
        if rule.rule.startswith(prefix) and "<int:" in rule.rule and "GET" in rule.methods
    )  # fmt: skip


def _changes(db_session) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("huge", TOO_BIG_IDS)
def test_hardening_05_ids_of_2_to_the_31_and_above_are_not_found_in_every_path(app, client, ids, huge):
    log_in_as(client, "admin")
    routes = _id_routes(app, "/dashboard")
    assert len(routes) >= 5
    for rule in routes:
        url = re.sub(r"<int:\w+>", huge, rule)
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m.group(1), "x")), url)
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)


@pytest.mark.parametrize("digits", ["²", "١٢", "１２"])
def test_hardening_05_ids_in_other_scripts_digits_are_not_found(client, ids, digits):
    log_in_as(client, "admin")
    assert client.get(f"/dashboard/agents/{digits}").status_code == 404
    assert client.get(f"/dashboard/invoices/{digits}").status_code == 404


@pytest.mark.parametrize("page", [str(2**63), str(2**64 + 1), "9" * 40])
def test_hardening_05_a_page_beyond_bigint_is_the_last_page(client, ids, page):
    log_in_as(client, "admin")
    response = client.get(f"/dashboard/invoices?page={page}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "does not exist — this is the last page" in body


@pytest.mark.parametrize(
    "url", ["/dashboard/agents?q=a\x00b", "/dashboard/invoices?status=issued&status=\x00", "/dashboard/audit?a\x00=1"]
)
def test_hardening_05_a_nul_in_a_query_string_is_refused_with_a_message(client, ids, url):
    log_in_as(client, "admin")
    response = client.get(url)
    assert response.status_code == 400 and NUL_REFUSED in response.get_data(as_text=True)


def test_hardening_05_a_nul_in_a_form_field_is_refused_and_changes_nothing(client, db_session, ids):
    log_in_as(client, "agent")
    before = (_changes(db_session), db_session.scalar(sa.select(sa.func.count()).select_from(Payout)))
    response = client.post(
        "/portal/northwind/payouts",
        data={"csrf_token": page_token(client, "/portal/northwind/payouts"), "idempotency_key": "c" * 32,
              "amount": "12.00\x00"},
    )  # fmt: skip
    assert response.status_code == 400 and NUL_REFUSED in response.get_data(as_text=True)
    assert (_changes(db_session), db_session.scalar(sa.select(sa.func.count()).select_from(Payout))) == before


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("²", "Enter an amount"),
        ("１２", "Enter an amount"),
        ("sNaN", "Enter an amount"),
        ("NaN", "Enter an amount"),
        ("Infinity", "Enter an amount"),
        ("1e3", "Enter an amount"),
    ],
)
def test_hardening_05_amounts_in_other_digits_or_special_values_are_refused_at_the_field(
    client, db_session, ids, typed, message
):
    log_in_as(client, "agent")
    before = _changes(db_session)
    response = client.post(
        "/portal/northwind/payouts",
        data={"csrf_token": page_token(client, "/portal/northwind/payouts"), "idempotency_key": "d" * 32,
              "amount": typed},
    )  # fmt: skip
    assert response.status_code == 422, typed
    assert message in response.get_data(as_text=True)
    assert _changes(db_session) == before


@pytest.mark.parametrize("due", ["9999-12-31", "0001-01-05", "2027-02-30", "99999-01-01"])
def test_hardening_05_edge_due_dates_are_refused_at_the_field(client, db_session, ids, due):
    log_in_as(client, "admin")
    page = client.get("/dashboard/invoices/new").get_data(as_text=True)
    key = re.search(r'name="idempotency_key"[^>]*value="([a-f0-9]{32})"', page).group(1)
    before = db_session.scalar(sa.select(sa.func.count()).select_from(Invoice))
    response = client.post("/dashboard/invoices/new", data={
        "csrf_token": page_token(client, "/dashboard/invoices/new"), "idempotency_key": key, "agent": "northwind",
        "customer_name": "Edge Case Ltd", "amount": "10.00", "due_date": due,
    })  # fmt: skip
    body = response.get_data(as_text=True)
    assert response.status_code == 422, due
    assert "Choose a due date between 2000 and 2199." in body or "There is no such date: use YYYY-MM-DD" in body
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == before


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-05", "0000-00-00", "2026-13-01"])
def test_hardening_05_edge_dates_in_filters_read_as_no_filter(client, ids, day):
    log_in_as(client, "admin")
    assert client.get(f"/dashboard/audit?since={day}&until={day}").status_code == 200
    assert client.get(f"/dashboard/?from={day}&to={day}").status_code == 200


@pytest.mark.parametrize("target", ["/dashboard/\r\nSet-Cookie: x=1", "%0d%0aLocation: https://evil.example", "\r\n"])
def test_hardening_05_a_line_break_in_next_never_reaches_a_header(client, ids, target):
    page = client.get("/login").get_data(as_text=True)
    from tests.functional.conftest import csrf_token_from

    response = client.post(
        f"/login?next={target}",
        data={"email": "admin@demo.example", "password": "demo-admin-password", "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert "\r" not in location and "\n" not in location and "evil.example" not in location
    assert "Set-Cookie: x" not in str(response.headers)


def test_hardening_06_a_page_past_the_end_shows_the_last_page_and_says_so(app, client, db_session, ids, monkeypatch):
    monkeypatch.setitem(app.config, "AGENTS_PER_PAGE", 2)
    log_in_as(client, "admin")
    agents = db_session.scalar(sa.select(sa.func.count()).select_from(Agent))
    last = -(-agents // 2)
    body = client.get("/dashboard/agents?page=999999").get_data(as_text=True)
    assert f"Page 999,999 does not exist — this is the last page ({last})" in body
    assert "No agents yet" not in body
    assert re.search(rf"{2 * last - 1}–{agents} of {agents}|{agents}–{agents} of {agents}", body)


@pytest.mark.parametrize("role", ["agent", "admin"])
@pytest.mark.parametrize("path", ["/portal/north%00wind/", "/portal/northwind%00/invoices", "/dashboard/agents%00"])
def test_hardening_05_a_nul_in_the_path_is_refused_with_a_message(client, ids, role, path):
    log_in_as(client, role)
    response = client.get(path)
    assert response.status_code == 400 and NUL_REFUSED in response.get_data(as_text=True)


LISTED = re.compile(r"<table|<li class=\"notification")
PAGED = {
    "admin": ["/dashboard/agents", "/dashboard/invoices", "/dashboard/commissions?status=all",
              "/dashboard/payouts?status=all", "/dashboard/audit", "/dashboard/users",
              *[f"/dashboard/agents/{{agent_id}}?tab={tab}" for tab in
                ("invoices", "payments", "ledger", "payouts", "commissions", "notifications", "audit")]],
    "agent": ["/portal/northwind/invoices", "/portal/northwind/payments", "/portal/northwind/wallet",
              "/portal/northwind/payouts", "/portal/northwind/notifications"],
}  # fmt: skip


@pytest.mark.parametrize(("role", "url"), [(role, url) for role, urls in PAGED.items() for url in urls])
def test_hardening_06_every_list_past_its_end_shows_its_last_page_and_says_so(client, ids, role, url):
    log_in_as(client, role)
    url = url.format(**ids)
    first = client.get(url).get_data(as_text=True)
    assert LISTED.search(first), f"{url} lists something in the demo data"
    beyond = client.get(f"{url}{'&' if '?' in url else '?'}page=999999").get_data(as_text=True)
    assert "Page 999,999 does not exist — this is the last page (" in beyond, url
    assert LISTED.search(beyond), f"{url}: the last page's rows, not an empty list"
