"""Changing an operator setting: validated by its definition; a secret sealed before it is stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal.commands.base import SECRET, Command, CommandResult
from portal.models import Notification, Setting
from portal.models.notification import Audience
from portal.persistence.protocols import UnitOfWork
from portal.read.actors import ActorName, named_from_string
from portal.security.envelope import seal
from portal.security.key_providers import KeyProvider
from portal.security.secure_settings import TWO_FACTOR_REQUIRED_ROLES, definition_of, roles_in


@dataclass(frozen=True)
class SettingChanged(CommandResult):
    name: str
    key_version: str | None


@dataclass(frozen=True, kw_only=True)
class ChangeSetting(Command[SettingChanged]):
    """A new value for one setting; the change is audited and staff are told, never the value."""

    name = "change_setting"
    result_type = SettingChanged

    setting: str
    value: Any = field(metadata=SECRET)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("value", definition_of(self.setting).parse(self.value))


def _changed_by(uow: UnitOfWork) -> ActorName:
    """The person (by name and role) or the job making the change, as the notification's readers know them."""
    actor = uow.actor
    user = uow.users.get(int(actor.identifier)) if actor.kind == "user" and actor.identifier.isdigit() else None
    if user is not None:
        return ActorName(str(actor), user.full_name, user.role)
    return named_from_string(str(actor))


class SettingChanges:
    """The handler of ChangeSetting, with the key provider that seals secrets."""

    def __init__(self, provider: KeyProvider) -> None:
        self.provider = provider

    def __call__(self, uow: UnitOfWork, command: ChangeSetting) -> SettingChanged:
        definition = definition_of(command.setting)
        row = uow.settings.get(command.setting) or Setting(name=command.setting, is_secret=definition.secret)
        row.is_secret = definition.secret
        row.updated_by = str(uow.actor)
        if definition.secret:
            envelope = seal(self.provider, command.setting, command.value)
            row.value, row.ciphertext, row.key_version = None, envelope.serialise(), envelope.key_version
        else:
            row.value, row.ciphertext, row.key_version = command.value, None, None
        uow.settings.put(row)
        if command.setting == TWO_FACTOR_REQUIRED_ROLES:
            # Sessions open already obey the new rule at once, not only at each person's next log-in.
            uow.users.require_enrolment(roles_in(command.value or ""))
        uow.notifications.add(
            Notification(
                audience=Audience.STAFF,
                kind="setting_changed",
                subject=f"Setting changed: {definition.label}",
                body=f"{definition.label} was changed by {_changed_by(uow)}.",
            )
        )
        uow.flush()
        return SettingChanged(replayed=False, name=command.setting, key_version=row.key_version)
