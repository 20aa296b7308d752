"""CSV downloads: each list exports exactly its filtered rows (every page), safely, streamed, audited, scoped."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from portal import data_access
from portal.dashboard.agent_tabs import AGENT_TABS
from portal.exports import columns, streaming
from portal.exports.cells import decimal_amount, guarded, moment
from portal.exports.streaming import PagedListing
from portal.models import Agent, AuditEvent, Invoice, User
from portal.models.base import utcnow
from portal.persistence.audit_chain import verify_chain
from portal.persistence.audit_events import chain_key
from portal.persistence.context import Actor, CommandContext
from portal.read.pages import Page, PageRequest
from portal.services.api_tokens import CreateApiToken, new_secret
from portal.services.running import command_runner
from portal.web.queries import agent_filters, audit_filters, invoice_filters
from tests.functional.dashboard_support import load_demo, log_in_as

EVERYTHING = PageRequest(per_page=100_000)
ISO_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of three rows, so that every export here spans several batches."""
    monkeypatch.setattr(streaming, "BATCH", 3)


@pytest.fixture
def demo(app, db_session):
    return load_demo(app, db_session)


def _listed(app, read) -> list:
    with app.test_request_context():
        return list(read().items)


@pytest.mark.parametrize(
    ("query", "read", "id_column", "id_of"),
    [
        ("/dashboard/agents.csv?status=active&sort=earned&dir=desc",
         lambda args: data_access.agents_overview(EVERYTHING, agent_filters(args)), "Agent ID", "id"),
        ("/dashboard/invoices.csv?status=paid", lambda args: data_access.invoices(EVERYTHING, invoice_filters(args)),
         "Invoice ID", "id"),
        ("/dashboard/commissions.csv?status=credited",
         lambda args: data_access.commissions(EVERYTHING, "credited"), "Commission ID", "id"),
        ("/dashboard/payouts.csv?status=approved", lambda args: data_access.payouts(EVERYTHING, "approved"),
         "Payout ID", "id"),
        ("/dashboard/audit.csv?entity_type=Payment&action=insert",
         lambda args: data_access.audit_events(EVERYTHING, audit_filters(args)), "Seq", "seq"),
        ("/dashboard/users.csv", lambda args: data_access.staff_users(EVERYTHING), "User ID", "id"),
    ],
)  # fmt: skip
def test_each_dashboard_list_exports_its_filtered_rows_in_its_order(
    app, client, demo, small_batches, query, read, id_column, id_of
):
    log_in_as(client, "admin")
    args = MultiDict(re.findall(r"([^?&=]+)=([^&]*)", query))
    listed = [str(getattr(row, id_of)) for row in _listed(app, lambda: read(args))]
    exported = [row[id_column] for row in rows_of(client.get(query))]
    assert listed and exported == listed


def test_invoices_export_every_page_of_the_filtered_list(app, client, auth, make, db_session, small_batches):
    agent, other = make.agent(), make.agent()
    wanted = [make.invoice(agent, customer_name=f"Acme Export {n}") for n in range(30)]
    make.invoice(agent, customer_name="Acme Export paid", status="paid", paid_minor=10_000)
    make.invoice(agent, customer_name="Somebody else")
    make.invoice(other, customer_name="Acme Export elsewhere")
    auth.login(db_session.get(User, make.user("finance")).email)
    exported = rows_of(client.get(f"/dashboard/invoices.csv?status=issued&q=acme+export&agent={agent}&cursor=junk"))
    assert [int(row["Invoice ID"]) for row in exported] == sorted(wanted, reverse=True), "all 30, newest first"
    assert {row["Status"] for row in exported} == {"issued"} and {row["Agent ID"] for row in exported} == {str(agent)}
    first_page = client.get(f"/dashboard/invoices?status=issued&q=acme+export&agent={agent}").get_data(as_text=True)
    shown = [int(found) for found in re.findall(r'href="/dashboard/invoices/([0-9]+)"', first_page)]
    assert shown and shown == [int(row["Invoice ID"]) for row in exported][: len(shown)]


def test_every_agent_tab_exports_what_the_tab_lists(app, client, demo, small_batches):
    assert {tab.name for tab in AGENT_TABS} <= set(columns.AGENT_TABS), "a new tab needs its export columns"
    log_in_as(client, "finance")
    with app.test_request_context():
        agent = data_access.agent_by_id(demo["agent_id"])
    for tab in AGENT_TABS:
        listed = _listed(app, lambda tab=tab: tab.read(agent, EVERYTHING))
        exported = rows_of(client.get(f"/dashboard/agents/{agent.id}/records.csv?tab={tab.name}"))
        assert len(exported) == len(listed), tab.name
        assert list(exported[0]) == [column.header for column in columns.AGENT_TABS[tab.name]] if exported else True


def test_the_agent_exports_its_own_lists_and_nothing_else(app, client, demo, db_session, small_batches):
    northwind = db_session.scalar(sa.select(Agent).where(Agent.slug == "northwind"))
    bluebird = db_session.scalar(sa.select(Agent).where(Agent.slug == "bluebird"))
    log_in_as(client, "agent")
    invoices = rows_of(client.get(f"/portal/northwind/invoices.csv?agent={bluebird.id}"))
    expected = db_session.scalars(
        sa.select(Invoice.number).where(Invoice.agent_id == northwind.id, Invoice.status != "draft")
    ).all()
    assert sorted(row["Number"] for row in invoices) == sorted(expected) and "Agent" not in invoices[0]
    with app.test_request_context():
        agent = data_access.agent_by_id(northwind.id)
        counts = {
            "payments": len(data_access.agent_payments(agent, EVERYTHING).items),
            "wallet": len(data_access.agent_wallet_lines(agent, EVERYTHING).items),
            "payouts": len(data_access.agent_payouts(agent, EVERYTHING).items),
            "notifications": len(data_access.agent_notifications(agent, EVERYTHING).items),
        }
    for name, count in counts.items():
        body = client.get(f"/portal/northwind/{name}.csv").get_data(as_text=True)
        assert len(list(csv.DictReader(io.StringIO(body)))) == count and "Bluebird" not in body, name
    for name in ("invoices", "payments", "wallet", "payouts", "notifications", "statement"):
        response = client.get(f"/portal/bluebird/{name}.csv")
        assert response.status_code == 404 and "Bluebird" not in response.get_data(as_text=True), name


def test_staff_may_export_what_they_may_read(client, demo):
    log_in_as(client, "viewer")
    assert client.get("/dashboard/invoices.csv").status_code == 200
    assert client.get("/dashboard/users.csv").status_code == 403
    assert client.get("/dashboard/tokens.csv").status_code == 403
    assert client.get("/portal/northwind/invoices.csv").status_code == 404


def test_cells_that_would_run_as_formulas_are_kept_as_text(app, client, auth, make, db_session):
    agent = make.agent()
    names = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturn", "Plain Ltd"]
    for name in names:
        make.invoice(agent, customer_name=name, amount_minor=-0 or 12_345)
    auth.login(db_session.get(User, make.user("admin")).email)
    exported = {row["Customer"] for row in rows_of(client.get(f"/dashboard/invoices.csv?agent={agent}"))}
    assert exported == {"'" + name for name in names[:-1]} | {"Plain Ltd"}
    assert guarded("-12.50") == "'-12.50", "text is guarded whatever it looks like"
    assert decimal_amount(-1250, "EUR") == "-12.50" and decimal_amount(500, "JPY") == "500"
    assert decimal_amount(0, "EUR") == "0.00" and decimal_amount(-5, "KWD") == "-0.005"


def test_money_is_a_decimal_beside_its_currency_and_times_are_utc(app, client, demo):
    log_in_as(client, "admin")
    tab = rows_of(client.get(f"/dashboard/agents/{demo['agent_id']}/records.csv?tab=commissions"))
    clawbacks = [row for row in tab if row["Kind"] == "clawback"]
    assert clawbacks and all(re.fullmatch(r"-[0-9]+\.[0-9]{2}", row["Amount"]) for row in clawbacks)
    assert all(row["Currency"] == "EUR" and ISO_UTC.fullmatch(row["Created"]) for row in tab)
    payments = rows_of(client.get(f"/dashboard/agents/{demo['agent_id']}/records.csv?tab=payments"))
    cards = [row["Instrument"] for row in payments if row["Method"] == "card"]
    assert cards and all(re.fullmatch(r"\*\*\*[0-9]{4}", card) for card in cards), "masked as the pages mask it"


def test_api_tokens_export_their_prefix_never_a_secret(app, client, demo, db_session):
    secret = new_secret()
    with app.test_request_context():
        runner = command_runner(app, db_session, CommandContext(actor=Actor.user(1)))
        runner.run(CreateApiToken(idempotency_key="export-token", token_name="Books", scope="read",
                                  owner_role="finance", days=30, secret=secret))  # fmt: skip
    log_in_as(client, "admin")
    response = client.get("/dashboard/tokens.csv")
    body = response.get_data(as_text=True)
    assert secret not in body and secret[len("ap_") + 10 :] not in body
    (token,) = list(csv.DictReader(io.StringIO(body)))
    assert token["Name"] == "Books" and secret.startswith(token["Starts with"]) and token["State"] == "live"


def test_each_export_is_audited_with_who_which_list_and_filters(app, client, auth, make, db_session):
    agent = make.agent()
    for n in range(4):
        make.invoice(agent, customer_name=f"Audit Me {n}")
    user_id = make.user("finance")
    auth.login(db_session.get(User, user_id).email)
    rows_of(client.get(f"/dashboard/invoices.csv?q=audit+me&agent={agent}&status=issued"))
    rows_of(client.get("/dashboard/invoices.csv?q=someone@example.com"))
    events = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "Export").order_by(AuditEvent.seq)
    ).all()
    assert [(event.entity_id, event.actor, event.action) for event in events] == [
        ("dashboard.invoices", f"user:{user_id}", "export")
    ] * 2
    assert events[0].after == {"list": "dashboard.invoices", "rows": 4, "rows_estimated": False,
                               "filters": {"q": "audit me", "agent": agent, "status": "issued"}}  # fmt: skip
    assert events[1].after["filters"] == {"q": "s***@e***.com"}, "typed contact details are masked"
    with app.app_context():
        assert verify_chain(db_session, chain_key()).holds


def test_an_agents_export_is_in_its_own_audit_trail(app, client, demo, db_session):
    northwind = db_session.scalar(sa.select(Agent.id).where(Agent.slug == "northwind"))
    log_in_as(client, "agent")
    rows_of(client.get("/portal/northwind/payouts.csv"))
    event = db_session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert (event.entity_type, event.entity_id, event.agent_id) == ("Export", "portal.payouts", northwind)


def test_a_download_is_streamed_as_a_csv_attachment_kept_by_no_cache(client, demo):
    log_in_as(client, "admin")
    response = client.get("/dashboard/audit.csv?entity_type=Invoice")
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f"attachment; filename=audit-{utcnow().date().isoformat()}.csv"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert body.startswith("Seq,When,Actor,Action,Entity,") and body.endswith("\r\n")


def test_a_download_left_unread_leaves_the_next_request_its_own(client, demo):
    log_in_as(client, "viewer")
    unread = client.get("/dashboard/invoices.csv")
    assert client.get("/dashboard/agents/999999/statement").status_code == 404
    page = client.get("/dashboard/agents")
    assert page.status_code == 200 and "Vera Viewer" in page.get_data(as_text=True)
    assert unread.get_data(as_text=True).startswith("Invoice ID,")


def test_a_paged_listing_reads_one_batch_at_a_time_as_the_rows_are_written():
    reads: list[PageRequest] = []
    pauses: list[int] = []

    def read(request: PageRequest) -> Page[int]:
        reads.append(request)
        start = 0 if request.cursor is None else request.cursor.key[0]
        items = list(range(start + 1, min(start + request.per_page, 7) + 1))
        following = items[-1] < 7
        cursor = streaming.Cursor("next", (items[-1],)).encode() if following else None
        return Page(items, request.per_page, start + 1, 7, next_cursor=cursor, is_last=not following)

    listing = PagedListing(read, lambda: pauses.append(len(reads)), batch=3)
    assert (listing.total, len(reads)) == (7, 1), "the first batch says how long the list is"
    rows = listing.rows()
    assert [next(rows) for _ in range(3)] == [1, 2, 3] and len(reads) == 1
    assert next(rows) == 4 and len(reads) == 2, "the next batch is read only when its first row is wanted"
    assert list(rows) == [5, 6, 7] and len(reads) == 3 and pauses == [1, 2, 3]
    assert moment(None) == "" and ISO_UTC.fullmatch(moment(utcnow()))
