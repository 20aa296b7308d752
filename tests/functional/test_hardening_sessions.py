"""Hardening items 12–17: sessions that expire and end for good, proxies, and limits on guessing."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal.extensions import db
from portal.models import LoginSession, User
from portal.models.base import utcnow
from portal.seed.demo import load_demo_data
from tests.conftest import make_app
from tests.functional.conftest import csrf_token_from
from tests.functional.dashboard_support import DEMO_LOGINS, load_demo, log_in_as, page_token
from tests.support.required import part_missing

PORTAL = "/portal/northwind"


@pytest.fixture
def demo(app, db_session):
    return load_demo(app, db_session)


def _age_sessions(db_session, *, created: timedelta | None = None, seen: timedelta | None = None) -> None:
    values = {}
    if created is not None:
        values["created_at"] = utcnow() - created
    if seen is not None:
        values["last_seen_at"] = utcnow() - seen
    db_session.execute(sa.update(LoginSession).where(LoginSession.ended_at.is_(None)).values(**values))
    db_session.commit()


def key_from(html: str) -> str:
    return re.search(r'name="idempotency_key"[^>]*value="([a-f0-9]{32})"', html).group(1)


def test_hardening_12_a_400_day_old_session_no_longer_opens_anything(client, db_session, demo):
    log_in_as(client, "admin")
    assert client.get("/dashboard/").status_code == 200
    _age_sessions(db_session, created=timedelta(days=400), seen=timedelta(minutes=1))
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Your session expired" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_hardening_12_an_idle_session_expires_after_the_configured_minutes(app, client, db_session, demo, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    log_in_as(client, "agent")
    _age_sessions(db_session, seen=timedelta(minutes=4))
    assert client.get(f"{PORTAL}/").status_code == 200, "4 minutes idle of 5: still open"
    last_seen = db_session.scalar(sa.select(sa.func.max(LoginSession.last_seen_at)))
    assert utcnow() - last_seen < timedelta(seconds=30), "using the session moves its last use forward"
    _age_sessions(db_session, seen=timedelta(minutes=6))
    response = client.get(f"{PORTAL}/")
    assert response.status_code == 302
    assert "Your session expired" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_hardening_12_the_absolute_timeout_holds_however_busy_the_session(app, client, db_session, demo, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_ABSOLUTE_HOURS", 12)
    log_in_as(client, "admin")
    _age_sessions(db_session, created=timedelta(hours=11, minutes=59), seen=timedelta(seconds=5))
    assert client.get("/dashboard/").status_code == 200
    _age_sessions(db_session, created=timedelta(hours=12, minutes=1), seen=timedelta(seconds=5))
    assert client.get("/dashboard/").status_code == 302


def test_hardening_13_suspending_an_agent_ends_its_sessions_for_good(app, client, db_session, demo):
    log_in_as(client, "agent")
    assert client.get(f"{PORTAL}/").status_code == 200
    admin = app.test_client()
    log_in_as(admin, "admin")
    url = f"/dashboard/agents/{demo['agent_id']}/status"
    confirm = admin.get(url).get_data(as_text=True)
    form = {"csrf_token": page_token(admin, url), "idempotency_key": key_from(confirm), "reason": "Audit"}
    assert admin.post(url, data=form).status_code == 303
    assert client.get(f"{PORTAL}/").status_code == 302, "the agent's open session ended"
    confirm = admin.get(url).get_data(as_text=True)
    form = {"csrf_token": page_token(admin, url), "idempotency_key": key_from(confirm), "reason": "Cleared"}
    assert admin.post(url, data=form).status_code == 303, "reactivated"
    assert client.get(f"{PORTAL}/").status_code == 302, "reactivation does not revive the old session"
    log_in_as(client, "agent")
    assert client.get(f"{PORTAL}/").status_code == 200, "a new log-in works"


def test_hardening_13_locking_a_staff_user_ends_their_sessions_for_good(app, client, db_session, demo):
    log_in_as(client, "viewer")
    assert client.get("/dashboard/").status_code == 200
    admin = app.test_client()
    log_in_as(admin, "admin")
    url = f"/dashboard/users/{demo['user_id']}"
    page = admin.get(url).get_data(as_text=True)
    lock = {"csrf_token": page_token(admin, url), "idempotency_key": key_from(page), "role": "viewer"}
    assert admin.post(url, data=lock).status_code == 303
    page = admin.get(url).get_data(as_text=True)
    unlock = {
        "csrf_token": page_token(admin, url),
        "idempotency_key": key_from(page),
        "role": "viewer",
        "is_active": "y",
    }
    assert admin.post(url, data=unlock).status_code == 303
    assert db_session.get(User, demo["user_id"]).is_active
    assert client.get("/dashboard/").status_code == 302, "unlocking does not revive the old session"


def _fresh_app(tmp_path, **config):
    app = make_app(f"sqlite:///{tmp_path / 'hardening.sqlite3'}", tmp_path, **config)
    with app.app_context():
        upgrade()
    return app


def _failed_log_ins(client, count: int, email: str, address: str) -> list:
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    environ = {"REMOTE_ADDR": "10.0.0.2"}
    return [
        client.post(
            "/login",
            data={"email": email, "password": "wrong password", "csrf_token": token},
            headers={"X-Forwarded-For": address},
            environ_base=environ,
        )
        for _ in range(count)
    ]


def test_hardening_14_behind_a_trusted_proxy_limits_key_on_the_real_client(tmp_path):
    app = _fresh_app(tmp_path, TRUSTED_PROXY_HOPS=1, LOGIN_LIMIT_PER_IP="3 per minute")
    client = app.test_client()
    attacker = _failed_log_ins(client, 4, "nobody@example.com", "203.0.113.9")
    assert [r.status_code for r in attacker] == [401, 401, 401, 429]
    admin = _failed_log_ins(client, 1, "admin@example.com", "198.51.100.7")
    assert admin[0].status_code == 401, "another client behind the same proxy is not locked out"
    with app.app_context():
        db.engine.dispose()


def test_hardening_14_without_a_trusted_proxy_the_forwarded_address_is_ignored(tmp_path):
    app = _fresh_app(tmp_path, LOGIN_LIMIT_PER_IP="3 per minute")
    client = app.test_client()
    spoofed = [_failed_log_ins(client, 1, "x@example.com", f"203.0.113.{n}")[0] for n in range(4)]
    assert [r.status_code for r in spoofed] == [401, 401, 401, 429], "a forged X-Forwarded-For buys nothing"
    with app.app_context():
        db.engine.dispose()


def test_hardening_14_an_incoming_request_id_is_kept_only_from_a_trusted_proxy(client, tmp_path):
    assert client.get("/healthz", headers={"X-Request-ID": "client-req-000123"}).headers["X-Request-ID"] != (
        "client-req-000123"
    )
    proxied = _fresh_app(tmp_path, TRUSTED_PROXY_HOPS=1).test_client()
    response = proxied.get("/healthz", headers={"X-Request-ID": "proxy-req-000123"})
    assert response.headers["X-Request-ID"] == "proxy-req-000123"


def test_hardening_15_a_rate_limited_log_in_keeps_the_form_and_says_when_to_retry(tmp_path):
    app = _fresh_app(tmp_path, LOGIN_LIMIT_PER_ACCOUNT="2 per minute")
    client = app.test_client()
    responses = _failed_log_ins(client, 3, "victim@example.com", "192.0.2.1")
    limited = responses[-1]
    body = limited.get_data(as_text=True)
    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert re.search(r"Wait \d+ seconds, then try again", body)
    assert 'name="email"' in body and 'value="victim@example.com"' in body, "the form is kept, filled in"
    with app.app_context():
        db.engine.dispose()


def test_hardening_16_guessing_the_current_password_is_limited_like_log_in(app, client, db_session, demo, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_CHECK_LIMIT_PER_ACCOUNT", "3 per minute")
    log_in_as(client, "agent")
    url = f"{PORTAL}/profile"
    statuses = []
    for n in range(5):
        form = {"csrf_token": page_token(client, url), "idempotency_key": f"{n:032x}", "current": f"guess {n}",
                "new": "a brand new passphrase", "confirm": "a brand new passphrase"}  # fmt: skip
        statuses.append(client.post(url, data=form))
    assert [r.status_code for r in statuses[:3]] == [422, 422, 422]
    assert statuses[3].status_code == 429 and "Retry-After" in statuses[3].headers
    assert "Too many password attempts" in statuses[3].get_data(as_text=True)


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def test_hardening_17_limits_are_shared_through_redis(tmp_path):
    if not _redis_reachable():
        part_missing("Redis", "start redis-server on 127.0.0.1:6379 (apt-get install redis-server)")
    import uuid

    config = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "LOGIN_LIMIT_PER_ACCOUNT": "2 per minute",
              "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}  # fmt: skip
    first = _fresh_app(tmp_path, **config)
    second = make_app(f"sqlite:///{tmp_path / 'hardening.sqlite3'}", tmp_path, **config)
    a, b = first.test_client(), second.test_client()
    assert [r.status_code for r in _failed_log_ins(a, 2, "shared@example.com", "192.0.2.1")] == [401, 401]
    assert _failed_log_ins(b, 1, "shared@example.com", "192.0.2.1")[0].status_code == 429, "the other worker knows"
    assert a.get("/healthz").get_json()["rate_limits"] == "ok"


def test_hardening_17_with_redis_unreachable_log_in_falls_back_and_health_says_degraded(tmp_path, caplog):
    app = _fresh_app(tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6390/0", LOGIN_LIMIT_PER_ACCOUNT="2 per minute")
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        statuses = [r.status_code for r in _failed_log_ins(client, 3, "v@example.com", "192.0.2.1")]
    assert statuses == [401, 401, 429], "limits still hold, in the process"
    outages = [r for r in caplog.records if "falling back to in-memory" in r.getMessage()]
    assert len(outages) == 1, "the outage is logged once"
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {
        "status": "degraded", "database": "ok", "rate_limits": "degraded"
    }  # fmt: skip


def _log_in_from(client, email: str, password: str, address: str, headers: dict | None = None):
    token = csrf_token_from(client.get("/login", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True))
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers or {},
        environ_base={"REMOTE_ADDR": address},
    )


def test_hardening_14_guesses_from_elsewhere_do_not_lock_the_owner_out(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per minute")
    email, password = DEMO_LOGINS["admin"]
    guesser = app.test_client()
    guesses = [_log_in_from(guesser, email, f"guess {n}", "203.0.113.50").status_code for n in range(4)]
    assert guesses == [401, 401, 401, 429], "the guesser is stopped"
    owner = _log_in_from(app.test_client(), email, password, "198.51.100.20")
    assert owner.status_code == 303, "the owner, from their own address, still logs in"


def test_hardening_14_a_right_password_does_not_count_against_the_account(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "2 per minute")
    email, password = DEMO_LOGINS["viewer"]
    statuses = [_log_in_from(app.test_client(), email, password, "198.51.100.21").status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 303]


def test_hardening_14_guesses_spread_over_many_addresses_are_limited_too(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE", "5 per hour")
    email = DEMO_LOGINS["finance"][0]
    client = app.test_client()
    statuses = [_log_in_from(client, email, "guess", f"203.0.113.{n}").status_code for n in range(1, 8)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    other = _log_in_from(client, DEMO_LOGINS["viewer"][0], DEMO_LOGINS["viewer"][1], "203.0.113.99")
    assert other.status_code == 303, "another account is not affected"


@pytest.mark.parametrize(
    "forwarded", ["x" * 5000, "not-an-address", "203.0.113.5, " + "9" * 300, "203.0.113.5,, ,", "::ffff:zz"]
)
def test_hardening_14_a_made_up_forwarded_address_falls_back_to_the_proxy_peer(tmp_path, forwarded):
    app = _fresh_app(tmp_path, TRUSTED_PROXY_HOPS=1, LOGIN_LIMIT_PER_IP="2 per minute")
    client = app.test_client()
    refused = [_failed_log_ins(client, 1, "nobody@example.com", forwarded)[0] for _ in range(3)]
    assert [r.status_code for r in refused] == [401, 401, 429], "keyed on the proxy's own address, not the value"
    assert all("Internal" not in r.get_data(as_text=True) for r in refused)
    real = _failed_log_ins(client, 1, "nobody@example.com", "198.51.100.30")[0]
    assert real.status_code == 401, "a real forwarded address is still its own client"
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("forwarded", ["x" * 5000, "not-an-address", "::ffff:zz"])
def test_hardening_14_a_log_in_through_a_proxy_records_a_real_address_only(tmp_path, forwarded):
    app = _fresh_app(tmp_path, TRUSTED_PROXY_HOPS=1)
    with app.app_context():
        load_demo_data(db.session)
    email, password = DEMO_LOGINS["viewer"]
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers={"X-Forwarded-For": forwarded},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert response.status_code == 303
    with app.app_context():
        recorded = db.session.scalars(sa.select(LoginSession.ip_address)).all()
        db.engine.dispose()
    assert recorded == ["10.0.0.2"], "the proxy's own address, never the made-up value"
