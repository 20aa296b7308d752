"""Configuration read from the environment, with safe defaults for a local run."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path

from portal.domain.phones import is_known_region

DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me"
ENVIRONMENTS = ("development", "testing", "production")


class ConfigurationError(RuntimeError):
    """The configuration would make the application unsafe or unable to start."""


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgres://``/``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def default_database_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "portal.sqlite3")


def engine_options(database_url: str) -> dict:
    """Pool settings: fail fast when PostgreSQL is unreachable."""
    if database_url.startswith("postgresql"):
        return {"pool_pre_ping": True, "connect_args": {"connect_timeout": 5}}
    return {}


def phone_region(region: str) -> str:
    """The region a phone number typed without its country code is read in (``GB``); empty: numbers need one."""
    region = region.strip().upper()
    if region and not is_known_region(region):
        raise ConfigurationError(f"PHONE_REGION must be a region such as GB or US, not {region!r}")
    return region


def flag_overrides(env: Mapping[str, str]) -> dict[str, bool | int]:
    """``FLAG_<NAME>=on|off|<percentage>`` for each flag of the catalog: wins over the flag table, for incidents."""
    from portal.flags.catalog import CATALOG, parse_override

    overrides: dict[str, bool | int] = {}
    for name in CATALOG:
        text = env.get(f"FLAG_{name.upper()}")
        if text:
            try:
                overrides[name] = parse_override(text)
            except ValueError as error:
                raise ConfigurationError(f"FLAG_{name.upper()}: {error}") from None
    return overrides


def metrics_allow_from(text: str) -> str:
    """``METRICS_ALLOW_FROM``: addresses or networks, comma-separated; refused at start-up when one is not."""
    for part in filter(None, (part.strip() for part in text.split(","))):
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ConfigurationError(f"METRICS_ALLOW_FROM: {part!r} is not an address or a network") from None
    return text


def session_cookie(portal_env: str) -> dict:
    """How the session cookie is sent: in production named with the ``__Host-`` prefix, so a browser takes it only
    over HTTPS, for this exact host (no ``Domain``) and the whole site (``Path=/``): a neighbouring subdomain cannot
    plant or overwrite it."""
    production = portal_env == "production"
    return {
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }


def number(env: Mapping[str, str], name: str, default: str) -> float:
    try:
        value = float(env.get(name, default))
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, not {env.get(name)!r}") from None
    if value < 0:
        raise ConfigurationError(f"{name} must not be negative")
    return value


def rollout_settings(env: Mapping[str, str]) -> dict:
    """Where ``flask rollout`` reads its guardrails, and the limits each must stay within."""
    return {
        "PROMETHEUS_URL": env.get("PROMETHEUS_URL", "").rstrip("/"),
        "ROLLOUT_METRICS_URLS": tuple(u.strip() for u in env.get("ROLLOUT_METRICS_URLS", "").split(",") if u.strip()),
        "ROLLOUT_WINDOW": env.get("ROLLOUT_WINDOW", "10m"),
        "ROLLOUT_MAX_ERROR_RATIO_DELTA": number(env, "ROLLOUT_MAX_ERROR_RATIO_DELTA", "0.01"),
        "ROLLOUT_MAX_P99_RATIO": number(env, "ROLLOUT_MAX_P99_RATIO", "1.5"),
        "ROLLOUT_MIN_P99_SECONDS": number(env, "ROLLOUT_MIN_P99_SECONDS", "0.25"),
        "ROLLOUT_MAX_CONFLICTS": number(env, "ROLLOUT_MAX_CONFLICTS", "5"),
        "ROLLOUT_MAX_MONEY_FAILURES": number(env, "ROLLOUT_MAX_MONEY_FAILURES", "0"),
        "ROLLOUT_LEDGER_MAX_AGE_SECONDS": number(env, "ROLLOUT_LEDGER_MAX_AGE_SECONDS", "7200"),
        "ROLLOUT_MIN_REQUESTS": number(env, "ROLLOUT_MIN_REQUESTS", "20"),
    }


def load_config(instance_path: str, environ: Mapping[str, str] | None = None) -> dict:
    """Build the Flask config mapping from environment variables."""
    env = os.environ if environ is None else environ
    portal_env = env.get("PORTAL_ENV", "development")
    if portal_env not in ENVIRONMENTS:
        raise ConfigurationError(f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {portal_env!r}")
    secret_key = env.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    database_url = normalise_database_url(env.get("DATABASE_URL") or default_database_url(instance_path))
    return {
        "PORTAL_ENV": portal_env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url),
        "AUDIT_CHAIN_KEY": env.get("AUDIT_CHAIN_KEY", ""),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        "LOG_JSON": env.get("LOG_JSON", "1") != "0",
        "AGENTS_PER_PAGE": int(env.get("AGENTS_PER_PAGE", "25")),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_LIMIT_PER_IP": env.get("LOGIN_LIMIT_PER_IP", "20 per minute"),
        "LOGIN_LIMIT_PER_ACCOUNT": env.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute"),
        "LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE": env.get("LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE", "100 per hour"),
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "600 per minute"),
        "FLAG_OVERRIDES": flag_overrides(env),
        "FLAG_SNAPSHOT_TTL": float(env.get("FLAG_SNAPSHOT_TTL", "2")),
        "KEY_PROVIDER": env.get("KEY_PROVIDER", "local"),
        "LOCAL_KEYRING_PATH": env.get("LOCAL_KEYRING_PATH", ""),
        "VAULT_ADDR": env.get("VAULT_ADDR", ""),
        "VAULT_TOKEN": env.get("VAULT_TOKEN", ""),
        "VAULT_ROLE_ID": env.get("VAULT_ROLE_ID", ""),
        "VAULT_SECRET_ID": env.get("VAULT_SECRET_ID", ""),
        "VAULT_NAMESPACE": env.get("VAULT_NAMESPACE", ""),
        "VAULT_TRANSIT_MOUNT": env.get("VAULT_TRANSIT_MOUNT", "transit"),
        "VAULT_TRANSIT_KEY": env.get("VAULT_TRANSIT_KEY", "agent-portal"),
        **session_cookie(portal_env),
        "REMEMBER_COOKIE_SECURE": portal_env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_IDLE_MINUTES": int(env.get("SESSION_IDLE_MINUTES", "30")),
        "SESSION_ABSOLUTE_HOURS": int(env.get("SESSION_ABSOLUTE_HOURS", "12")),
        "REAUTHENTICATION_MINUTES": int(env.get("REAUTHENTICATION_MINUTES", "10")),
        "TRUSTED_PROXY_HOPS": int(env.get("TRUSTED_PROXY_HOPS", "0")),
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        "PASSWORD_CHECK_LIMIT_PER_ACCOUNT": env.get("PASSWORD_CHECK_LIMIT_PER_ACCOUNT", "5 per minute"),
        "TWO_FACTOR_REQUIRED_ROLES": env.get(
            "TWO_FACTOR_REQUIRED_ROLES", "admin, finance" if portal_env == "production" else ""
        ),
        "TWO_FACTOR_LIMIT_PER_ACCOUNT": env.get("TWO_FACTOR_LIMIT_PER_ACCOUNT", "5 per minute; 30 per hour"),
        "TWO_FACTOR_PENDING_MINUTES": int(env.get("TWO_FACTOR_PENDING_MINUTES", "5")),
        "TWO_FACTOR_ISSUER": env.get("TWO_FACTOR_ISSUER", "Agent Portal"),
        "PHONE_REGION": phone_region(env.get("PHONE_REGION", "")),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "WTF_CSRF_SSL_STRICT": portal_env == "production",
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        "DRILL_FAIL_MONEY_FOR": env.get("DRILL_FAIL_MONEY_FOR", ""),
        "METRICS_ALLOW_FROM": metrics_allow_from(env.get("METRICS_ALLOW_FROM", "")),
        **rollout_settings(env),
    }


def check_production_safety(config: Mapping) -> None:
    """Refuse settings that are only acceptable on a developer's machine."""
    if config.get("PORTAL_ENV") != "production":
        return
    if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise ConfigurationError(
            "SECRET_KEY is unset or the development default; set a long random "
            "SECRET_KEY before running with PORTAL_ENV=production"
        )
    if len(config["SECRET_KEY"]) < 32:
        raise ConfigurationError("SECRET_KEY must be at least 32 characters in production")
    if config.get("KEY_PROVIDER") == "vault" and not config.get("VAULT_ADDR"):
        raise ConfigurationError("KEY_PROVIDER=vault needs VAULT_ADDR (and VAULT_TOKEN or an AppRole)")
    if config.get("DRILL_FAIL_MONEY_FOR"):
        raise ConfigurationError("DRILL_FAIL_MONEY_FOR injects failures for canary drills; never in production")
    if config.get("METRICS_TOKEN") and len(config["METRICS_TOKEN"]) < 24:
        raise ConfigurationError("METRICS_TOKEN must be at least 24 characters in production")
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        raise ConfigurationError("production needs PostgreSQL: set DATABASE_URL=postgresql://…")
