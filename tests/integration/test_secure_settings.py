"""Secure settings with both key providers: local key ring and OpenBao Transit (a real server)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal.commands.runner import CommandRunner
from portal.extensions import db
from portal.models import AuditEvent, Notification, Setting
from portal.persistence.audit_chain import verify_chain
from portal.persistence.audit_events import SECRET_PLACEHOLDER, chain_key
from portal.persistence.context import CommandContext
from portal.persistence.unit_of_work import Actor, SessionUnitOfWork, UnitOfWorkFactory
from portal.security.key_providers import (
    KeyProviderUnavailable,
    KeyVersionInUse,
    LocalKeyRing,
    SecretUnreadable,
    VaultTransit,
)
from portal.security.key_rotation import KeyRotation
from portal.security.secure_settings import SECRET_MASK, SecureSettings, SettingNotValid
from portal.seed.demo import load_demo_data
from portal.services.settings import ChangeSetting, SettingChanges
from tests.conftest import make_app
from tests.functional.dashboard_support import log_in_as, page_token

SECRET = "sk_live_canary_0123456789"
ADMIN = Actor.user(1)


@pytest.fixture(params=["local", "vault"])
def provider(request, tmp_path):
    if request.param == "local":
        return LocalKeyRing(tmp_path / "keyring.json")
    server = request.getfixturevalue("openbao")
    vault = VaultTransit(server.address, key_name=f"portal-{uuid.uuid4().hex[:8]}", token="portal-test-root-token")
    vault.ensure_key()
    return vault


@pytest.fixture
def settings(provider) -> SecureSettings:
    return SecureSettings(provider)


def unit(session, command: str = "change_setting") -> SessionUnitOfWork:
    return SessionUnitOfWork(session, command=command, actor=ADMIN, correlation_id="settings-test-01")


def change(session, settings: SecureSettings, name: str, raw) -> None:
    """Change a setting through the command runner, as the dashboard and the CLI do."""
    units = UnitOfWorkFactory(session, CommandContext(ADMIN, "settings-test-01"))
    handlers = {ChangeSetting: SettingChanges(settings.provider)}
    CommandRunner(units, handlers).run(ChangeSetting(idempotency_key=uuid.uuid4().hex, setting=name, value=raw))


def test_a_secret_is_stored_only_as_ciphertext_and_shown_masked(db_session, settings):
    change(db_session, settings, "payment_gateway_api_key", SECRET)
    row = db_session.get(Setting, "payment_gateway_api_key")
    assert row.is_secret and row.value is None and row.ciphertext.startswith(f"v1.{row.key_version}.")
    assert SECRET not in row.ciphertext
    assert settings.view(db_session, "payment_gateway_api_key").display == SECRET_MASK
    assert settings.secret_value(db_session, "payment_gateway_api_key") == SECRET
    dumped = repr(db_session.execute(sa.text("SELECT * FROM setting")).all())
    dumped += repr(db_session.execute(sa.text("SELECT before, after FROM audit_event")).all())
    dumped += repr(db_session.execute(sa.text("SELECT subject, body FROM notification")).all())
    assert SECRET not in dumped


def test_plain_settings_are_typed_and_validated(db_session, settings):
    change(db_session, settings, "commission_holding_days", " 21 ")
    assert settings.view(db_session, "commission_holding_days").display == "21"
    for name, raw, message in [
        ("commission_holding_days", "soon", "whole number"),
        ("commission_holding_days", "400", "at most 365"),
        ("default_currency", "EURO", "ISO-4217"),
        ("smtp_starttls", "maybe", "yes or no"),
        ("smtp_password", "   ", "cannot be empty"),
    ]:
        with pytest.raises(SettingNotValid, match=message):
            change(db_session, settings, name, raw)
    assert db_session.get(Setting, "default_currency") is None, "a refused value changes nothing"


def test_changes_and_reveals_are_audited_never_with_the_value(db_session, settings):
    change(db_session, settings, "smtp_password", SECRET)
    change(db_session, settings, "smtp_password", SECRET + "-2")
    assert settings.reveal(unit(db_session, "reveal_setting"), "smtp_password") == SECRET + "-2"
    events = list(
        db_session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_id == "smtp_password").order_by(AuditEvent.seq)
        )
    )
    assert [e.action for e in events] == ["insert", "update", "reveal"]
    assert events[0].after["ciphertext"] == SECRET_PLACEHOLDER and events[1].after["ciphertext"] == SECRET_PLACEHOLDER
    assert all(e.actor == "user:1" and e.correlation_id == "settings-test-01" for e in events)
    assert events[2].command == "reveal_setting"
    assert SECRET not in repr([(e.before, e.after) for e in events])
    staff_notes = db_session.scalars(sa.select(Notification.body).where(Notification.kind == "setting_changed")).all()
    assert staff_notes and all(SECRET not in body for body in staff_notes)
    assert verify_chain(db_session, chain_key()).holds


def test_rotate_then_rewrap_moves_every_secret_to_the_newest_key(db_session, settings):
    for name in ("smtp_password", "payment_gateway_api_key", "webhook_signing_secret"):
        change(db_session, settings, name, f"{name}-value")
    first = settings.provider.active_version()
    newest = settings.provider.rotate()
    assert newest != first and KeyRotation(settings.provider).usage(db_session) == {first: 3}
    report = KeyRotation(settings.provider).rewrap_all(db_session, lambda command: unit(db_session, command))
    assert report.rewrapped == 3 and report.by_key_version == {newest: 3}
    for name in ("smtp_password", "payment_gateway_api_key", "webhook_signing_secret"):
        assert settings.secret_value(db_session, name) == f"{name}-value"
    again = KeyRotation(settings.provider).rewrap_all(db_session, lambda command: unit(db_session, command))
    assert again.rewrapped == 0


def test_a_key_version_can_be_retired_only_when_nothing_uses_it(db_session, settings):
    change(db_session, settings, "smtp_password", SECRET)
    old = settings.provider.active_version()
    settings.provider.rotate()
    with pytest.raises(KeyVersionInUse, match="secrets still use it"):
        KeyRotation(settings.provider).retire(db_session, old)
    KeyRotation(settings.provider).rewrap_all(db_session, lambda command: unit(db_session, command))
    KeyRotation(settings.provider).retire(db_session, old)
    assert old not in settings.provider.versions()
    assert settings.secret_value(db_session, "smtp_password") == SECRET


def test_rewrap_leaves_a_value_changed_meanwhile_alone(db_session, settings):
    change(db_session, settings, "smtp_password", "old value")
    settings.provider.rotate()
    rotation = KeyRotation(settings.provider)
    original = rotation._rewrap_one

    def change_first(uow, value, source):
        change(db_session, settings, value.key, "new value")
        return original(uow, value, source)

    rotation._rewrap_one = change_first
    report = rotation.rewrap_all(db_session, lambda command: unit(db_session, command))
    assert report.rewrapped == 0 and report.skipped == 1
    assert settings.secret_value(db_session, "smtp_password") == "new value"


def test_a_tampered_ciphertext_is_an_error_never_a_fallback(db_session, settings):
    change(db_session, settings, "smtp_password", SECRET)
    row = db_session.get(Setting, "smtp_password")
    parts = row.ciphertext.split(".")
    parts[4] = ("A" if parts[4][0] != "A" else "B") + parts[4][1:]
    db_session.execute(sa.update(Setting).where(Setting.name == "smtp_password").values(ciphertext=".".join(parts)))
    db_session.commit()
    with pytest.raises(SecretUnreadable, match="integrity check"):
        settings.secret_value(db_session, "smtp_password")


def test_an_unreachable_vault_is_a_clear_error(db_session):
    unreachable = SecureSettings(VaultTransit("http://127.0.0.1:1", key_name="portal", token="x"))
    with pytest.raises(KeyProviderUnavailable, match="unreachable"):
        change(db_session, unreachable, "smtp_password", SECRET)
    assert db_session.get(Setting, "smtp_password") is None


def test_vault_logs_in_with_an_approle(openbao):
    client = openbao.client()
    if "approle/" not in client.sys.list_auth_methods()["data"]:
        client.sys.enable_auth_method("approle")
    client.sys.create_or_update_policy(
        "portal-transit", 'path "transit/*" { capabilities = ["create", "read", "update", "list"] }'
    )
    client.auth.approle.create_or_update_approle("portal-test", token_policies=["portal-transit"])
    role_id = client.auth.approle.read_role_id("portal-test")["data"]["role_id"]
    secret_id = client.auth.approle.generate_secret_id("portal-test")["data"]["secret_id"]
    vault = VaultTransit(openbao.address, key_name="approle-key", role_id=role_id, secret_id=secret_id)
    vault.ensure_key()
    assert vault.active_version() == "transit-1"


def test_hardening_21_a_secret_sealed_locally_read_through_vault_says_who_sealed_it(db_session, tmp_path, openbao):
    local = SecureSettings(LocalKeyRing(tmp_path / "keyring.json"))
    change(db_session, local, "smtp_password", SECRET)
    vault_provider = VaultTransit(
        openbao.address, key_name=f"portal-{uuid.uuid4().hex[:8]}", token="portal-test-root-token"
    )
    vault_provider.ensure_key()
    vault = SecureSettings(vault_provider)
    with pytest.raises(SecretUnreadable) as refused:
        vault.secret_value(db_session, "smtp_password")
    assert refused.value.http_status == 503
    assert refused.value.message == (
        "This secret was sealed by the local key ring (key local-1), but the portal now uses vault. "
        "Move it with: flask --app wsgi settings rewrap --from local --to vault"
    )
    units = UnitOfWorkFactory(db_session, CommandContext(ADMIN, "settings-migrate-01"))
    report = KeyRotation(vault.provider).rewrap_all(db_session, units, source=local.provider)
    assert (report.rewrapped, report.skipped) == (1, 0)
    row = db_session.get(Setting, "smtp_password")
    db_session.refresh(row)
    assert row.key_version.startswith("transit-") and SECRET not in row.ciphertext
    assert vault.secret_value(db_session, "smtp_password") == SECRET
    with pytest.raises(SecretUnreadable, match="sealed by Vault/OpenBao Transit"):
        local.secret_value(db_session, "smtp_password")
    event = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "rewrap").order_by(AuditEvent.seq.desc())
    ).first()
    assert event.before == {"key_version": "local-1"} and event.after["key_version"].startswith("transit-")


def test_hardening_21_the_dashboard_answers_503_not_500_for_a_secret_sealed_elsewhere(tmp_path, openbao):
    database = f"sqlite:///{tmp_path / 'sealed.sqlite3'}"
    keyring = str(tmp_path / "keyring.json")
    local_app = make_app(database, tmp_path, LOCAL_KEYRING_PATH=keyring)
    with local_app.app_context():
        upgrade()
        load_demo_data(db.session)
        change(db.session(), SecureSettings(LocalKeyRing(keyring)), "smtp_password", SECRET)
        db.session.remove()
    key_name = f"portal-{uuid.uuid4().hex[:8]}"
    VaultTransit(openbao.address, key_name=key_name, token="portal-test-root-token").ensure_key()
    vault_app = make_app(database, tmp_path, KEY_PROVIDER="vault", VAULT_ADDR=openbao.address,
                         VAULT_TOKEN="portal-test-root-token", VAULT_TRANSIT_KEY=key_name,
                         LOCAL_KEYRING_PATH=keyring)  # fmt: skip
    client = vault_app.test_client()
    log_in_as(client, "admin")
    reveal = client.post(
        "/dashboard/settings/smtp_password/reveal",
        data={"csrf_token": page_token(client, "/dashboard/settings"), "idempotency_key": "d" * 32},
    )
    assert reveal.status_code == 503 and "sealed by the local key ring" in reveal.get_data(as_text=True)
    moved = vault_app.test_cli_runner().invoke(args=["settings", "rewrap", "--from", "local", "--to", "vault"])
    assert moved.exit_code == 0, moved.output
    assert "re-wrapped 1" in moved.output
    reveal = client.post(
        "/dashboard/settings/smtp_password/reveal",
        data={"csrf_token": page_token(client, "/dashboard/settings"), "idempotency_key": "e" * 32},
    )
    assert reveal.status_code == 200 and SECRET in reveal.get_data(as_text=True)
    with vault_app.app_context():
        db.engine.dispose()
