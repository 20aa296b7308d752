"""Hardening item 26: two gunicorn instances on one PostgreSQL, racing for the same money over HTTP.

Payouts asking for more than the wallet holds, payments for more than the
invoice is due, and the same idempotency key sent through both instances at
once. Whatever wins, no balance goes below zero, each key has at most one
effect, no request answers 5xx, and ``flask ledger verify`` and ``flask audit
verify`` pass afterwards.
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle

import pytest
import requests
import sqlalchemy as sa
from flask_migrate import upgrade

from portal.extensions import db
from portal.models import Agent, Invoice, Payment, Payout, Wallet
from portal.seed.demo import load_demo_data
from tests.conftest import TEST_SECRET_KEY, make_app
from tests.functional.conftest import csrf_token_from
from tests.support.serving import ROOT, Gunicorn

#: One worker runs this module: its fixture starts servers once, not once per worker.
pytestmark = pytest.mark.xdist_group("two-instances")

CHAIN_KEY = "two-instances-audit-chain-key-0123456789"
RACERS = 12
REPLAYS = 10


@pytest.fixture(scope="module")
def portal(postgres_databases, tmp_path_factory):
    """Demo data on a fresh PostgreSQL database, and two instances serving it."""
    directory = tmp_path_factory.mktemp("two-instances")
    url = postgres_databases.create()
    env = {
        "DATABASE_URL": url, "SECRET_KEY": TEST_SECRET_KEY, "AUDIT_CHAIN_KEY": CHAIN_KEY,
        "LOCAL_KEYRING_PATH": str(directory / "keyring.json"), "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "8",
        "LOGIN_LIMIT_PER_IP": "1000 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE": "1000 per minute",
    }  # fmt: skip
    app = make_app(url, directory, AUDIT_CHAIN_KEY=CHAIN_KEY, LOCAL_KEYRING_PATH=env["LOCAL_KEYRING_PATH"])
    with app.app_context():
        upgrade()
        load_demo_data(db.session)
        db.session.remove()
    first, second = Gunicorn(env).start(), Gunicorn(env)
    try:
        second.start()
        yield app, env, (first, second)
    finally:
        first.stop()
        second.stop()
        with app.app_context():
            db.engine.dispose()


def logged_in(instance: Gunicorn, email: str, password: str) -> requests.Session:
    session = requests.Session()
    token = csrf_token_from(session.get(f"{instance.url}/login", timeout=10).text)
    answer = session.post(
        f"{instance.url}/login", data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False, timeout=10,
    )  # fmt: skip
    assert answer.status_code == 303, answer.text[:500]
    return session


def token_of(session: requests.Session, url: str) -> str:
    return csrf_token_from(session.get(url, timeout=10).text)


def post_all(posts: list[tuple[requests.Session, str, dict]]) -> list[int]:
    """Every post at once (a thread each); the status of each, in order."""

    def send(post: tuple[requests.Session, str, dict]) -> int:
        session, url, data = post
        racer = requests.Session()
        racer.cookies.update(session.cookies)
        return racer.post(url, data=data, allow_redirects=False, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        return list(pool.map(send, posts))


def read(app, statement):
    with app.app_context():
        try:
            return db.session.execute(statement).all()
        finally:
            db.session.remove()


def test_hardening_26_payouts_through_both_instances_never_overdraw_and_a_replayed_key_pays_once(portal):
    app, _env, instances = portal
    agent_id, available = read(
        app, sa.select(Agent.id, Wallet.available_minor).join(Wallet, Wallet.agent_id == Agent.id)
        .where(Agent.slug == "northwind")
    )[0]  # fmt: skip
    amount = available // 3 + 1
    assert amount >= 1000, "the demo wallet holds enough for a few payouts above the minimum"
    sessions = [logged_in(instance, "agent@northwind.example", "demo-agent-password") for instance in instances]
    urls = [f"{instance.url}/portal/northwind/payouts" for instance in instances]
    tokens = [token_of(session, url) for session, url in zip(sessions, urls, strict=True)]
    sent = f"{amount / 100:.2f}"
    keys = [uuid.uuid4().hex for _ in range(RACERS)]
    replayed = uuid.uuid4().hex
    plan = [(i % 2, key) for i, key in enumerate(keys)] + [(i % 2, replayed) for i in range(REPLAYS)]
    posts = [
        (sessions[side], urls[side], {"csrf_token": tokens[side], "idempotency_key": key, "amount": sent,
                                      "confirm_repeat": "y"})
        for side, key in plan
    ]  # fmt: skip
    statuses = post_all(posts)

    assert not [status for status in statuses if status >= 500], Counter(statuses)
    assert set(statuses) <= {303, 409, 422}, Counter(statuses)
    payouts = read(app, sa.select(Payout.idempotency_key, Payout.amount_minor).where(Payout.agent_id == agent_id))
    by_key = Counter(key for key, _amount in payouts)
    assert max(by_key.values()) == 1
    created = {key for key, _ in payouts} & {*keys, replayed}
    assert len(created) == 2, "two payouts of a third and a cent fit the wallet, a third cannot"
    accepted = {key for (_side, key), status in zip(plan[:RACERS], statuses[:RACERS], strict=True) if status == 303}
    assert accepted == created - {replayed}, "every 303 for a new key is exactly one payout, and nothing else is"
    (left,) = read(app, sa.select(Wallet.available_minor).where(Wallet.agent_id == agent_id))[0]
    assert left == available - amount * len(created) and left >= 0


def test_hardening_26_payments_through_both_instances_never_exceed_what_is_due(portal):
    app, _env, instances = portal
    invoice_id, due = read(
        app, sa.select(Invoice.id, Invoice.amount_minor - Invoice.paid_minor)
        .where(Invoice.status == "issued").order_by(Invoice.amount_minor.desc()).limit(1)
    )[0]  # fmt: skip
    amount = due // 2 + 1
    sessions = [logged_in(instance, "finance@demo.example", "demo-finance-password") for instance in instances]
    pages = [f"{instance.url}/dashboard/invoices/{invoice_id}" for instance in instances]
    tokens = [token_of(session, page) for session, page in zip(sessions, pages, strict=True)]
    replayed = uuid.uuid4().hex
    keys = [uuid.uuid4().hex for _ in range(RACERS)] + [replayed] * REPLAYS
    sides = cycle((0, 1))
    posts = []
    for key in keys:
        side = next(sides)
        posts.append((sessions[side], f"{pages[side]}/payments", {
            "csrf_token": tokens[side], "idempotency_key": key, "amount": f"{amount / 100:.2f}",
            "method": "bank_transfer", "confirm_repeat": "y",
        }))  # fmt: skip
    statuses = post_all(posts)

    assert not [status for status in statuses if status >= 500], Counter(statuses)
    payments = read(
        app, sa.select(Payment.idempotency_key, Payment.amount_minor).where(Payment.invoice_id == invoice_id)
    )
    new = [key for key, _amount in payments if key in set(keys)]
    assert len(new) == 1, "one payment of more than half of what is due fits; the first to lock the invoice wins"
    accepted = {key for key, status in zip(keys[:RACERS], statuses[:RACERS], strict=True) if status == 303}
    assert accepted == set(new) - {replayed}
    (paid, total) = read(app, sa.select(Invoice.paid_minor, Invoice.amount_minor).where(Invoice.id == invoice_id))[0]
    assert paid <= total


def flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_hardening_26_after_the_races_the_ledger_and_the_audit_trail_verify(portal):
    _app, env, _instances = portal
    ledger = flask(env, "ledger", "verify")
    assert ledger.returncode == 0 and "ledger OK" in ledger.stdout, ledger.stdout + ledger.stderr
    audit = flask(env, "audit", "verify")
    assert audit.returncode == 0 and re.search(r"audit chain OK: \d+ events verified", audit.stdout), audit.stderr


#: A flag changed anywhere is seen by every instance within this (each keeps its copy for FLAG_SNAPSHOT_TTL = 2 s).
SEEN_WITHIN = 5.0


def _seen(check, within: float = SEEN_WITHIN) -> float:
    """Seconds until ``check()`` holds, polling; fails past ``within``."""
    import time

    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < within, f"not seen within {within} s"
        time.sleep(0.2)
    return time.monotonic() - started


def test_a_flag_changed_by_the_cli_or_the_dashboard_is_seen_by_the_other_instance_within_5_s(portal):
    _app, env, (first, second) = portal
    agent = logged_in(second, "agent@northwind.example", "demo-agent-password")
    home = f"{second.url}/portal/northwind/"
    assert agent.get(home, timeout=10).status_code == 200

    denied = flask(env, "flags", "deny", "agent_portal", "northwind", "--reason", "two-instance check")
    assert denied.returncode == 0, denied.stderr
    _seen(lambda: agent.get(home, timeout=10).status_code == 403)

    admin = logged_in(first, "admin@demo.example", "demo-admin-password")
    form = f"{first.url}/dashboard/flags/agent_portal"
    page = admin.get(form, timeout=10).text
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page).group(1)
    saved = admin.post(form, data={"csrf_token": csrf_token_from(page), "idempotency_key": key, "enabled": "y",
                                   "rollout_percentage": "100", "allow_list": "", "deny_list": "",
                                   "reason": "back on"}, allow_redirects=False, timeout=10)  # fmt: skip
    assert saved.status_code == 303, saved.text[:300]
    _seen(lambda: agent.get(home, timeout=10).status_code == 200)

    paused = flask(env, "flags", "disable", "financial_orchestrator", "--reason", "Two-instance drill.")
    assert paused.returncode == 0, paused.stderr
    try:
        _seen(lambda: "Two-instance drill." in agent.get(f"{second.url}/portal/northwind/payouts", timeout=10).text)
    finally:
        assert flask(env, "flags", "enable", "financial_orchestrator", "--reason", "drill over").returncode == 0
