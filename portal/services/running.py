"""Building the command runner: the handlers and the fingerprint key are the application's, bound once."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session, scoped_session

from portal.commands.runner import CommandRunner
from portal.observability.command_metrics import APP_KEY as METRICS
from portal.observability.command_metrics import CommandMetrics
from portal.persistence.context import CommandContext
from portal.persistence.unit_of_work import UnitOfWorkFactory
from portal.security.totp import recovery_key
from portal.services.handlers import command_handlers
from portal.services.money.drill import guard_money
from portal.services.money.handlers import MONEY_HANDLERS
from portal.services.two_factor import SecondFactor

HANDLERS = "portal.command_handlers"
FINGERPRINT_KEY = "portal.fingerprint_key"


def install_command_handlers(app: Flask) -> None:
    """Bind every command's handler (with the key provider) and derive the fingerprint key, once per app."""
    app.extensions[HANDLERS] = command_handlers(
        app.extensions["portal.key_provider"], recovery_key(app.config["SECRET_KEY"])
    )
    app.extensions[METRICS] = CommandMetrics(MONEY_HANDLERS, app.extensions[HANDLERS])
    app.extensions[FINGERPRINT_KEY] = hmac.new(
        app.config["SECRET_KEY"].encode(), b"portal-command-fingerprint-v1", hashlib.sha256
    ).digest()


def second_factor(app: Flask | None = None) -> SecondFactor:
    """Two-factor codes checked with the application's key provider and recovery-code key."""
    app = app or current_app
    return SecondFactor(app.extensions["portal.key_provider"], recovery_key(app.config["SECRET_KEY"]))


def command_runner(
    app: Flask, session: Session | scoped_session, context: CommandContext, **options: Any
) -> CommandRunner:
    """A runner whose units of work run on ``session`` for ``context`` (``options``: clock, sleep, attempts)."""
    return CommandRunner(
        UnitOfWorkFactory(session, context),
        app.extensions[HANDLERS],
        fingerprint_key=app.extensions[FINGERPRINT_KEY],
        guard=guard_money,
        observer=app.extensions[METRICS],
        **options,
    )
