"""An agent reaches only its own portal and its own objects; everyone else gets 404, never data."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.models import Agent, Invoice, Notification, Payout, PortalLogo
from tests.functional.conftest import csrf_token_from
from tests.functional.dashboard_support import load_demo, log_in_as
from tests.support.factories import PASSWORD


def portal_routes(app) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("agent_portal."):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, rule.rule))
    return sorted(routes)


def _ids_of(session, slug: str) -> dict[str, int]:
    agent_id = session.scalar(sa.select(Agent.id).where(Agent.slug == slug))
    return {
        "invoice_id": session.scalar(sa.select(sa.func.min(Invoice.id)).where(Invoice.agent_id == agent_id)),
        "payout_id": session.scalar(sa.select(sa.func.min(Payout.id)).where(Payout.agent_id == agent_id)),
        "logo_id": session.scalar(sa.select(sa.func.min(PortalLogo.id)).where(PortalLogo.agent_id == agent_id)) or 1,
        "version": 1,
        "slug": slug,
    }


def _url(rule: str, ids: dict) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule)


@pytest.mark.parametrize("visitor", ["other agent", "staff", "anonymous"])
def test_nobody_but_the_agents_own_users_sees_anything(app, client, db_session, visitor):
    load_demo(app, db_session)
    ids = _ids_of(db_session, "northwind")
    if visitor == "other agent":
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"email": "agent@bluebird.example", "password": "demo-agent-password",
                                    "csrf_token": token})  # fmt: skip
    elif visitor == "staff":
        log_in_as(client, "admin")
    token = csrf_token_from(client.get("/login", follow_redirects=True).get_data(as_text=True))
    routes = portal_routes(app)
    assert len(routes) >= 15
    for _endpoint, method, rule in routes:
        response = client.open(_url(rule, ids), method=method, data={"csrf_token": token} if method == "POST" else None)
        body = response.get_data(as_text=True)
        if visitor == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"], (method, rule)
        else:
            assert response.status_code == 404, (visitor, method, rule, response.status_code)
            assert "Northwind" not in body and "NORTHWIND-" not in body


def test_the_owner_reaches_every_page(app, client, db_session):
    load_demo(app, db_session)
    ids = _ids_of(db_session, "northwind")
    log_in_as(client, "agent")
    for endpoint, method, rule in portal_routes(app):
        if method != "GET" or endpoint == "agent_portal.logo":
            continue
        response = client.get(_url(rule, ids))
        assert response.status_code == 200, (rule, response.status_code)


def test_another_agents_objects_are_not_found_inside_ones_own_portal(app, client, db_session):
    load_demo(app, db_session)
    theirs = _ids_of(db_session, "bluebird")
    log_in_as(client, "agent")
    token = csrf_token_from(client.get("/portal/northwind/").get_data(as_text=True))
    bluebird = db_session.scalar(sa.select(Agent.id).where(Agent.slug == "bluebird"))
    note = db_session.scalar(sa.select(sa.func.min(Notification.id)).where(Notification.agent_id == bluebird))
    assert note is not None
    invoice = client.get(f"/portal/northwind/invoices/{theirs['invoice_id']}")
    assert invoice.status_code == 404 and "Bluebird" not in invoice.get_data(as_text=True)
    cancel = client.post(f"/portal/northwind/payouts/{theirs['payout_id']}/cancel",
                         data={"csrf_token": token, "idempotency_key": "d" * 32})  # fmt: skip
    assert cancel.status_code == 404
    assert db_session.get(Payout, theirs["payout_id"]).status == "requested"
    read = client.post("/portal/northwind/notifications/read",
                       data={"csrf_token": token, "idempotency_key": "e" * 32, "notification": note})  # fmt: skip
    assert read.status_code == 404
    assert db_session.get(Notification, note).read_at is None


def test_a_new_agent_user_with_the_factories_password_lands_on_its_own_portal(client, make, db_session, auth):
    agent = make.agent(slug="solo")
    user = make.user(role="agent", agent_id=agent)
    from portal.models import User

    response = auth.login(db_session.get(User, user).email, PASSWORD)
    assert response.headers["Location"].endswith("/portal/solo/")
