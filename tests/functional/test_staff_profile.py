"""A staff member's own profile: a new password, the sessions open in their name, ending them; the session cookie."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal.extensions import db, limiter
from portal.models import AuditEvent, LoginSession, User
from tests.conftest import TEST_SECRET_KEY, make_app
from tests.functional.conftest import csrf_token_from
from tests.functional.dashboard_support import DEMO_LOGINS, load_demo, log_in_as, page_token
from tests.support.factories import PASSWORD, Factories

PROFILE = "/dashboard/profile"
END = "/dashboard/profile/sessions/end"
END_OTHERS = "/dashboard/profile/sessions/end-others"
FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def demo(app, db_session):
    return load_demo(app, db_session)


def browser(app, role: str, user_agent: str | None = None, address: str | None = None):
    """Another test client, from its own browser and address, logged in as ``role``."""
    other = app.test_client()
    if user_agent:
        other.environ_base["HTTP_USER_AGENT"] = user_agent
    if address:
        other.environ_base["REMOTE_ADDR"] = address
    log_in_as(other, role)
    return other


def user_id(db_session, role: str) -> int:
    return db_session.scalar(sa.select(User.id).where(User.email == DEMO_LOGINS[role][0]))


def open_sessions(db_session, role: str) -> list[LoginSession]:
    db_session.expire_all()
    query = sa.select(LoginSession).where(LoginSession.user_id == user_id(db_session, role))
    return list(db_session.scalars(query.where(LoginSession.ended_at.is_(None))))


def handle_of(db_session, role: str, user_agent: str) -> str:
    return next(login.handle for login in open_sessions(db_session, role) if login.user_agent == user_agent)


def logged_in(client) -> bool:
    return client.get(PROFILE).status_code == 200


def change_password(client, **fields):
    data = {"csrf_token": page_token(client, PROFILE), "idempotency_key": uuid.uuid4().hex,
            "current": DEMO_LOGINS["admin"][1], "new": NEW_PASSWORD, "confirm": NEW_PASSWORD, **fields}  # fmt: skip
    return client.post(PROFILE, data=data)


def end(client, handle: str, **fields):
    data = {"csrf_token": page_token(client, PROFILE), "idempotency_key": uuid.uuid4().hex, "handle": handle}
    return client.post(END, data={**data, **fields})


def events(db_session, action: str) -> list[AuditEvent]:
    return list(db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def field_errors(html: str, field: str) -> list[str]:
    """The messages shown under one field of the form."""
    return re.findall(rf'<p class="field__error" id="{field}-error">([^<]+)</p>', html)


@pytest.mark.parametrize("role", ["admin", "finance", "viewer"])
def test_every_staff_role_opens_its_profile_from_its_name(app, client, db_session, demo, role):
    log_in_as(client, role)
    overview = client.get("/dashboard/").get_data(as_text=True)
    name = db_session.scalar(sa.select(User.full_name).where(User.email == DEMO_LOGINS[role][0]))
    assert re.search(
        rf'<a class="site-nav__who" href="{PROFILE}"[^>]*>\s*<span class="site-nav__name">{name}<', overview
    )
    page = client.get(PROFILE)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'<h2 id="account-heading">{name}</h2>' in body and DEMO_LOGINS[role][0] in body
    assert "Change your password" in body and "Where you are logged in" in body
    assert 'aria-current="page"' in body.split("<main", 1)[0], "the name in the navigation shows where you are"


def test_a_wrong_current_password_is_refused_at_its_field(client, db_session, demo):
    log_in_as(client, "admin")
    response = change_password(client, current="not my password")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "current") == ["The current password is not correct."]
    assert logged_in(client)


def test_the_new_password_must_be_typed_twice_alike(client, db_session, demo):
    log_in_as(client, "admin")
    response = change_password(client, confirm="a brand new passphrasf")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "confirm") == ["The two new passwords differ."]


def test_a_short_new_password_is_refused(client, db_session, demo):
    log_in_as(client, "admin")
    response = change_password(client, new="too short", confirm="too short")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "new") == ["At least 12 characters, at most 1024."]


def test_a_new_password_ends_every_other_session_and_keeps_this_one(app, client, db_session, demo):
    log_in_as(client, "admin")
    laptop = browser(app, "admin", FIREFOX_ON_WINDOWS)
    done = change_password(client)
    assert done.status_code == 303 and done.headers["Location"] == PROFILE
    page = client.get(PROFILE).get_data(as_text=True)
    assert "Your password was changed; every other log-in was ended." in page
    assert not logged_in(laptop), "the other browser is logged out"
    assert len(open_sessions(db_session, "admin")) == 1
    fresh = app.test_client()
    token = csrf_token_from(fresh.get("/login").get_data(as_text=True))
    email = DEMO_LOGINS["admin"][0]
    again = fresh.post("/login", data={"email": email, "password": NEW_PASSWORD, "csrf_token": token})
    assert again.status_code == 303, "the new password opens a session"


def test_guessing_the_current_password_is_limited_like_on_the_agent_profile(client, db_session, demo, monkeypatch, app):
    monkeypatch.setitem(app.config, "PASSWORD_CHECK_LIMIT_PER_ACCOUNT", "3 per minute")
    limiter.reset()  # earlier tests in this process posted as the same account
    log_in_as(client, "finance")
    statuses = [change_password(client, current=f"guess {n}").status_code for n in range(4)]
    assert statuses == [422, 422, 422, 429]


def test_the_sessions_show_where_and_in_what_they_were_opened_never_their_token(app, client, db_session, demo):
    client.environ_base["HTTP_USER_AGENT"] = SAFARI_ON_IPHONE
    log_in_as(client, "admin")
    browser(app, "admin", FIREFOX_ON_WINDOWS, "203.0.113.9")
    body = client.get(PROFILE).get_data(as_text=True)
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", body, re.S)
    assert len(rows) == 2
    assert rows[0].startswith("Safari on iPhone") and "This session" in rows[0], "this session comes first"
    assert rows[1].startswith("Firefox on Windows") and "203.0.113.9" in rows[1] and "End session" in rows[1]
    assert "<time" in rows[1], "started and last used in the viewer's local time"
    token = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)["_user_id"]
    assert token not in body
    for login in open_sessions(db_session, "admin"):
        assert login.token_hash not in body, "a session is named by its handle only"
    laptop = handle_of(db_session, "admin", FIREFOX_ON_WINDOWS)
    assert f'name="handle" value="{laptop}"' in rows[1]


def test_with_this_session_alone_the_list_says_so(client, db_session, demo):
    log_in_as(client, "viewer")
    body = client.get(PROFILE).get_data(as_text=True)
    assert "No other sessions" in body and "End all other sessions" not in body and "End session" not in body


def test_ending_another_session_logs_that_browser_out(app, client, db_session, demo):
    log_in_as(client, "admin")
    laptop = browser(app, "admin", FIREFOX_ON_WINDOWS, "203.0.113.9")
    phone = browser(app, "admin", SAFARI_ON_IPHONE)
    handle = handle_of(db_session, "admin", FIREFOX_ON_WINDOWS)
    response = end(client, handle)
    assert response.status_code == 303 and response.headers["Location"] == PROFILE
    page = client.get(PROFILE).get_data(as_text=True)
    assert "That session was ended: whoever was using it is logged out." in page
    assert "Firefox on Windows" not in page
    assert not logged_in(laptop) and logged_in(phone) and logged_in(client)
    (event,) = events(db_session, "end_session")
    assert event.entity_type == "User" and event.entity_id == str(user_id(db_session, "admin"))
    assert event.after == {"session": handle, "browser": "Firefox on Windows", "ip_address": "203.0.113.9"}
    assert event.command == "end_login_session"


def test_ending_a_session_that_ended_meanwhile_says_so(app, client, db_session, demo):
    log_in_as(client, "admin")
    browser(app, "admin", FIREFOX_ON_WINDOWS)
    handle = handle_of(db_session, "admin", FIREFOX_ON_WINDOWS)
    assert end(client, handle).status_code == 303
    again = end(client, handle)
    assert again.status_code == 303
    assert "That session had ended already." in client.get(PROFILE).get_data(as_text=True)
    assert len(events(db_session, "end_session")) == 1


def test_a_handle_of_someone_elses_session_ends_nothing(app, client, db_session, demo):
    log_in_as(client, "admin")
    colleague = browser(app, "finance", FIREFOX_ON_WINDOWS)
    theirs = handle_of(db_session, "finance", FIREFOX_ON_WINDOWS)
    for handle in (theirs, theirs.upper(), theirs[:8], "%" * 16, "_" * 16, "0" * 16):
        assert end(client, handle).status_code == 404, handle
    assert logged_in(colleague) and len(open_sessions(db_session, "finance")) == 1
    assert events(db_session, "end_session") == []


def test_the_session_in_use_is_not_ended_from_the_list(client, db_session, demo):
    log_in_as(client, "admin")
    (mine,) = open_sessions(db_session, "admin")
    refused = end(client, mine.handle)
    assert refused.status_code == 422
    assert "This is the session you are using: to end it, log out." in refused.get_data(as_text=True)
    assert logged_in(client)


def test_ending_a_session_needs_the_page_csrf_token(app, client, db_session, demo):
    log_in_as(client, "admin")
    laptop = browser(app, "admin", FIREFOX_ON_WINDOWS)
    handle = handle_of(db_session, "admin", FIREFOX_ON_WINDOWS)
    assert end(client, handle, csrf_token="").status_code == 400
    others = client.post(END_OTHERS, data={"idempotency_key": uuid.uuid4().hex})
    assert others.status_code == 400
    assert logged_in(laptop)


def test_all_other_sessions_end_after_a_confirmation(app, client, db_session, demo):
    log_in_as(client, "admin")
    laptop = browser(app, "admin", FIREFOX_ON_WINDOWS)
    phone = browser(app, "admin", SAFARI_ON_IPHONE)
    ask = client.get(END_OTHERS)
    question = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "End all other sessions?" in question
    assert "All 2 other sessions are logged out at once; this one stays logged in." in question
    assert logged_in(laptop) and logged_in(phone), "asking changes nothing"
    done = client.post(END_OTHERS, data={"csrf_token": csrf_token_from(question),
                                         "idempotency_key": re.search(r'name="idempotency_key"[^>]*value="(\w+)"',
                                                                      question).group(1)})  # fmt: skip
    assert done.status_code == 303 and done.headers["Location"] == PROFILE
    page = client.get(PROFILE).get_data(as_text=True)
    assert "Every other session was ended: you are logged in here only." in page and "No other sessions" in page
    assert not logged_in(laptop) and not logged_in(phone) and logged_in(client)
    (event,) = events(db_session, "end_other_sessions")
    assert event.after == {"sessions_ended": 2} and event.entity_id == str(user_id(db_session, "admin"))


def test_with_no_other_session_the_confirmation_has_nothing_to_end(client, db_session, demo):
    log_in_as(client, "viewer")
    page = client.get(END_OTHERS).get_data(as_text=True)
    assert "No other sessions" in page and "End all other sessions</button>" not in page


def test_the_audit_trail_reads_the_session_events_in_words(app, client, db_session, demo):
    log_in_as(client, "admin")
    browser(app, "admin", FIREFOX_ON_WINDOWS)
    end(client, handle_of(db_session, "admin", FIREFOX_ON_WINDOWS))
    trail = client.get("/dashboard/audit").get_data(as_text=True)
    assert "Ended a log-in session of" in trail


def test_the_agent_profile_ends_sessions_the_same_way(app, client, db_session, demo):
    log_in_as(client, "agent")
    laptop = browser(app, "agent", FIREFOX_ON_WINDOWS)
    profile = "/portal/northwind/profile"
    page = client.get(profile).get_data(as_text=True)
    assert "Where you are logged in" in page and "Firefox on Windows" in page and "Recent log-ins" in page
    handle = handle_of(db_session, "agent", FIREFOX_ON_WINDOWS)
    data = {"csrf_token": csrf_token_from(page), "idempotency_key": uuid.uuid4().hex, "handle": handle}
    response = client.post(f"{profile}/sessions/end", data=data)
    assert response.status_code == 303 and response.headers["Location"] == profile
    assert laptop.get(profile).status_code == 302, "that browser is logged out"
    browser(app, "agent", SAFARI_ON_IPHONE)
    question = client.get(f"{profile}/sessions/end-others").get_data(as_text=True)
    assert "The other session (Safari on iPhone from 127.0.0.1) is logged out at once" in question
    data = {"csrf_token": csrf_token_from(question), "idempotency_key": uuid.uuid4().hex}
    assert client.post(f"{profile}/sessions/end-others", data=data).status_code == 303
    assert len(open_sessions(db_session, "agent")) == 1 and client.get(profile).status_code == 200


def test_an_agent_cannot_end_a_staff_session_from_its_portal(app, client, db_session, demo):
    log_in_as(client, "agent")
    admin = browser(app, "admin", FIREFOX_ON_WINDOWS)
    profile = "/portal/northwind/profile"
    handle = handle_of(db_session, "admin", FIREFOX_ON_WINDOWS)
    data = {"csrf_token": csrf_token_from(client.get(profile).get_data(as_text=True)),
            "idempotency_key": uuid.uuid4().hex, "handle": handle}  # fmt: skip
    assert client.post(f"{profile}/sessions/end", data=data).status_code == 404
    assert logged_in(admin)


def test_in_development_the_session_cookie_keeps_its_plain_name(client, db_session, demo):
    log_in_as(client, "viewer")
    assert client.get_cookie("session") is not None


def test_in_production_the_session_cookie_is_bound_to_this_host_over_https(monkeypatch, postgres_databases, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET_KEY)
    database = postgres_databases.create()
    app = make_app(database, tmp_path)
    assert app.config["PORTAL_ENV"] == "production"
    with app.app_context():
        upgrade()
        Factories(app, db.session()).user("viewer", email="owner@example.com")
    client = app.test_client()
    https = {"base_url": "https://portal.example", "headers": {"Referer": "https://portal.example/login"}}
    token = csrf_token_from(client.get("/login", **https).get_data(as_text=True))
    response = client.post("/login", data={"email": "owner@example.com", "password": PASSWORD, "csrf_token": token},
                           **https)  # fmt: skip
    assert response.status_code == 303
    (cookie,) = response.headers.getlist("Set-Cookie")
    assert cookie.startswith("__Host-session=")
    attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
    assert "secure" in attributes and "path=/" in attributes and "httponly" in attributes
    assert "samesite=lax" in attributes
    assert not [part for part in attributes if part.startswith("domain")]
    assert client.get("/dashboard/profile", **https).status_code == 200, "the cookie opens the session over HTTPS"
    with app.app_context():
        db.engine.dispose()
