"""Every statement of every page and fragment has an index to use on PostgreSQL (no sequential scan of a large table).

The smallest data that makes the planner choose as it would at scale: a few dozen agents with deep ledgers,
analysed, and ``enable_seqscan`` off while each statement is explained. With sequential scans priced out, the
planner still picks one only where no index can serve the statement's filter or order, which is exactly where
a table of millions of rows would be read whole. Each page is requested through the application as its user
sees it; every SELECT it sends is captured with its parameters and explained.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.extensions import db
from portal.read.pages import Cursor, last_cursor
from portal.seed.demo import load_demo_data
from portal.seed.scale import Depth, load_scale_data
from tests.functional.dashboard_support import log_in_as
from tests.support.committed import committed_app as committed_postgres_app

#: One worker runs this module: its analysed database is built once, not once per worker.
pytestmark = [pytest.mark.postgresql_only, pytest.mark.xdist_group("query-plans")]

#: Tables that grow with the business; the others (settings, flags, the chain head) stay a few rows.
LARGE_TABLES = {
    "agent", "agent_financial_summary", "invoice", "payment", "refund", "commission", "wallet",
    "wallet_transaction", "payout", "audit_event", "notification", "email_outbox", "idempotency_record",
    "user_account", "login_session",
}  # fmt: skip


def _scale() -> None:
    load_demo_data(db.session)
    load_scale_data(db.session, 40, seed=9, depth=Depth(ledger_per_agent=30, audit_per_agent=5))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("ANALYZE"))


@pytest.fixture(scope="module")
def scaled_app(postgres_databases, tmp_path_factory) -> Iterator[Flask]:
    yield from committed_postgres_app(postgres_databases, tmp_path_factory, "query-plans", prepare=_scale)


def _ids(app: Flask) -> dict:
    with app.app_context():
        one = lambda sql: db.session.execute(sa.text(sql)).scalar()  # noqa: E731
        return {
            "agent": one("SELECT agent_id FROM wallet_transaction GROUP BY agent_id ORDER BY count(*) DESC LIMIT 1"),
            "invoice": one("SELECT max(id) FROM invoice"),
            "seq": one("SELECT max(seq) - 100 FROM audit_event"),
            "name": one("SELECT lower(name) FROM agent ORDER BY lower(name), id OFFSET 20 LIMIT 1"),
            "name_id": one("SELECT id FROM agent ORDER BY lower(name), id OFFSET 20 LIMIT 1"),
        }


def staff_pages(ids: dict) -> list[str]:
    year = (date.today() - timedelta(days=364)).isoformat()
    middle = Cursor("next", (ids["name"], ids["name_id"]), 21).encode()
    return [
        # (The overview over a year is left out: the generated data spans one year, so that range is every row.)
        "/dashboard/", "/dashboard/?currency=EUR",
        "/dashboard/agents", f"/dashboard/agents?cursor={middle}", f"/dashboard/agents?cursor={last_cursor()}",
        "/dashboard/agents?q=agent-00001", "/dashboard/agents?status=suspended",
        *[f"/dashboard/agents?sort={sort}&dir={d}" for sort in ("name", "collected", "outstanding", "earned",
                                                                 "available", "last_payment") for d in ("", "desc")],
        *[f"/dashboard/agents/{ids['agent']}?tab={tab}" for tab in
          ("invoices", "payments", "ledger", "payouts", "commissions", "notifications", "audit")],
        f"/dashboard/agents/{ids['agent']}",
        "/dashboard/invoices", f"/dashboard/invoices?cursor={Cursor('next', (ids['invoice'] - 50,), 51).encode()}",
        *[f"/dashboard/invoices?status={s}" for s in ("draft", "issued", "partially_paid", "paid", "void", "overdue")],
        f"/dashboard/invoices?status=overdue&agent={ids['agent']}",
        f"/dashboard/invoices?agent={ids['agent']}", "/dashboard/invoices?q=S000",
        *[f"/dashboard/commissions?status={s}" for s in ("pending", "approved", "credited", "all")],
        *[f"/dashboard/payouts?status={s}" for s in ("requested", "approved", "paid", "all")],
        "/dashboard/audit", f"/dashboard/audit?cursor={Cursor('next', (ids['seq'],), 101).encode()}",
        "/dashboard/audit?entity_type=Wallet", "/dashboard/audit?action=update", "/dashboard/audit?actor=system:seed",
        "/dashboard/audit?entity_type=Agent&entity_id=3", f"/dashboard/audit?since={year}",
        "/dashboard/audit?correlation_id=abc", "/dashboard/users",
        "/dashboard/profile", "/dashboard/profile/sessions/end-others",
    ]  # fmt: skip


PORTAL_PAGES = ["/", "/invoices", "/invoices?status=overdue", "/payments", "/wallet", "/wallet?kind=adjustment",
                "/payouts", "/notifications", "/notifications/badge", "/profile",
                "/profile/sessions/end-others"]  # fmt: skip


#: A search for text anywhere in a name or number (``LIKE '%…%'``) has no b-tree to use: the agent search reads
#: the agents (about 3 ms at 10,000), the invoice search the invoices (about 30 ms at 100,000). A trigram index
#: (pg_trgm) is the next step; every other statement must have its index.
TEXT_SEARCHES = {
    "agent": re.compile(r"lower\(agent\.name\) LIKE"),
    "invoice": re.compile(r"lower\(invoice\.number\) LIKE"),
}


#: One row per agent: the overview's balances per currency read all of them, from a covering index.
WHOLE_BY_DESIGN = {"agent_financial_summary"}
#: With sequential scans priced out, a join may walk a whole index to merge (an artefact of the setting, not what
#: the planner does at scale), so an index read whole counts only in a statement of one table.
_JOIN = re.compile(r"\bJOIN\b")


def _seq_scans(
    plan: dict, statement: str, leading: dict[str, str], limited: bool = False, parent: str | None = None
) -> list[str]:
    """Tables a plan reads whole: a sequential scan, or an index read end to end with no limit above it
    (no condition at all, or conditions only on its later columns, which PostgreSQL checks entry by entry)."""
    found = []
    node = plan.get("Node Type", "")
    # A bitmap index scan names its index only; the heap scan above it names the table.
    table = plan.get("Relation Name") or (parent if node == "Bitmap Index Scan" else None)
    limited = limited or node == "Limit"
    searching = table in TEXT_SEARCHES and TEXT_SEARCHES[table].search(statement)
    if table in LARGE_TABLES and not searching:
        if node == "Seq Scan":
            found.append(table)
        elif "Index" in node and not limited and table not in WHOLE_BY_DESIGN and not _JOIN.search(statement):
            first = leading.get(plan.get("Index Name", ""))
            condition = plan.get("Index Cond", "")
            if not condition or (first and not re.search(rf"\b{first}\b", condition)):
                found.append(f"{table} (whole index {plan.get('Index Name')})")
    for child in plan.get("Plans", []):
        found.extend(_seq_scans(child, statement, leading, limited, plan.get("Relation Name")))
    return found


_LEADING_COLUMNS = """
    SELECT index.relname, attribute.attname
    FROM pg_index JOIN pg_class AS index ON index.oid = pg_index.indexrelid
    JOIN pg_attribute AS attribute ON attribute.attrelid = pg_index.indrelid AND attribute.attnum = pg_index.indkey[0]
"""


def _statements_of(app: Flask, client, url: str) -> list[tuple[str, dict]]:
    captured: list[tuple[str, dict]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            captured.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return captured


def _explain(app: Flask, statements: list[tuple[str, dict]]) -> dict[str, list[str]]:
    scans = {}
    with app.app_context(), db.engine.connect() as connection:
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute(_LEADING_COLUMNS)
            leading = dict(cursor.fetchall())
            cursor.execute("SET enable_seqscan = off")
            for statement, parameters in statements:
                cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                found = _seq_scans(plan[0]["Plan"], statement, leading)
                if found:
                    scans[re.sub(r"\s+", " ", statement)[:300]] = found
        raw.rollback()
    return scans


def test_no_page_reads_a_large_table_whole(scaled_app):
    ids = _ids(scaled_app)
    staff = scaled_app.test_client()
    log_in_as(staff, "admin")
    agent = scaled_app.test_client()
    log_in_as(agent, "agent")
    failures, explained = [], 0
    for client, urls in ((staff, staff_pages(ids)), (agent, [f"/portal/northwind{p}" for p in PORTAL_PAGES])):
        for url in urls:
            statements = _statements_of(scaled_app, client, url)
            explained += len(statements)
            for statement, tables in _explain(scaled_app, statements).items():
                failures.append(f"{url}: sequential scan of {', '.join(tables)} in {statement}")
    assert explained > 150, "every page's statements were explained"
    assert not failures, "\n".join(failures)
