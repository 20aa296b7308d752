"""Notifications inside a unit of work."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Notification
from portal.models.base import utcnow
from portal.persistence.unit_of_work import note_rows_written
from portal.security.masking import mask_text


class NotificationRepository:
    """Stores notifications with their text masked; never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, notification: Notification) -> None:
        """One INSERT, at once: notifications are written by many commands and never read back by them."""
        table = Notification.__table__
        self.session.connection().execute(
            sa.insert(table).values(
                audience=notification.audience,
                agent_id=notification.agent_id,
                kind=notification.kind,
                subject=mask_text(notification.subject),
                body=mask_text(notification.body),
                link=notification.link,
                created_at=notification.created_at or utcnow(),
            )
        )
        note_rows_written(self.session, 1)

    def unread_count_for_agent(self, agent_id: int) -> int:
        return (
            self.session.scalar(
                sa.select(sa.func.count(Notification.id)).where(
                    Notification.agent_id == agent_id, Notification.read_at.is_(None)
                )
            )
            or 0
        )
