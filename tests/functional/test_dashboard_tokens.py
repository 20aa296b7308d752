"""Admins make API tokens on the dashboard (the secret shown once) and revoke them; nobody else can."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.models import ApiToken
from tests.functional.dashboard_support import load_demo, log_in_as, page_token


@pytest.fixture
def demo(app, db_session):
    return load_demo(app, db_session)


def _form(client, url: str) -> dict[str, str]:
    html = client.get(url).get_data(as_text=True)
    return dict(re.findall(r'name="(csrf_token|idempotency_key)"[^>]*value="([^"]+)"', html))


def test_an_admin_makes_a_token_sees_its_secret_once_and_it_opens_the_api(client, db_session, demo):
    log_in_as(client, "admin")
    hidden = _form(client, "/dashboard/tokens/new")
    data = {**hidden, "name": "Accounting sync", "scope": "read", "owner": "finance", "agent_slug": "", "days": "30"}
    made = client.post("/dashboard/tokens/new", data=data)
    assert made.status_code == 201
    secret = re.search(r'id="token-secret">(apt_[^<]+)<', made.get_data(as_text=True)).group(1)
    again = client.post("/dashboard/tokens/new", data=data)
    assert secret not in again.get_data(as_text=True) and "shown then" in again.get_data(as_text=True)
    assert db_session.scalar(sa.select(sa.func.count(ApiToken.id))) == 1
    assert secret not in client.get("/dashboard/tokens").get_data(as_text=True)
    api = client.application.test_client()
    assert api.get("/api/v1/invoices", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_an_agents_token_is_named_by_the_agents_slug(client, db_session, demo):
    log_in_as(client, "admin")
    hidden = _form(client, "/dashboard/tokens/new")
    data = {**hidden, "name": "Shop", "scope": "write", "owner": "agent", "agent_slug": "no-such-agent", "days": "90"}
    refused = client.post("/dashboard/tokens/new", data=data)
    assert refused.status_code == 422 and "no agent with that slug" in refused.get_data(as_text=True)
    made = client.post("/dashboard/tokens/new", data={**data, "agent_slug": "northwind"})
    assert made.status_code == 201
    token = db_session.scalar(sa.select(ApiToken))
    assert token.owner_role == "agent" and token.scope == "write" and token.owner.startswith("agent:")


def test_revoking_asks_first_then_the_token_stops_working(client, db_session, demo):
    log_in_as(client, "admin")
    hidden = _form(client, "/dashboard/tokens/new")
    made = client.post("/dashboard/tokens/new", data={**hidden, "name": "Old", "scope": "read", "owner": "viewer",
                                                      "agent_slug": "", "days": "30"})  # fmt: skip
    secret = re.search(r'id="token-secret">(apt_[^<]+)<', made.get_data(as_text=True)).group(1)
    token_id = db_session.scalar(sa.select(ApiToken.id))
    url = f"/dashboard/tokens/{token_id}/revoke"
    asked = client.get(url)
    assert asked.status_code == 200 and "cannot be undone" in asked.get_data(as_text=True)
    revoked = client.post(url, data=_form(client, url))
    assert revoked.status_code == 303
    api = client.application.test_client()
    assert api.get("/api/v1/invoices", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


@pytest.mark.parametrize("role", ["finance", "viewer"])
def test_only_admins_manage_tokens(client, demo, role):
    log_in_as(client, role)
    assert client.get("/dashboard/tokens").status_code == 403
    token = page_token(client, "/dashboard/")
    assert client.post("/dashboard/tokens/new", data={"csrf_token": token}).status_code == 403
