"""Each dashboard page issues the same number of SQL queries with 10 agents as with 1,000."""

from __future__ import annotations

import sqlalchemy as sa

from portal.dashboard.agent_tabs import AGENT_TABS
from portal.models import Invoice
from portal.seed.scale import load_scale_data
from tests.functional.dashboard_support import load_demo, log_in_as
from tests.support.queries import count_queries

PAGES = (
    "/dashboard/",
    "/dashboard/agents",
    "/dashboard/agents?sort=collected&dir=desc",
    "/dashboard/agents/{agent_id}",
    # every tab of the agent page, from the one table of tabs: a new tab is budgeted without editing this list
    *(f"/dashboard/agents/{{agent_id}}?tab={tab.name}" for tab in AGENT_TABS),
    "/dashboard/invoices",
    "/dashboard/invoices?status=overdue",
    "/dashboard/invoices/{invoice_id}",
    "/dashboard/invoices/{draft_id}/edit",
    "/dashboard/commissions",
    "/dashboard/commissions?status=credited",
    "/dashboard/payouts",
    "/dashboard/audit",
    "/dashboard/settings",
    "/dashboard/users",
)


def _counts(client, ids) -> dict[str, int]:
    counts = {}
    for page in PAGES:
        url = page.format(**ids)
        with count_queries() as statements:
            assert client.get(url).status_code == 200, url
        counts[url] = len(statements)
    return counts


def test_every_page_costs_the_same_queries_with_10_and_1000_agents(app, client, db_session, monkeypatch):
    # The flag table is read once per FLAG_SNAPSHOT_TTL per process, not per page: kept out of the count.
    monkeypatch.setitem(app.config, "FLAG_SNAPSHOT_TTL", 3600)
    ids = load_demo(app, db_session)
    ids["draft_id"] = db_session.scalar(sa.select(sa.func.min(Invoice.id)).where(Invoice.status == "draft"))
    with app.app_context():
        load_scale_data(db_session, 10)
    log_in_as(client, "admin")
    _counts(client, ids)
    small = _counts(client, ids)
    with app.app_context():
        load_scale_data(db_session, 990)
    large = _counts(client, ids)
    assert small == large
    assert max(large.values()) <= 14, large
