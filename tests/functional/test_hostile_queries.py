"""Hostile query strings and form values reach every list page as defaults, never as a server error.

A NUL character is the exception: no page can use it, so the request is refused (400, with a message) first.
"""

from __future__ import annotations

import pytest

from tests.functional.dashboard_support import load_demo, log_in_as, page_token

HUGE = "9" * 30
VALUES = (HUGE, str(2**63), "²", "١٢", "\x00", "1\x00", "9999-12-31", "0001-01-01", "-1", "<script>")
NUL_REFUSED = "Text with a NUL character cannot be stored"


def expect_answer(response, url: str, value: str) -> None:
    if "\x00" in value:
        assert response.status_code == 400 and NUL_REFUSED in response.get_data(as_text=True), (url, value)
    else:
        assert response.status_code == 200, (url, value, response.status_code)


DASHBOARD = (
    "/dashboard/?from={v}&to={v}&currency={v}",
    "/dashboard/agents?page={v}&q={v}&status={v}&sort={v}&dir={v}",
    "/dashboard/agents/{agent_id}?tab={v}&page={v}",
    "/dashboard/agents/{agent_id}?tab=ledger&page={v}&kind={v}",
    "/dashboard/invoices?page={v}&agent={v}&status={v}&q={v}",
    "/dashboard/commissions?status={v}&page={v}",
    "/dashboard/payouts?status={v}&page={v}",
    "/dashboard/audit?page={v}&since={v}&until={v}&actor={v}&entity_id={v}",
    "/dashboard/users?page={v}",
)
PORTAL = (
    "/portal/northwind/invoices?page={v}&status={v}&q={v}&agent={v}",
    "/portal/northwind/payments?page={v}",
    "/portal/northwind/wallet?page={v}&kind={v}",
    "/portal/northwind/payouts?page={v}",
    "/portal/northwind/notifications?page={v}",
)


@pytest.fixture
def ids(app, db_session):
    return load_demo(app, db_session)


@pytest.mark.parametrize("value", VALUES)
def test_dashboard_lists_read_hostile_queries_as_defaults(client, ids, value):
    log_in_as(client, "admin")
    for url in DASHBOARD:
        expect_answer(client.get(url.format(v=value, **ids)), url, value)


@pytest.mark.parametrize("value", VALUES)
def test_portal_lists_read_hostile_queries_as_defaults(client, ids, value):
    log_in_as(client, "agent")
    for url in PORTAL:
        expect_answer(client.get(url.format(v=value)), url, value)


@pytest.mark.parametrize("value", ["²", HUGE, "0"])
def test_unreadable_ids_in_forms_are_refused_not_crashed_on(client, ids, value):
    log_in_as(client, "agent")
    token = page_token(client, "/portal/northwind/notifications")
    read = client.post(
        "/portal/northwind/notifications/read",
        data={"csrf_token": token, "idempotency_key": "a" * 32, "notification": value},
    )
    assert read.status_code == 404
    client.post("/logout", data={"csrf_token": token})
    log_in_as(client, "admin")
    approve = client.post(
        "/dashboard/commissions/approve-many",
        data={"csrf_token": page_token(client), "idempotency_key": "b" * 32, "commission": [value]},
        follow_redirects=True,
    )
    assert approve.status_code == 200 and "Tick the commissions to approve first" in approve.get_data(as_text=True)


def test_a_nul_in_a_form_is_refused_before_anything_runs(client, ids):
    log_in_as(client, "admin")
    approve = client.post(
        "/dashboard/commissions/approve-many",
        data={"csrf_token": page_token(client), "idempotency_key": "b" * 32, "commission": ["\x00"]},
    )
    assert approve.status_code == 400 and NUL_REFUSED in approve.get_data(as_text=True)
