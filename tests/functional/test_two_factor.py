"""Two-factor sign-in: enrolment, the log-in's code step, replays, recovery codes, removal, required roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.commands.base import new_idempotency_key
from portal.models import AuditEvent, EmailOutbox, LoginSession, Notification, RecoveryCode, TwoFactorCredential, User
from portal.models.base import utcnow
from portal.persistence.context import Actor, CommandContext
from portal.services.running import command_runner
from portal.services.settings import ChangeSetting
from tests.functional import two_factor_support
from tests.functional.dashboard_support import DEMO_LOGINS, load_demo, log_in_as
from tests.functional.two_factor_support import enrol, form_of, log_in_with_password, secret_on, send_code

phone = two_factor_support.phone
PAGE = "/dashboard/profile/two-factor"
ADMIN_EMAIL, ADMIN_PASSWORD = DEMO_LOGINS["admin"]


@pytest.fixture
def demo(app, db_session):
    return load_demo(app, db_session)


def _admin(db_session) -> User:
    return db_session.scalar(sa.select(User).where(User.email == ADMIN_EMAIL))


def _events(db_session, action: str) -> list[AuditEvent]:
    return list(db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def _log_out(client) -> None:
    from tests.functional.conftest import csrf_token_from

    token = csrf_token_from(client.get("/dashboard/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303


def _enrolled_admin(client, phone) -> tuple[str, list[str]]:
    log_in_as(client, "admin")
    secret, codes = enrol(client, phone)
    _log_out(client)
    return secret, codes


def test_enrolment_shows_the_key_confirms_with_a_code_and_shows_ten_recovery_codes_once(
    app, client, db_session, demo, phone
):
    log_in_as(client, "admin")
    assert "Set up two-factor sign-in" in client.get(PAGE).get_data(as_text=True)
    assert client.post(f"{PAGE}/begin", data=form_of(client, PAGE)).status_code == 303
    page = client.get(PAGE).get_data(as_text=True)
    secret = secret_on(page)
    assert len(secret) == 32 and "<svg" in page and "qr-code" in page

    wrong = client.post(f"{PAGE}/confirm", data=form_of(client, PAGE, code=phone.wrong_code(secret)))
    assert wrong.status_code == 422 and "does not match the new key" in wrong.get_data(as_text=True)
    credential = db_session.get(TwoFactorCredential, _admin(db_session).id)
    assert credential.confirmed_at is None and credential.pending_ciphertext
    assert secret not in credential.pending_ciphertext, "the secret is kept sealed, never in clear"
    assert [e.after["during"] for e in _events(db_session, "two_factor_refused")] == ["confirm_two_factor"]

    confirmed = client.post(f"{PAGE}/confirm", data=form_of(client, PAGE, code=phone.code(secret)))
    html = confirmed.get_data(as_text=True)
    codes = [line for line in html.split("<li><code>")[1:]]
    assert confirmed.status_code == 200 and len(codes) == 10
    db_session.expire_all()
    credential = db_session.get(TwoFactorCredential, _admin(db_session).id)
    assert credential.enrolled and credential.pending_ciphertext is None and credential.ciphertext
    stored = db_session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == credential.user_id))
    stored = list(stored)
    assert len(stored) == 10 and not any(c.split("<")[0] in stored for c in codes), "only hashes are kept"
    assert "On" in client.get(PAGE).get_data(as_text=True) and "10 of 10 recovery codes left" in client.get(
        PAGE
    ).get_data(as_text=True)
    # the person alone is e-mailed
    mail = db_session.scalars(
        sa.select(EmailOutbox.user_id).join(Notification).where(Notification.kind == "two_factor_enrolled")
    ).all()
    assert mail == [credential.user_id]
    audit = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "TwoFactorCredential").order_by(AuditEvent.seq)
    ).all()
    assert audit and all(secret not in repr((e.before, e.after)) for e in audit)


def test_log_in_asks_for_the_code_after_the_password_and_opens_nothing_before_it(app, client, db_session, demo, phone):
    secret, _codes = _enrolled_admin(client, phone)
    sessions_before = db_session.scalar(sa.select(sa.func.count()).select_from(LoginSession))
    answer = log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/login/code")
    assert client.get("/dashboard/").status_code == 302, "no page opens on the password alone"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == sessions_before

    wrong = send_code(client, phone.wrong_code(secret))
    assert wrong.status_code == 401 and "not right, or it was used already" in wrong.get_data(as_text=True)
    assert _events(db_session, "two_factor_refused")[-1].after == {"during": "log_in"}

    right = send_code(client, phone.code(secret))
    assert right.status_code == 303 and right.headers["Location"].endswith("/dashboard/")
    assert client.get("/dashboard/").status_code == 200
    assert _events(db_session, "two_factor_passed")[-1].after == {"with": "app"}


def test_a_code_is_accepted_once_even_in_another_browser(app, client, db_session, demo, phone):
    secret, _codes = _enrolled_admin(client, phone)
    used = phone.code(secret)
    log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert send_code(client, used).status_code == 303
    other = app.test_client()
    log_in_with_password(other, ADMIN_EMAIL, ADMIN_PASSWORD)
    replay = send_code(other, used)
    assert replay.status_code == 401, "the same code, replayed within its window, is refused"
    assert other.get("/dashboard/").status_code == 302


def test_an_older_code_than_the_last_one_used_is_refused(app, client, db_session, demo, phone):
    secret, _codes = _enrolled_admin(client, phone)
    log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    older = phone.code(secret)
    assert send_code(client, phone.code(secret)).status_code == 303
    _log_out(client)
    log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert send_code(client, older).status_code == 401


def test_a_recovery_code_signs_in_once_and_its_person_is_told(app, client, db_session, demo, phone):
    _secret, codes = _enrolled_admin(client, phone)
    log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert send_code(client, codes[0].upper().replace("-", " ")).status_code == 303, "case and spacing are forgiven"
    assert _events(db_session, "two_factor_passed")[-1].after == {"with": "recovery code"}
    assert _events(db_session, "recovery_code_used")[-1].after == {"recovery_codes_left": 9}
    told = db_session.scalars(sa.select(Notification).where(Notification.kind == "recovery_code_used")).all()
    assert len(told) == 1 and "9 are left" in told[0].body
    assert "9 of 10 recovery codes left" in client.get(PAGE).get_data(as_text=True)
    _log_out(client)
    log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert send_code(client, codes[0]).status_code == 401, "a used recovery code does not work again"


def test_the_code_step_expires_and_then_asks_for_the_password_again(app, client, db_session, demo, phone, monkeypatch):
    _enrolled_admin(client, phone)
    log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    monkeypatch.setitem(app.config, "TWO_FACTOR_PENDING_MINUTES", 0)
    again = client.get("/login/code")
    assert again.status_code == 303 and again.headers["Location"].endswith("/login")
    assert client.get("/login/code").status_code == 303, "without a password first there is no code step"


def test_codes_are_limited_like_passwords(app, client, db_session, demo, phone, monkeypatch):
    secret, _codes = _enrolled_admin(client, phone)
    monkeypatch.setitem(app.config, "TWO_FACTOR_LIMIT_PER_ACCOUNT", "3 per minute")
    log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    wrong = phone.wrong_code(secret)
    statuses = [send_code(client, wrong).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    limited = send_code(client, phone.code(secret))
    assert limited.status_code == 429 and "Too many codes tried" in limited.get_data(as_text=True)
    assert "Retry-After" in limited.headers


def test_moving_to_a_new_app_needs_the_current_code_and_the_old_app_works_until_confirmed(
    app, client, db_session, demo, phone
):
    old_secret, _codes = _enrolled_admin(client, phone)
    log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert send_code(client, phone.code(old_secret)).status_code == 303
    refused = client.post(f"{PAGE}/begin", data=form_of(client, PAGE, current_code="not a code"))
    assert refused.status_code == 422 and "not right" in refused.get_data(as_text=True)
    assert (
        client.post(f"{PAGE}/begin", data=form_of(client, PAGE, current_code=phone.code(old_secret))).status_code == 303
    )
    new_secret = secret_on(client.get(PAGE).get_data(as_text=True))
    assert new_secret != old_secret
    confirmed = client.post(f"{PAGE}/confirm", data=form_of(client, PAGE, code=phone.code(new_secret)))
    assert confirmed.status_code == 200 and "Two-factor sign-in is on" in confirmed.get_data(as_text=True)
    _log_out(client)
    log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert send_code(client, phone.code(old_secret)).status_code == 401, "the old app's codes no longer work"


def test_turning_it_off_needs_a_code_and_e_mails_the_person(app, client, db_session, demo, phone):
    secret, _codes = _enrolled_admin(client, phone)
    log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    send_code(client, phone.code(secret))
    refused = client.post(f"{PAGE}/remove", data=form_of(client, PAGE, code="123"))
    assert refused.status_code == 422
    assert db_session.get(TwoFactorCredential, _admin(db_session).id) is not None
    removed = client.post(f"{PAGE}/remove", data=form_of(client, PAGE, code=phone.code(secret)))
    assert removed.status_code == 303
    db_session.expire_all()
    assert db_session.get(TwoFactorCredential, _admin(db_session).id) is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert db_session.scalars(sa.select(Notification.kind).where(Notification.kind == "two_factor_removed")).all()
    _log_out(client)
    assert log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD).headers["Location"].endswith("/dashboard/")


def _require(app, db_session, roles: str) -> None:
    with app.app_context():
        command_runner(app, db_session, CommandContext(Actor.system("test"))).run(
            ChangeSetting(idempotency_key=new_idempotency_key(), setting="two_factor_required_roles", value=roles)
        )


def test_a_role_that_requires_it_is_sent_to_enrolment_and_nothing_else_opens(app, client, db_session, demo, phone):
    _require(app, db_session, "admin, finance")
    answer = log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert answer.status_code == 303 and answer.headers["Location"].endswith(PAGE)
    for url in ("/dashboard/", "/dashboard/agents", "/dashboard/settings"):
        blocked = client.get(url)
        assert blocked.status_code == 303 and blocked.headers["Location"].endswith(PAGE), url
    assert "your role signs in with a second factor" in client.get(PAGE).get_data(as_text=True).lower()
    secret, _codes = enrol(client, phone)
    assert client.get("/dashboard/agents").status_code == 200, "enrolled: every page opens again"
    refused = client.post(f"{PAGE}/remove", data=form_of(client, PAGE, code=phone.code(secret)))
    assert refused.status_code == 422 and "required for the admin role" in refused.get_data(as_text=True)
    viewer = app.test_client()
    log_in_as(viewer, "viewer")
    assert viewer.get("/dashboard/agents").status_code == 200, "a role not listed signs in with a password"


def test_required_roles_default_by_environment():
    from portal.config import load_config

    assert load_config("/tmp", {"PORTAL_ENV": "production"})["TWO_FACTOR_REQUIRED_ROLES"] == "admin, finance"
    assert load_config("/tmp", {})["TWO_FACTOR_REQUIRED_ROLES"] == ""
    assert load_config("/tmp", {})["TWO_FACTOR_LIMIT_PER_ACCOUNT"] == "5 per minute; 30 per hour"


@pytest.mark.parametrize(
    ("typed", "status", "message"),
    [
        ("admin, finance", 303, None),
        ("", 303, None),
        ("Viewer", 303, None),
        ("admin, root", 422, "root is not a staff role"),
        ("agent", 422, "agent is not a staff role"),
    ],
)
def test_the_required_roles_setting_takes_staff_roles_only(
    app, client, db_session, demo, phone, typed, status, message
):
    log_in_as(client, "admin")
    url = "/dashboard/settings/two_factor_required_roles"
    answer = client.post(url, data=form_of(client, url, value=typed))
    assert answer.status_code == status, answer.get_data(as_text=True)
    if message:
        assert message in answer.get_data(as_text=True)


def test_a_copied_password_step_opens_no_second_session(app, client, db_session, demo, phone):
    secret, _codes = _enrolled_admin(client, phone)
    log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert send_code(client, phone.code(secret)).status_code == 303
    spent = send_code(copy, phone.code(secret))
    assert spent.status_code == 303 and spent.headers["Location"].endswith("/login")
    assert copy.get("/dashboard/").status_code == 302, "the copied cookie opened nothing"


def test_a_password_step_dated_in_the_future_is_not_believed(app, client, db_session, demo, phone):
    import time

    _enrolled_admin(client, phone)
    with client.session_transaction() as cookie:
        cookie["two_factor_pending"] = {"user": _admin(db_session).id, "at": time.time() + 3600, "next": None}
    assert client.get("/login/code").headers["Location"].endswith("/login")


def test_every_place_a_code_is_typed_shares_one_budget_of_wrong_codes(
    app, client, db_session, demo, phone, monkeypatch
):
    secret, _codes = _enrolled_admin(client, phone)
    log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert send_code(client, phone.code(secret)).status_code == 303
    monkeypatch.setitem(app.config, "TWO_FACTOR_LIMIT_PER_ACCOUNT", "3 per minute")
    wrong = phone.wrong_code(secret)
    profile = [client.post(f"{PAGE}/remove", data=form_of(client, PAGE, code=wrong)).status_code for _ in range(2)]
    assert profile == [422, 422]
    other = app.test_client()
    log_in_with_password(other, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert [send_code(other, wrong).status_code for _ in range(2)] == [401, 429]
    limited = client.post(f"{PAGE}/recovery-codes", data=form_of(client, PAGE, code=wrong))
    assert limited.status_code == 429 and "Too many codes tried" in limited.get_data(as_text=True)


def test_a_set_up_is_finished_only_in_the_session_that_began_it_and_only_soon(app, client, db_session, demo, phone):
    log_in_as(client, "admin")
    other = app.test_client()
    log_in_as(other, "admin")
    assert client.post(f"{PAGE}/begin", data=form_of(client, PAGE)).status_code == 303
    secret = secret_on(client.get(PAGE).get_data(as_text=True))
    assert "two-factor-secret" not in other.get(PAGE).get_data(as_text=True), "another session is not shown the key"
    elsewhere = other.post(f"{PAGE}/confirm", data=form_of(other, PAGE, code=phone.code(secret)))
    assert elsewhere.status_code == 422 and "begun in another session" in elsewhere.get_data(as_text=True)
    db_session.execute(sa.update(TwoFactorCredential).values(pending_since=utcnow() - timedelta(minutes=16)))
    db_session.commit()
    late = client.post(f"{PAGE}/confirm", data=form_of(client, PAGE, code=phone.code(secret)))
    assert late.status_code == 422 and "over 15 minutes ago" in late.get_data(as_text=True)
    db_session.expire_all()
    assert not db_session.get(TwoFactorCredential, _admin(db_session).id).enrolled


def test_requiring_a_role_applies_to_its_sessions_open_already(app, client, db_session, demo):
    log_in_as(client, "viewer")
    assert client.get("/dashboard/agents").status_code == 200
    _require(app, db_session, "viewer")
    sent = client.get("/dashboard/agents")
    assert sent.status_code == 303 and sent.headers["Location"].endswith(PAGE)
    _require(app, db_session, "")
    assert client.get("/dashboard/agents").status_code == 200, "no longer required: the session is free again"
