"""Canaries: a secret, a card number, a password and a token pushed through every path never show in clear."""

from __future__ import annotations

import io
import logging

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal.extensions import db
from portal.models import User
from portal.persistence.unit_of_work import Actor, SessionUnitOfWork
from portal.security.passwords import hash_password
from tests.conftest import make_app
from tests.functional.conftest import csrf_token_from
from tests.support.money import MoneyWorld

SECRET = "sk_live_CANARY_secret_8c1f2a"
CARD = "4111 1111 1111 1111"
CARD_DIGITS = CARD.replace(" ", "")
PASSWORD = "Canary-Password-4242!"
TOKEN = "tok_CANARY_webhook_77d0e1"
CANARIES = (SECRET, CARD, CARD_DIGITS, PASSWORD, TOKEN)


@pytest.fixture
def canary_app(tmp_path):
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    root = logging.getLogger()
    root.addHandler(handler)
    app = make_app(f"sqlite:///{tmp_path / 'canary.sqlite3'}", tmp_path, LOCAL_KEYRING_PATH=str(tmp_path / "ring.json"))

    @app.route("/boom")
    def boom():
        raise RuntimeError(f"gateway refused card {CARD} with key {SECRET} and token {TOKEN}")

    with app.app_context():
        upgrade()
    yield app, captured
    root.removeHandler(handler)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_canaries_never_appear_in_clear_anywhere(canary_app):
    app, captured = canary_app
    responses: list[str] = []
    runner = app.test_cli_runner()
    for name, value in (("payment_gateway_api_key", SECRET), ("webhook_signing_secret", TOKEN)):
        result = runner.invoke(args=["settings", "set", name], input=value)
        assert result.exit_code == 0, result.output
        responses.append(result.output)
    for command in (["settings", "list"], ["settings", "get", "payment_gateway_api_key"], ["keys", "status"]):
        responses.append(runner.invoke(args=command).output)

    with app.app_context():
        session = db.session()
        with SessionUnitOfWork(session, command="add_staff", actor=Actor.system("test")) as uow:
            session.add(
                User(email="ada@ops.example", full_name="Ada", role="admin", password_hash=hash_password(PASSWORD))
            )
            uow.commit()
        world = MoneyWorld(session)
        agent = world.agent()
        invoice = world.invoice(agent, 10_000)
        world.orchestrator.record_payment(
            invoice_id=invoice, amount_minor=5_000, currency="EUR", method="card", instrument=CARD,
            external_reference=f"charge for {CARD}", idempotency_key="canary-payment",
        )  # fmt: skip
        logging.getLogger("portal.test").warning("gateway echoed %s / %s / %s", CARD, SECRET, TOKEN)
        db.session.remove()

    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    wrong = client.post("/login", data={"email": "ada@ops.example", "password": PASSWORD + "x", "csrf_token": token})
    right = client.post("/login", data={"email": "ada@ops.example", "password": PASSWORD, "csrf_token": token})
    failing = client.get("/boom")
    assert failing.status_code == 500
    missing = client.get(f"/search?card={CARD_DIGITS}&key={SECRET}")
    for response in (wrong, right, failing, missing, client.get("/dashboard/")):
        responses.append(response.get_data(as_text=True))

    with app.app_context():
        stored = {
            table: repr(db.session.execute(sa.text(f"SELECT * FROM {table}")).all())
            for table in ("setting", "audit_event", "notification", "payment", "email_outbox", "idempotency_record")
        }
    logs = captured.getvalue()
    assert "gateway echoed ***1111" in logs and "RuntimeError" in logs, "the log lines were written, masked"
    for canary in CANARIES:
        assert canary not in logs, f"{canary} in a log line"
        for table, dump in stored.items():
            assert canary not in dump, f"{canary} in {table}"
        for body in responses:
            assert canary not in body, f"{canary} in a response"
