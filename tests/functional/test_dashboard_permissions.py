"""Every dashboard route, with every role and anonymously: the matrix decides, in one place."""

from __future__ import annotations

import re

import pytest

from portal.auth.permissions import ENDPOINTS, PERMISSIONS, role_can
from tests.functional.conftest import csrf_token_from
from tests.functional.dashboard_support import dashboard_routes, load_demo, log_in_as


def test_every_dashboard_endpoint_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("dashboard.")}
    assert endpoints == set(ENDPOINTS)
    assert set(ENDPOINTS.values()) <= set(PERMISSIONS)


def test_the_matrix_says_what_the_product_says():
    assert role_can("admin", "users.manage") and not role_can("finance", "users.manage")
    assert role_can("finance", "payouts.decide") and not role_can("viewer", "payouts.decide")
    assert role_can("viewer", "read") and not role_can("viewer", "invoices.manage")
    assert not role_can("finance", "settings.reveal") and role_can("admin", "settings.reveal")
    assert not role_can("agent", "read")


@pytest.mark.parametrize("role", ["admin", "finance", "viewer"])
def test_each_staff_role_reaches_exactly_what_it_may(app, client, db_session, role):
    ids = load_demo(app, db_session)
    log_in_as(client, role)
    token = csrf_token_from(client.get("/dashboard/").get_data(as_text=True))
    for endpoint, method, url in dashboard_routes(app, ids):
        data = {"csrf_token": token}
        response = client.open(url, method=method, data=data if method == "POST" else None)
        allowed = role_can(role, ENDPOINTS[endpoint])
        if allowed:
            assert response.status_code != 403 and response.status_code < 500, (role, method, url, response.status_code)
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)
            assert "does not have access" in response.get_data(as_text=True)


def test_agent_users_get_403_everywhere(app, client, db_session):
    ids = load_demo(app, db_session)
    log_in_as(client, "agent")
    token = csrf_token_from(client.get("/portal/northwind/").get_data(as_text=True))
    for _endpoint, method, url in dashboard_routes(app, ids):
        response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        assert response.status_code == 403, (method, url)


def test_anonymous_visitors_are_sent_to_log_in(app, client, db_session):
    ids = load_demo(app, db_session)
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    for _endpoint, method, url in dashboard_routes(app, ids):
        response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"], (method, url)


def test_the_viewer_sees_no_action_buttons(app, client, db_session):
    ids = load_demo(app, db_session)
    log_in_as(client, "viewer")
    for url in ("/dashboard/agents", f"/dashboard/agents/{ids['agent_id']}", f"/dashboard/invoices/{ids['invoice_id']}",
                "/dashboard/commissions", "/dashboard/payouts", "/dashboard/settings", "/dashboard/audit"):  # fmt: skip
        body = client.get(url).get_data(as_text=True)
        main = body.split("<main", 1)[1].split("</main>", 1)[0]
        assert 'method="post"' not in main, f"{url}: the viewer is offered a form that changes something"
        assert body.count('action="/logout"') >= 1, f"{url}: the viewer can still log out"
        links = re.findall(r'href="(/dashboard[^"]*)"', main)
        actions = ("/new", "/edit", "/status", "/login", "/adjust", "/void", "/refund", "/reject", "/settings/")
        assert not [link for link in links if link.split("?")[0].endswith(actions) or "/settings/" in link], url
