"""When the key service is down or a secret was tampered with, pages say so (503); nothing leaks."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.security.secure_settings import secure_settings
from tests.conftest import make_app


@pytest.fixture
def vault_down_app(tmp_path):
    app = make_app(
        f"sqlite:///{tmp_path / 'down.sqlite3'}", tmp_path, KEY_PROVIDER="vault", VAULT_ADDR="http://127.0.0.1:1",
        VAULT_TOKEN="unused",
    )  # fmt: skip
    from portal.security.key_providers import build_key_provider

    app.extensions["portal.key_provider"] = build_key_provider(app.config, str(tmp_path))

    @app.route("/needs-a-secret")
    def needs_a_secret():
        return secure_settings().provider.active_version()

    yield app
    with app.app_context():
        db.engine.dispose()


def test_an_unreachable_key_service_is_a_503_with_a_clear_message(vault_down_app):
    response = vault_down_app.test_client().get("/needs-a-secret")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "Vault at http://127.0.0.1:1 is unreachable" in body and "unused" not in body


def test_the_same_answer_for_htmx_is_a_fragment(vault_down_app):
    response = vault_down_app.test_client().get("/needs-a-secret", headers={"HX-Request": "true"})
    assert response.status_code == 503 and "<html" not in response.get_data(as_text=True)
