import pytest

from portal import create_app
from portal.config import (
    DEFAULT_SECRET_KEY,
    ConfigurationError,
    check_production_safety,
    load_config,
    normalise_database_url,
)


def test_postgres_urls_use_the_psycopg3_driver():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_defaults_are_a_local_sqlite_file_under_instance(tmp_path):
    config = load_config(str(tmp_path), environ={})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/portal.sqlite3"
    assert config["PORTAL_ENV"] == "development"


def test_environment_overrides_defaults(tmp_path):
    config = load_config(str(tmp_path), environ={"DATABASE_URL": "postgresql://db/portal", "SECRET_KEY": "s" * 40})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/portal"
    assert config["SECRET_KEY"] == "s" * 40
    assert config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["connect_timeout"] == 5


def test_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="PORTAL_ENV"):
        load_config(str(tmp_path), environ={"PORTAL_ENV": "prod"})


@pytest.mark.parametrize("secret_key", [DEFAULT_SECRET_KEY, "", "short"])
def test_production_refuses_a_default_or_weak_secret_key(secret_key):
    config = {
        "PORTAL_ENV": "production",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/portal",
    }
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        check_production_safety(config)


def test_production_refuses_sqlite():
    config = {"PORTAL_ENV": "production", "SECRET_KEY": "k" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite:///x"}
    with pytest.raises(ConfigurationError, match="PostgreSQL"):
        check_production_safety(config)


def test_create_app_refuses_to_start_in_production_with_the_default_key(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/portal")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app()


def test_development_starts_with_the_default_key(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})
    assert app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY


@pytest.mark.parametrize(("given", "kept"), [("", ""), ("gb", "GB"), (" US ", "US")])
def test_the_phone_region_is_a_known_region_or_none(tmp_path, given, kept):
    assert load_config(str(tmp_path), environ={"PHONE_REGION": given})["PHONE_REGION"] == kept


def test_an_unknown_phone_region_stops_the_start(tmp_path):
    with pytest.raises(ConfigurationError, match="PHONE_REGION must be a region such as GB or US, not 'UK'"):
        load_config(str(tmp_path), environ={"PHONE_REGION": "UK"})


def test_in_production_the_session_cookie_carries_the_host_prefix(tmp_path):
    config = load_config(str(tmp_path), environ={"PORTAL_ENV": "production"})
    assert config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    # What the prefix demands of the cookie, or browsers drop it: Secure, Path=/, no Domain.
    assert config["SESSION_COOKIE_PATH"] == "/" and config["SESSION_COOKIE_DOMAIN"] is None
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_outside_production_the_session_cookie_works_over_plain_http(tmp_path):
    config = load_config(str(tmp_path), environ={})
    assert config["SESSION_COOKIE_NAME"] == "session" and not config["SESSION_COOKIE_SECURE"]
