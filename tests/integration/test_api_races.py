"""API requests sent at once on PostgreSQL: one Idempotency-Key takes effect once, whoever wins the race."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.extensions import db
from portal.models import Invoice, Payment, Payout
from portal.seed.demo import load_demo_data
from tests.support.api import bearer, make_token
from tests.support.committed import committed_app as committed_postgres_app

SENDERS = 20


@pytest.fixture(scope="module")
def committed_app(postgres_databases, tmp_path_factory) -> Iterator[Flask]:
    yield from committed_postgres_app(
        postgres_databases, tmp_path_factory, "api-races", pool_size=25, prepare=lambda: load_demo_data(db.session)
    )


@pytest.fixture(autouse=True)
def app(committed_app):
    return committed_app


@pytest.fixture
def db_session():
    """No shared outer transaction: every request commits for real."""


def _at_once(app: Flask, count: int, send) -> list:
    start = threading.Barrier(count)

    def one(_: int):
        client = app.test_client()
        start.wait()
        return send(client)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def _token(app: Flask, **owner) -> str:
    with app.app_context():
        secret = make_token(app, db.session, **owner)
        db.session.remove()
    return secret


def _scalar(app: Flask, query):
    with app.app_context():
        value = db.session.scalar(query)
        db.session.remove()
    return value


def test_twenty_payments_with_one_key_pay_once(app):
    token = _token(app)
    invoice_id, currency = _scalar(app, sa.select(Invoice.id).where(Invoice.status == "issued").limit(1)), None
    currency = _scalar(app, sa.select(Invoice.currency).where(Invoice.id == invoice_id))
    payments_before = _scalar(app, sa.select(sa.func.count(Payment.id)))
    body = {"amount": {"amount_minor": 321, "currency": currency}, "method": "bank_transfer"}

    responses = _at_once(app, SENDERS, lambda client: client.post(
        f"/api/v1/invoices/{invoice_id}/payments", json=body, headers=bearer(token, "race-pay-1")))  # fmt: skip

    assert Counter(response.status_code for response in responses) == {201: SENDERS}
    assert len({response.get_json()["id"] for response in responses}) == 1
    assert sum(response.headers.get("Idempotent-Replayed") == "true" for response in responses) >= SENDERS - 1
    assert _scalar(app, sa.select(sa.func.count(Payment.id))) == payments_before + 1


def test_twenty_payout_requests_with_one_key_hold_once(app):
    agent_id = _scalar(app, sa.select(sa.func.min(Invoice.agent_id)))
    token = _token(app, role="agent", scope="write", agent_id=agent_id)
    client = app.test_client()
    wallet = client.get(f"/api/v1/agents/{agent_id}/wallet", headers=bearer(token)).get_json()
    amount = {"amount_minor": wallet["available"]["amount_minor"], "currency": wallet["available"]["currency"]}
    payouts_before = _scalar(app, sa.select(sa.func.count(Payout.id)))

    responses = _at_once(app, SENDERS, lambda client: client.post(
        "/api/v1/payouts", json={"amount": amount}, headers=bearer(token, "race-payout-1")))  # fmt: skip

    assert {response.status_code for response in responses} == {201}
    assert _scalar(app, sa.select(sa.func.count(Payout.id))) == payouts_before + 1
    after = client.get(f"/api/v1/agents/{agent_id}/wallet", headers=bearer(token)).get_json()
    assert after["available"]["amount_minor"] == 0
    assert after["held"]["amount_minor"] == wallet["held"]["amount_minor"] + amount["amount_minor"]
