"""Forms submitted at once on PostgreSQL: every command takes effect once, replays, or answers 409; never 5xx.

Each thread is a browser of its own (a logged-in test client) posting the real form
to the app, whose commands commit for real on a database of this module's own.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.extensions import db
from portal.models import AgentFinancialSummary, IdempotencyRecord, Invoice, PortalAppearance
from portal.seed.demo import load_demo_data
from tests.functional.conftest import csrf_token_from
from tests.functional.dashboard_support import DEMO_LOGINS
from tests.support.committed import committed_app as committed_postgres_app


@pytest.fixture(scope="module")
def committed_app(postgres_databases, tmp_path_factory) -> Iterator[Flask]:
    yield from committed_postgres_app(
        postgres_databases, tmp_path_factory, "form-races", pool_size=25, prepare=lambda: load_demo_data(db.session)
    )


@pytest.fixture(autouse=True)
def app(committed_app):
    """PostgreSQL alone: the parametrisation over both databases does not apply to real races."""
    return committed_app


@pytest.fixture
def db_session():
    """No shared outer transaction: every request commits for real."""


def logged_in(app: Flask, role: str):
    client = app.test_client()
    email, password = DEMO_LOGINS[role]
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": email, "password": password, "csrf_token": token}).status_code == 303
    return client


def page(client, url: str) -> tuple[str, str]:
    """The CSRF token and the first idempotency key of a page, as a browser has them."""
    html = client.get(url).get_data(as_text=True)
    key = re.search(r'name="idempotency_key"[^>]*value="([a-f0-9]{32})"', html)
    return csrf_token_from(html), key.group(1) if key else ""


def at_once(clients: list, post: Callable[[int, object], object]) -> list:
    """Every client posts at the same moment (a barrier releases them together)."""
    barrier = threading.Barrier(len(clients))

    def one(index: int):
        barrier.wait()
        return post(index, clients[index])

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(one, range(len(clients))))


def scalar(app: Flask, statement):
    with app.app_context():
        try:
            return db.session.scalar(statement)
        finally:
            db.session.remove()


def test_twenty_concurrent_new_invoice_posts_with_one_key_create_one_invoice(app):
    clients = [logged_in(app, "admin") for _ in range(20)]
    key = page(clients[0], "/dashboard/invoices/new")[1]
    customer = f"Race Customer {uuid.uuid4().hex[:8]}"
    forms = [
        {"csrf_token": page(client, "/dashboard/invoices/new")[0], "idempotency_key": key, "agent": "bluebird",
         "customer_name": customer, "amount": "120.00", "due_date": "2027-03-01"}
        for client in clients
    ]  # fmt: skip
    responses = at_once(clients, lambda i, client: client.post("/dashboard/invoices/new", data=forms[i]))
    statuses = Counter(response.status_code for response in responses)
    assert statuses == Counter({303: 20}), statuses
    assert len({response.headers["Location"] for response in responses}) == 1, "every answer is the one invoice"
    flashes = Counter(
        "replayed" if "had been created already" in client.get(response.headers["Location"]).get_data(as_text=True)
        else "created"
        for client, response in zip(clients, responses, strict=True)
    )  # fmt: skip
    assert flashes == Counter({"created": 1, "replayed": 19})
    assert scalar(app, sa.select(sa.func.count(Invoice.id)).where(Invoice.customer_name == customer)) == 1
    assert (
        scalar(app, sa.select(sa.func.count()).select_from(IdempotencyRecord).where(IdempotencyRecord.key == key)) == 1
    )
    again = clients[0].post("/dashboard/invoices/new", data=forms[0])
    assert again.status_code == 303 and again.headers["Location"] == responses[0].headers["Location"]
    assert scalar(app, sa.select(sa.func.count(Invoice.id)).where(Invoice.customer_name == customer)) == 1


def test_twenty_concurrent_new_invoices_with_their_own_keys_all_get_a_number(app):
    clients = [logged_in(app, "admin") for _ in range(20)]
    customer = f"Many Customers {uuid.uuid4().hex[:8]}"
    forms = []
    for client in clients:
        token, key = page(client, "/dashboard/invoices/new")
        forms.append({"csrf_token": token, "idempotency_key": key, "agent": "cedar", "customer_name": customer,
                      "amount": "10", "due_date": "2027-03-01"})  # fmt: skip
    responses = at_once(clients, lambda i, client: client.post("/dashboard/invoices/new", data=forms[i]))
    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {303, 409} and statuses[303] >= 1, statuses
    made = scalar(app, sa.select(sa.func.count(Invoice.id)).where(Invoice.customer_name == customer))
    numbers = scalar(
        app, sa.select(sa.func.count(sa.distinct(Invoice.number))).where(Invoice.customer_name == customer)
    )
    assert made == numbers == statuses[303], "each success is one invoice with a number of its own"


def test_twenty_concurrent_appearance_saves_each_take_effect_once_or_answer_409(app):
    clients = [logged_in(app, "agent") for _ in range(20)]
    url = "/portal/northwind/appearance"
    forms = []
    for n, client in enumerate(clients):
        token, key = page(client, url)
        forms.append({"csrf_token": token, "idempotency_key": key, "display_name": f"Northwind {n}",
                      "welcome_text": "", "primary_color": "#123456", "accent_color": "#654321"})  # fmt: skip
    before = scalar(app, sa.select(sa.func.count(PortalAppearance.id)))
    responses = at_once(clients, lambda i, client: client.post(url, data=forms[i], content_type="multipart/form-data"))
    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {303, 409} and statuses[303] >= 1, statuses
    added = scalar(app, sa.select(sa.func.count(PortalAppearance.id))) - before
    assert added == statuses[303]
    versions = scalar(
        app,
        sa.select(sa.func.count(sa.distinct(PortalAppearance.version))).where(
            PortalAppearance.agent_id == sa.select(PortalAppearance.agent_id).where(
                PortalAppearance.display_name == "Northwind 0").scalar_subquery()
        ),
    )  # fmt: skip
    total = scalar(
        app,
        sa.select(sa.func.count(PortalAppearance.id)).where(
            PortalAppearance.agent_id == sa.select(PortalAppearance.agent_id).where(
                PortalAppearance.display_name == "Northwind 0").scalar_subquery()
        ),
    )  # fmt: skip
    assert versions == total, "no two saves share a version number"


def test_ten_concurrent_issue_clicks_on_one_draft_issue_it_once(app):
    admin = logged_in(app, "admin")
    token, key = page(admin, "/dashboard/invoices/new")
    created = admin.post("/dashboard/invoices/new", data={
        "csrf_token": token, "idempotency_key": key, "agent": "northwind", "customer_name": "Issue Race",
        "amount": "75", "due_date": "2027-04-01"})  # fmt: skip
    invoice_url = created.headers["Location"]
    invoice_id = int(invoice_url.rsplit("/", 1)[1])
    agent_id = scalar(app, sa.select(Invoice.agent_id).where(Invoice.id == invoice_id))
    invoiced_before = scalar(
        app, sa.select(AgentFinancialSummary.invoiced_minor).where(AgentFinancialSummary.agent_id == agent_id)
    )
    clients = [logged_in(app, "finance") for _ in range(10)]
    forms = [dict(zip(("csrf_token", "idempotency_key"), page(client, invoice_url), strict=True)) for client in clients]
    responses = at_once(clients, lambda i, client: client.post(f"{invoice_url}/issue", data=forms[i]))
    statuses = Counter(response.status_code for response in responses)
    assert statuses[303] == 1 and statuses[409] == 9, statuses
    assert scalar(app, sa.select(Invoice.status).where(Invoice.id == invoice_id)) == "issued"
    invoiced_after = scalar(
        app, sa.select(AgentFinancialSummary.invoiced_minor).where(AgentFinancialSummary.agent_id == agent_id)
    )
    assert invoiced_after - invoiced_before == 7500, "counted once in what the agent invoiced"
