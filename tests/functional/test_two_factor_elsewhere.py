"""Two-factor sign-in beyond the staff log-in: agents opting in, codes as re-authentication, keys rotating."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.models import AuditEvent, LoginSession, TwoFactorCredential, User
from portal.models.base import utcnow
from portal.persistence.context import Actor, CommandContext
from portal.persistence.unit_of_work import UnitOfWorkFactory
from portal.security.key_providers import KeyVersionInUse, LocalKeyRing
from portal.security.key_rotation import KeyRotation
from portal.security.totp import recovery_key
from portal.services.handlers import command_handlers
from portal.services.running import HANDLERS
from tests.functional import two_factor_support
from tests.functional.dashboard_support import DEMO_LOGINS, load_demo, log_in_as, page_token
from tests.functional.two_factor_support import enrol, log_in_with_password, send_code

phone = two_factor_support.phone
PORTAL = "/portal/northwind"
AGENT_EMAIL, AGENT_PASSWORD = DEMO_LOGINS["agent"]
ADMIN_EMAIL, ADMIN_PASSWORD = DEMO_LOGINS["admin"]
REVEAL = "/dashboard/settings/smtp_password/reveal"


@pytest.fixture
def demo(app, db_session):
    return load_demo(app, db_session)


@pytest.fixture
def own_key_ring(app, tmp_path, monkeypatch) -> LocalKeyRing:
    """A key ring of this test's own: rotating and retiring the shared app's would pull keys from under the tests
    running beside it."""
    ring = LocalKeyRing(tmp_path / "keyring.json")
    monkeypatch.setitem(app.extensions, "portal.key_provider", ring)
    monkeypatch.setitem(app.extensions, HANDLERS, command_handlers(ring, recovery_key(app.config["SECRET_KEY"])))
    return ring


def _log_out(client, page: str) -> None:
    assert client.post("/logout", data={"csrf_token": page_token(client, page)}).status_code == 303


def test_an_agent_may_turn_it_on_from_the_portal_profile_and_then_signs_in_with_a_code_on_the_branded_page(
    app, client, db_session, demo, phone
):
    log_in_as(client, "agent")
    profile = client.get(f"{PORTAL}/profile").get_data(as_text=True)
    assert "Two-factor sign-in" in profile and "Optional" in profile and f"{PORTAL}/profile/two-factor" in profile
    secret, codes = enrol(client, phone, base=PORTAL)
    assert len(codes) == 10
    assert "Manage two-factor sign-in" in client.get(f"{PORTAL}/profile").get_data(as_text=True)
    _log_out(client, f"{PORTAL}/profile")

    answer = log_in_with_password(client, AGENT_EMAIL, AGENT_PASSWORD, login=f"{PORTAL}/login")
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"{PORTAL}/login/code")
    page = client.get(f"{PORTAL}/login/code").get_data(as_text=True)
    assert "Two-factor sign-in" in page and "login-brand" in page, "the code step keeps the agent's branding"
    done = send_code(client, phone.code(secret), url=f"{PORTAL}/login/code")
    assert done.status_code == 303 and done.headers["Location"].endswith(f"{PORTAL}/")
    assert client.get(f"{PORTAL}/").status_code == 200


def test_agents_are_never_made_to_enrol(app, client, db_session, demo):
    log_in_as(client, "agent")
    assert client.get(f"{PORTAL}/").status_code == 200


def _stale(db_session) -> None:
    db_session.execute(
        sa.update(LoginSession)
        .where(LoginSession.ended_at.is_(None))
        .values(authenticated_at=utcnow() - timedelta(minutes=11))
    )
    db_session.commit()


def _reveal(client, proof: str | None = None):
    form = {"csrf_token": page_token(client, "/dashboard/settings"), "idempotency_key": uuid.uuid4().hex}
    if proof is not None:
        form["proof"] = proof
    return client.post(REVEAL, data=form)


def _set_secret(client) -> None:
    url = "/dashboard/settings/smtp_password"
    form = {"csrf_token": page_token(client, url), "idempotency_key": uuid.uuid4().hex, "value": "mail-Secret-77"}
    assert client.post(url, data=form).status_code == 303


def test_with_two_factor_a_code_re_authenticates_once_and_a_replayed_code_does_not(
    app, client, db_session, demo, phone
):
    log_in_as(client, "admin")
    secret, codes = enrol(client, phone)
    _set_secret(client)
    _stale(db_session)
    ask = _reveal(client)
    assert ask.status_code == 200 and "Password or authenticator code" in ask.get_data(as_text=True)
    code = phone.code(secret)
    shown = _reveal(client, code)
    assert shown.status_code == 200 and "mail-Secret-77" in shown.get_data(as_text=True)
    assert db_session.scalars(sa.select(AuditEvent.after).where(AuditEvent.action == "reauthenticated")).all()[-1] == {
        "with": "app"
    }

    _stale(db_session)
    replay = _reveal(client, code)
    assert replay.status_code == 422 and "mail-Secret-77" not in replay.get_data(as_text=True)
    refusal = re.findall(r'class="field__error"[^>]*>([^<]+)<', replay.get_data(as_text=True))
    assert refusal and "is not correct" in refusal[0] and "A code works once" in refusal[0], refusal
    by_recovery = _reveal(client, codes[3])
    assert by_recovery.status_code == 200 and "mail-Secret-77" in by_recovery.get_data(as_text=True)
    _stale(db_session)
    assert _reveal(client, codes[3]).status_code == 422, "a recovery code proves once"
    assert _reveal(client, ADMIN_PASSWORD).status_code == 200, "the password still proves it"


def test_key_rotation_covers_two_factor_secrets_and_a_key_in_use_cannot_be_retired(
    app, client, db_session, demo, phone, own_key_ring
):
    log_in_as(client, "admin")
    secret, _codes = enrol(client, phone)
    admin_id = db_session.scalar(sa.select(User.id).where(User.email == ADMIN_EMAIL))
    provider = own_key_ring
    rotation = KeyRotation(provider)
    first = provider.active_version()
    assert rotation.usage(db_session).get(first, 0) >= 1
    newest = provider.rotate()
    with pytest.raises(KeyVersionInUse, match="secrets still use it"):
        rotation.retire(db_session, first)
    units = UnitOfWorkFactory(db_session, CommandContext(Actor.system("test"), "rotate-two-factor"))
    with app.app_context():
        report = rotation.rewrap_all(db_session, units)
    assert report.rewrapped >= 1 and set(report.by_key_version) == {newest}
    db_session.expire_all()
    credential = db_session.get(TwoFactorCredential, admin_id)
    assert credential.key_version == newest and secret not in credential.ciphertext
    event = db_session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "rewrap", AuditEvent.entity_type == "TwoFactorCredential")
        .order_by(AuditEvent.seq.desc())
    ).first()
    assert event.before == {"key_version": first} and event.after == {"key_version": newest}
    rotation.retire(db_session, first)
    _log_out(client, "/dashboard/")
    log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert send_code(client, phone.code(secret)).status_code == 303, "the re-wrapped secret still checks codes"


def test_a_secret_being_enrolled_is_rotated_too(app, client, db_session, demo, own_key_ring):
    log_in_as(client, "admin")
    page = "/dashboard/profile/two-factor"
    begun = client.post(
        f"{page}/begin", data={"csrf_token": page_token(client, page), "idempotency_key": uuid.uuid4().hex}
    )
    assert begun.status_code == 303
    provider = own_key_ring
    newest = provider.rotate()
    units = UnitOfWorkFactory(db_session, CommandContext(Actor.system("test"), "rotate-pending"))
    with app.app_context():
        KeyRotation(provider).rewrap_all(db_session, units)
    db_session.expire_all()
    admin = db_session.scalar(sa.select(User).where(User.email == ADMIN_EMAIL))
    assert db_session.get(TwoFactorCredential, admin.id).pending_key_version == newest
    assert "two-factor-secret" in client.get(page).get_data(as_text=True), "the pending key still opens"


def test_an_operator_resets_a_lost_phone_from_the_command_line(app, client, db_session, demo, phone):
    log_in_as(client, "admin")
    enrol(client, phone)
    run = app.test_cli_runner().invoke
    refused = run(args=["users", "reset-two-factor", ADMIN_EMAIL])
    assert refused.exit_code != 0 and "--reason" in refused.output
    unknown = run(args=["users", "reset-two-factor", "nobody@example.com", "--reason", "Ticket 12"])
    assert unknown.exit_code == 1 and "There is no log-in for nobody@example.com" in unknown.output
    done = run(args=["users", "reset-two-factor", ADMIN_EMAIL.upper(), "--reason", "Lost phone, ticket 12"])
    assert done.exit_code == 0, done.output
    admin_id = db_session.scalar(sa.select(User.id).where(User.email == ADMIN_EMAIL))
    db_session.expire_all()
    assert db_session.get(TwoFactorCredential, admin_id) is None
    assert client.get("/dashboard/").status_code == 302, "every session of theirs was ended"
    event = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "two_factor_reset")).one()
    assert event.reason == "Lost phone, ticket 12" and event.actor == "system:cli"
    again = run(args=["users", "reset-two-factor", ADMIN_EMAIL, "--reason", "Ticket 12"])
    assert again.exit_code == 1 and "has no two-factor sign-in to reset" in again.output
    assert log_in_with_password(client, ADMIN_EMAIL, ADMIN_PASSWORD).headers["Location"].endswith("/dashboard/")
