"""``settings set/get``, ``keys rotate``, ``settings rewrap``, ``keys retire`` with each key provider."""

from __future__ import annotations

import uuid

import pytest
from flask_migrate import upgrade

from portal.extensions import db
from tests.conftest import make_app
from tests.support.openbao import ROOT_TOKEN

SECRET = "whsec_cli_test_value_0042"


@pytest.fixture(params=["local", "vault"])
def cli_app(request, tmp_path):
    overrides = {"LOCAL_KEYRING_PATH": str(tmp_path / "ring.json")}
    if request.param == "vault":
        server = request.getfixturevalue("openbao")
        key = f"cli-{uuid.uuid4().hex[:8]}"
        server.client().secrets.transit.create_key(key)
        overrides = {"KEY_PROVIDER": "vault", "VAULT_ADDR": server.address, "VAULT_TOKEN": ROOT_TOKEN,
                     "VAULT_TRANSIT_KEY": key}  # fmt: skip
    app = make_app(f"sqlite:///{tmp_path / 'cli.sqlite3'}", tmp_path, **overrides)
    from portal.security.key_providers import build_key_provider

    app.extensions["portal.key_provider"] = build_key_provider(app.config, str(tmp_path))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_set_rotate_rewrap_retire_and_reveal(cli_app):
    run = cli_app.test_cli_runner().invoke
    assert run(args=["settings", "set", "webhook_signing_secret"], input=SECRET + "\n").exit_code == 0
    shown = run(args=["settings", "get", "webhook_signing_secret"])
    assert shown.output.strip() == "••••••••" and SECRET not in shown.output

    before = run(args=["keys", "status"]).output
    rotated = run(args=["keys", "rotate"])
    assert rotated.exit_code == 0 and "active key is now" in rotated.output
    old_version = next(line.split(":")[0] for line in before.splitlines() if "(active)" in line).split()[0]
    refused = run(args=["keys", "retire", old_version])
    assert refused.exit_code == 1 and "secrets still use it" in refused.output

    rewrapped = run(args=["settings", "rewrap"])
    assert rewrapped.exit_code == 0 and "re-wrapped 1" in rewrapped.output
    newest = rotated.output.split("active key is now ")[1].split(";")[0]
    assert f"1 secret(s) on {newest}" in rewrapped.output
    assert run(args=["keys", "retire", old_version]).exit_code == 0
    revealed = run(args=["settings", "get", "webhook_signing_secret", "--reveal"])
    assert revealed.exit_code == 0 and revealed.output.strip() == SECRET
    assert run(args=["audit", "verify"]).exit_code == 0


def test_bad_values_are_refused_with_the_reason(cli_app):
    result = cli_app.test_cli_runner().invoke(args=["settings", "set", "smtp_port"], input="port forty\n")
    assert result.exit_code == 1 and "SMTP port must be a whole number" in result.output


def test_a_secret_set_from_the_cli_is_nowhere_in_a_postgresql_dump(postgres_databases, tmp_path, caplog):
    import shutil
    import subprocess

    from sqlalchemy.engine import make_url

    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump comes with PostgreSQL's client tools"
    url = postgres_databases.create()
    app = make_app(url, tmp_path, LOCAL_KEYRING_PATH=str(tmp_path / "ring.json"))
    with app.app_context():
        upgrade()
    run = app.test_cli_runner().invoke
    assert run(args=["settings", "set", "payment_gateway_api_key"], input=SECRET).exit_code == 0
    assert run(args=["settings", "get", "payment_gateway_api_key", "--reveal"]).output.strip() == SECRET
    with app.app_context():
        db.engine.dispose()
    parsed = make_url(url)
    dump = subprocess.run(
        [pg_dump, "-h", parsed.host, "-p", str(parsed.port or 5432), "-U", parsed.username, parsed.database],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "payment_gateway_api_key" in dump and "v1.local-1." in dump
    assert SECRET not in dump
    assert all(SECRET not in record.getMessage() for record in caplog.records)
