"""The pager's links walk a long list by cursor: each row once, the place in the list shown, old links kept."""

from __future__ import annotations

import html
import re

import pytest

from portal.seed.scale import load_scale_data
from tests.functional.dashboard_support import load_demo, log_in_as

NEXT = re.compile(r'<a href="([^"]+)"[^>]*rel="next"')
ROW = re.compile(r'<a class="agent-name" href="/dashboard/agents/(\d+)">')


@pytest.fixture
def many_agents(app, db_session):
    load_demo(app, db_session)
    with app.app_context():
        load_scale_data(db_session, 57, seed=2)
    return 60


def test_next_links_walk_the_agents_list_whole(client, many_agents, app):
    log_in_as(client, "admin")
    url, seen, summaries = "/dashboard/agents", [], []
    while url:
        body = client.get(url).get_data(as_text=True)
        seen.extend(int(i) for i in ROW.findall(body.split('class="pager"')[0]))
        summaries.extend(re.findall(r'class="pager__summary">([^<]+)</p>', body))
        found = NEXT.search(body)
        url = html.unescape(found.group(1)) if found else None
    per_page = app.config["AGENTS_PER_PAGE"]
    assert len(seen) == len(set(seen)) == many_agents
    assert summaries[0] == f"1–{per_page} of {many_agents}"
    assert summaries[-1] == f"{per_page * (len(summaries) - 1) + 1}–{many_agents} of {many_agents}"


def test_the_last_and_first_links_lead_to_the_ends(client, many_agents):
    log_in_as(client, "admin")
    first = client.get("/dashboard/agents?sort=collected&dir=desc").get_data(as_text=True)
    last_url = html.unescape(re.search(r'<a href="([^"]+)"[^>]*>Last</a>', first).group(1))
    assert "sort=collected" in last_url and "dir=desc" in last_url, "the filters travel with the cursor"
    last = client.get(last_url).get_data(as_text=True)
    assert f"of {many_agents}</p>" in last and 'rel="next"' not in last
    back = html.unescape(re.search(r'<a href="([^"]+)"[^>]*>First</a>', last).group(1))
    assert client.get(back).get_data(as_text=True).count("1–") >= 1


def test_a_mangled_cursor_shows_the_first_page_and_says_so(client, many_agents):
    log_in_as(client, "admin")
    response = client.get("/dashboard/agents?cursor=eyJkIjoibmV4dCIsImsiOlsiPiJdLCJwIjoyfQ")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "That page link could not be read — showing the first page." in body
    assert "1–25 of 60" in body
