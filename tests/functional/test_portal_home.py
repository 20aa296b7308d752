"""An agent's portal: its own summary in its own branding, and nobody else's."""

from __future__ import annotations

import pytest

from portal.models import User
from portal.seed.demo import load_demo_data


@pytest.fixture
def demo(app, db_session):
    with app.app_context():
        load_demo_data(db_session)


def _login_agent(auth, slug: str):
    return auth.login(f"agent@{slug}.example", password="demo-agent-password")


def test_agent_sees_its_summary_in_its_branding(client, auth, demo):
    _login_agent(auth, "northwind")
    page = client.get("/portal/northwind/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Northwind Partner Hub" in body and "Good to see you." in body
    assert "/portal/northwind/theme.css" in body
    assert "Available to pay out" in body and "€" in body
    theme = client.get("/portal/northwind/theme.css")
    assert theme.mimetype == "text/css"
    assert "--brand-primary: #1d3557;" in theme.get_data(as_text=True)
    assert "--brand-accent: #e76f51;" in theme.get_data(as_text=True)


def test_three_agents_have_three_different_themes(client, auth, demo):
    themes = set()
    for slug in ("northwind", "bluebird", "cedar"):
        _login_agent(auth, slug)
        themes.add(client.get(f"/portal/{slug}/theme.css").get_data(as_text=True))
        auth.logout(page=f"/portal/{slug}/")
    assert len(themes) == 3


@pytest.mark.parametrize("path", ["/portal/bluebird/", "/portal/bluebird/theme.css"])
def test_another_agents_portal_is_not_found(client, auth, demo, path):
    _login_agent(auth, "northwind")
    response = client.get(path)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Bluebird" not in body and "#0f766e" not in body


def test_staff_cannot_open_an_agent_portal(client, auth, make, db_session, demo):
    auth.login(db_session.get(User, make.user(role="admin")).email)
    assert client.get("/portal/northwind/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, demo):
    response = client.get("/portal/northwind/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_unknown_portal_is_not_found(client, auth, demo):
    _login_agent(auth, "northwind")
    assert client.get("/portal/no-such-agent/").status_code == 404


def test_the_theme_is_revalidated_with_an_etag(client, auth, demo):
    _login_agent(auth, "cedar")
    first = client.get("/portal/cedar/theme.css")
    again = client.get("/portal/cedar/theme.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_an_agent_without_saved_branding_gets_the_house_style(client, auth, make, db_session):
    agent_id = make.agent(slug="plain", name="Plain Agent")
    auth.login(db_session.get(User, make.user(role="agent", agent_id=agent_id)).email)
    body = client.get("/portal/plain/").get_data(as_text=True)
    assert "Plain Agent" in body and "No payments yet" in body
