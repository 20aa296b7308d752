"""The dashboard home lists agents with their summaries, paginated, for staff only."""

from __future__ import annotations

import pytest

from portal.models import User
from portal.seed.demo import load_demo_data
from portal.seed.scale import load_scale_data
from tests.support.queries import count_queries


@pytest.fixture
def staff_client(client, auth, make, db_session):
    auth.login(db_session.get(User, make.user(role="viewer")).email)
    return client


def test_lists_agents_with_their_summary(app, staff_client, db_session):
    with app.app_context():
        load_demo_data(db_session)
    body = staff_client.get("/dashboard/agents").get_data(as_text=True)
    for name in ("Northwind Brokers", "Bluebird Travel", "Cedar Insurance Agency"):
        assert name in body
    assert "€" in body and "$" in body and "£" in body


def test_empty_state_explains_what_to_do(staff_client):
    body = staff_client.get("/dashboard/agents").get_data(as_text=True)
    assert "No agents yet" in body


def test_search_narrows_the_list_and_says_when_nothing_matches(staff_client, make):
    make.agent(name="Zephyr Partners", slug="zephyr")
    make.agent(name="Other Agency", slug="other")
    body = staff_client.get("/dashboard/agents?q=zeph").get_data(as_text=True)
    assert "Zephyr Partners" in body and "Other Agency" not in body
    assert "No agents match" in staff_client.get("/dashboard/agents?q=nothing-like-it").get_data(as_text=True)


def test_pages_through_a_long_list(app, staff_client, db_session):
    app.config["AGENTS_PER_PAGE"] = 10
    try:
        with app.app_context():
            load_scale_data(db_session, 23)
        first = staff_client.get("/dashboard/agents").get_data(as_text=True)
        last = staff_client.get("/dashboard/agents?page=3").get_data(as_text=True)
        beyond = staff_client.get("/dashboard/agents?page=99")
    finally:
        app.config["AGENTS_PER_PAGE"] = 25
    assert "1–10 of 23" in first and 'rel="next"' in first
    assert "21–23 of 23" in last and 'rel="next"' not in last
    assert beyond.status_code == 200


def test_htmx_gets_the_fragment_and_history_restore_the_page(staff_client):
    fragment = staff_client.get("/dashboard/agents", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="agents"')
    assert "HX-Request" in fragment.headers["Vary"]
    restored = staff_client.get("/dashboard/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restored.get_data(as_text=True)
    assert "HX-Request" in staff_client.get("/dashboard/agents").headers["Vary"]


def test_the_page_issues_the_same_number_of_queries_for_10_and_1000_agents(app, staff_client, db_session, monkeypatch):
    app.config["AGENTS_PER_PAGE"] = 25
    # The flag table is read once per FLAG_SNAPSHOT_TTL per process, not per page: kept out of the count.
    monkeypatch.setitem(app.config, "FLAG_SNAPSHOT_TTL", 3600)
    with app.app_context():
        load_scale_data(db_session, 10)
    staff_client.get("/dashboard/agents")
    with count_queries() as with_10:
        assert staff_client.get("/dashboard/agents").status_code == 200
    with app.app_context():
        load_scale_data(db_session, 990)
    with count_queries() as with_1000:
        assert staff_client.get("/dashboard/agents").status_code == 200
    assert len(with_10) == len(with_1000) <= 4, with_1000


def test_agent_users_are_refused(client, auth, make, db_session):
    agent_id = make.agent()
    auth.login(db_session.get(User, make.user(role="agent", agent_id=agent_id)).email)
    assert client.get("/dashboard/agents").status_code == 403


def test_financial_pages_opt_out_of_htmx_history_cache(staff_client):
    body = staff_client.get("/dashboard/agents").get_data(as_text=True)
    assert '"historyCacheSize": 0' in body
