"""An agent reading its notifications."""

from __future__ import annotations

from dataclasses import dataclass

from portal.commands.base import Command, CommandResult, require_id
from portal.domain.errors import NotFound
from portal.persistence.protocols import UnitOfWork


@dataclass(frozen=True)
class NotificationsRead(CommandResult):
    changed: int


@dataclass(frozen=True, kw_only=True)
class MarkNotificationsRead(Command[NotificationsRead]):
    """Mark one of the agent's notifications read, or all of them (``notification_id`` None)."""

    name = "mark_notifications_read"
    result_type = NotificationsRead

    agent_id: int
    notification_id: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.agent_id, "agent")
        if self.notification_id is not None:
            require_id(self.notification_id, "notification")


def mark_read(uow: UnitOfWork, command: MarkNotificationsRead) -> NotificationsRead:
    chosen = command.notification_id
    if chosen is not None and not uow.notifications.belongs_to(command.agent_id, chosen):
        raise NotFound("There is no such notification.")
    return NotificationsRead(replayed=False, changed=uow.notifications.mark_read(command.agent_id, chosen, uow.now))
