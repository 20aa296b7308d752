"""Operator settings: typed, with defaults; the secret ones encrypted at rest.

Plain settings are stored as JSON values. Secret settings are stored only as
envelope ciphertext (see :mod:`portal.security.envelope`); they are shown
masked, revealed only on purpose (and that reveal is audited), and never
written to a log, an audit event or a notification.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from portal.domain.errors import InputNotValid, NotFound
from portal.domain.money import is_known_currency
from portal.domain.text import refuse_control_characters, within, without_bidi_controls
from portal.models import Setting
from portal.models.user import STAFF_ROLES
from portal.persistence.protocols import UnitOfWork
from portal.security.envelope import Envelope, open_envelope
from portal.security.key_providers import KeyProvider

SECRET_MASK = "••••••••"
#: The staff roles that must sign in with a second factor.
TWO_FACTOR_REQUIRED_ROLES = "two_factor_required_roles"
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,15}")
MAX_SECRET_LENGTH = 4096


class SettingNotValid(InputNotValid):
    default_field = "value"


def _parse_int(definition: SettingDefinition, raw: Any) -> int:
    text = str(raw).strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        raise SettingNotValid(f"{definition.label} must be a whole number, in digits 0 to 9.")
    value = int(text)
    if definition.minimum is not None and value < definition.minimum:
        raise SettingNotValid(f"{definition.label} must be at least {definition.minimum}.")
    if definition.maximum is not None and value > definition.maximum:
        raise SettingNotValid(f"{definition.label} must be at most {definition.maximum}.")
    return value


def _parse_bool(definition: SettingDefinition, raw: Any) -> bool:
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise SettingNotValid(f"{definition.label} must be yes or no.")


def _parse_text(definition: SettingDefinition, raw: Any) -> str:
    value = without_bidi_controls(str(raw)).strip()
    refuse_control_characters(value, definition.label, "value", refusal=SettingNotValid)
    within(value, MAX_SECRET_LENGTH, definition.label, "value", refusal=SettingNotValid)
    if not value and not definition.optional:
        raise SettingNotValid(f"{definition.label} cannot be empty.")
    if definition.validate and value:
        definition.validate(value)
    return value


def _sender(value: str) -> None:
    """``Agent Portal <portal@example.com>``: one address that makes a From header (no line break: see _parse_text)."""
    _name, address = parseaddr(value)
    if "@" not in address or " " in address:
        raise SettingNotValid("Give the sender as an address, such as Agent Portal <portal@example.com>.")


def _staff_roles(value: str) -> None:
    unknown = [role for role in roles_in(value) if role not in STAFF_ROLES]
    if unknown:
        raise SettingNotValid(
            f"{', '.join(unknown)} is not a staff role: name admin, finance or viewer, separated by commas."
        )


def roles_in(value: str) -> list[str]:
    """``"admin, Finance"`` → ``["admin", "finance"]``."""
    return [role.strip().lower() for role in value.split(",") if role.strip()]


def _currency(value: str) -> None:
    if not is_known_currency(value):
        raise SettingNotValid(f"{value} is not an ISO-4217 currency code.")


@dataclass(frozen=True)
class SettingDefinition:
    name: str
    label: str
    kind: str  # "int", "bool", "text" or "secret"
    default: Any
    help: str
    minimum: int | None = None
    maximum: int | None = None
    optional: bool = False
    validate: Callable[[str], None] | None = None
    #: The configuration key whose value applies while the setting is unset (it differs by environment).
    default_config: str | None = None
    #: It decides how people sign in: changing it needs a fresh proof of identity, like a secret.
    guards_sign_in: bool = False

    @property
    def secret(self) -> bool:
        return self.kind == "secret"

    @property
    def sensitive(self) -> bool:
        """Changing it needs a fresh re-authentication: a secret, or a rule of how people sign in."""
        return self.secret or self.guards_sign_in

    @property
    def current_default(self) -> Any:
        """What applies while the setting is unset: the environment's value, where it has one."""
        if self.default_config and has_app_context():
            return current_app.config.get(self.default_config, self.default)
        return self.default

    def parse(self, raw: Any) -> Any:
        """Convert ``raw`` (from a form, the CLI or storage) or raise SettingNotValid."""
        if self.kind == "int":
            return _parse_int(self, raw)
        if self.kind == "bool":
            return _parse_bool(self, raw)
        if self.kind == "secret":
            value = str(raw)
            if not value.strip():
                raise SettingNotValid(f"{self.label} cannot be empty.")
            if len(value) > MAX_SECRET_LENGTH:
                raise SettingNotValid(f"{self.label} is longer than {MAX_SECRET_LENGTH} characters.")
            return value
        return _parse_text(self, raw)


CATALOG: dict[str, SettingDefinition] = {
    definition.name: definition
    for definition in (
        SettingDefinition(
            "commission_holding_days", "Commission holding period (days)", "int", 14,
            "Pending commissions are approved automatically this many days after the payment.",
            minimum=0, maximum=365,
        ),
        SettingDefinition(
            "minimum_payout_minor", "Minimum payout (minor units)", "int", 1000,
            "The smallest payout an agent may request, in minor units of the wallet's currency (1000 is 10.00 EUR).",
            minimum=1, maximum=100_000_000,
        ),
        SettingDefinition(
            "default_currency", "Default currency", "text", "EUR", "Currency proposed for new agents.",
            validate=_currency,
        ),
        SettingDefinition(
            "smtp_host", "SMTP host", "text", "", "Mail server for notification e-mails; empty turns e-mail off.",
            optional=True,
        ),
        SettingDefinition("smtp_port", "SMTP port", "int", 587, "Port of the mail server.", minimum=1, maximum=65535),
        SettingDefinition(
            "smtp_user", "SMTP user", "text", "", "Log-in of the mail server, if it needs one.", optional=True
        ),
        SettingDefinition("smtp_starttls", "SMTP STARTTLS", "bool", True, "Encrypt the connection with STARTTLS."),
        SettingDefinition(
            "smtp_from", "E-mail sender", "text", "Agent Portal <portal@localhost>", "From address of e-mails.",
            validate=_sender,
        ),
        SettingDefinition("smtp_password", "SMTP password", "secret", None, "Password of the SMTP user."),
        SettingDefinition(
            TWO_FACTOR_REQUIRED_ROLES, "Two-factor sign-in required for", "text", None,
            "Staff roles that must sign in with an authenticator app code, separated by commas (admin, finance, "
            "viewer); empty makes it optional for everyone. Unset, the environment's default applies.",
            optional=True, validate=_staff_roles, default_config="TWO_FACTOR_REQUIRED_ROLES", guards_sign_in=True,
        ),
        SettingDefinition(
            "payment_gateway_api_key", "Payment gateway API key", "secret", None,
            "Key the portal uses to talk to the payment gateway.",
        ),
        SettingDefinition(
            "webhook_signing_secret", "Webhook signing secret", "secret", None,
            "Secret that signs outgoing webhooks and checks incoming ones.",
        ),
    )
}  # fmt: skip


def definition_of(name: str) -> SettingDefinition:
    definition = CATALOG.get(name)
    if definition is None:
        raise NotFound(f"There is no setting called {name!r}. Known settings: {', '.join(sorted(CATALOG))}.")
    return definition


def setting_value(stored, name: str) -> Any:
    """The value of a plain setting from ``stored`` (anything with ``get(name)``), or its default."""
    definition = definition_of(name)
    if definition.secret:
        raise ValueError(f"{name} is secret: read it through SecureSettings")
    row = stored.get(name)
    if row is None or row.value is None:
        return definition.current_default
    return definition.parse(row.value)


@dataclass(frozen=True)
class SettingView:
    """A setting as a page or the CLI shows it: secrets never in clear."""

    name: str
    label: str
    help: str
    kind: str
    secret: bool
    is_set: bool
    display: str
    key_version: str | None
    updated_at: datetime | None
    updated_by: str | None


class SecureSettings:
    """Reads and changes settings; encrypts, reveals and re-wraps secrets."""

    def __init__(self, provider: KeyProvider) -> None:
        self.provider = provider

    # -- reading -----------------------------------------------------------

    def views(self, session: Session) -> list[SettingView]:
        rows = {row.name: row for row in session.scalars(sa.select(Setting))}
        return [self._view(definition, rows.get(name)) for name, definition in CATALOG.items()]

    def view(self, session: Session, name: str) -> SettingView:
        return self._view(definition_of(name), session.get(Setting, name))

    def _view(self, definition: SettingDefinition, row: Setting | None) -> SettingView:
        if definition.secret:
            is_set = row is not None and row.ciphertext is not None
            display = SECRET_MASK if is_set else "not set"
        else:
            is_set = row is not None and row.value is not None
            value = definition.parse(row.value) if row is not None and is_set else definition.current_default
            display = ("yes" if value else "no") if definition.kind == "bool" else str(value)
        return SettingView(
            name=definition.name,
            label=definition.label,
            help=definition.help,
            kind=definition.kind,
            secret=definition.secret,
            is_set=is_set,
            display=display,
            key_version=row.key_version if row is not None else None,
            updated_at=row.updated_at if row is not None else None,
            updated_by=row.updated_by if row is not None else None,
        )

    def secret_value(self, session: Session, name: str) -> str | None:
        """A secret for the portal's own use (an SMTP log-in, a gateway call); None when unset."""
        definition = definition_of(name)
        if not definition.secret:
            raise ValueError(f"{name} is not secret")
        row = session.get(Setting, name)
        if row is None or row.ciphertext is None:
            return None
        return open_envelope(self.provider, name, Envelope.parse(row.ciphertext))

    # -- changing ----------------------------------------------------------

    def reveal(self, uow: UnitOfWork, name: str) -> str:
        """The secret in clear, for a person who asked for it; the reveal is audited first."""
        definition = definition_of(name)
        if not definition.secret:
            raise SettingNotValid(f"{definition.label} is not secret.")
        with uow:
            row = uow.settings.get(name)
            if row is None or row.ciphertext is None:
                raise NotFound(f"{definition.label} is not set.")
            value = open_envelope(self.provider, name, Envelope.parse(row.ciphertext))
            uow.record_event("reveal", "Setting", name, after={"key_version": row.key_version})
            uow.commit()
        return value


def secure_settings() -> SecureSettings:
    """The application's settings service, with its configured key provider."""
    return SecureSettings(current_app.extensions["portal.key_provider"])
