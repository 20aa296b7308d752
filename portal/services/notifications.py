"""An agent reading its notifications."""

from __future__ import annotations

import sqlalchemy as sa

from portal.domain.errors import NotFound
from portal.models import Notification
from portal.models.base import utcnow
from portal.persistence.unit_of_work import UnitOfWork


def mark_read(uow: UnitOfWork, agent_id: int, notification_id: int | None = None) -> int:
    """Mark one of the agent's notifications read (or all of them); returns how many changed."""
    with uow:
        conditions = [Notification.agent_id == agent_id, Notification.audience == "agent"]
        if notification_id is not None:
            mine = uow.session.scalar(sa.select(Notification.id).where(Notification.id == notification_id, *conditions))
            if mine is None:
                raise NotFound("There is no such notification.")
            conditions.append(Notification.id == notification_id)
        changed = uow.session.execute(
            sa.update(Notification).where(*conditions, Notification.read_at.is_(None)).values(read_at=utcnow())
        ).rowcount
        uow.commit()
    return changed
