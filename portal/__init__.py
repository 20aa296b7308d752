"""The Agent Portal: agents, invoices, commissions, wallets and payouts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from portal.config import check_production_safety, load_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; ``config`` overrides what the environment gives."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(load_config(app.instance_path))
    if config:
        app.config.from_mapping(config)
    check_production_safety(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    configure_logging(app)
    register_extensions(app)
    register_key_provider(app)
    register_commands(app)
    register_flags(app)
    register_request_hooks(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


# Each step imports what it binds when it runs: importing the package stays cheap (the CLI, the
# import-cycle test and the migrations load it), and nothing is built before the configuration is known.


def configure_logging(app: Flask) -> None:
    from portal.observability.logging import configure_logging as configure

    configure(app.config["LOG_LEVEL"], app.config["LOG_JSON"])


def register_extensions(app: Flask) -> None:
    from portal import models  # noqa: F401  (every model mapped before the first query)
    from portal.auth.sessions import load_user, log_in_again
    from portal.extensions import csrf, db, limiter, login_manager, migrate
    from portal.observability.pool_metrics import measure_pool
    from portal.persistence import unit_of_work  # noqa: F401  (installs the audit hooks and the row counter)
    from portal.persistence.sqlite import configure_sqlite

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
        measure_pool(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(log_in_again)


def register_key_provider(app: Flask) -> None:
    """The provider that wraps secret settings' data keys, measured; it connects on first use."""
    from portal.observability.key_provider_metrics import MeasuredKeyProvider
    from portal.security.key_providers import build_key_provider

    app.extensions["portal.key_provider"] = MeasuredKeyProvider(build_key_provider(app.config, app.instance_path))


def register_commands(app: Flask) -> None:
    """Every command's handler, bound to the key provider, for the command runner."""
    from portal.services.running import install_command_handlers

    install_command_handlers(app)


def register_flags(app: Flask) -> None:
    """Feature flags through OpenFeature, with the flag table's provider."""
    from portal.flags.evaluation import install_flags

    install_flags(app)


def register_request_hooks(app: Flask) -> None:
    from portal.web.correlation import install_correlation_id
    from portal.web.input_guard import install_input_guard
    from portal.web.proxies import behind_proxies
    from portal.web.request_metrics import install_request_metrics
    from portal.web.security_headers import install_security_headers

    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = behind_proxies(app.wsgi_app, hops)  # type: ignore[method-assign]
    install_correlation_id(app)
    install_request_metrics(app)
    install_security_headers(app)
    install_input_guard(app)


def register_blueprints(app: Flask) -> None:
    from portal.agent_portal import bp as agent_portal_bp
    from portal.api import bp as api_bp
    from portal.auth import bp as auth_bp
    from portal.dashboard import bp as dashboard_bp
    from portal.system import bp as system_bp

    app.register_blueprint(system_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp, url_prefix="/dashboard")
    app.register_blueprint(agent_portal_bp, url_prefix="/portal/<slug>")
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def register_errorhandlers(app: Flask) -> None:
    from portal.web.errors import install_error_pages

    install_error_pages(app)


def register_template_helpers(app: Flask) -> None:
    from portal.web.formatting import install_template_filters

    install_template_filters(app)


def register_cli(app: Flask) -> None:
    from portal.cli import register_commands as register_cli_commands

    register_cli_commands(app)
