"""Notifications inside a unit of work."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Notification
from portal.security.masking import mask_text


class NotificationRepository:
    """Stores notifications with their text masked; never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, notification: Notification) -> Notification:
        notification.subject = mask_text(notification.subject)
        notification.body = mask_text(notification.body)
        self.session.add(notification)
        return notification

    def unread_count_for_agent(self, agent_id: int) -> int:
        return (
            self.session.scalar(
                sa.select(sa.func.count(Notification.id)).where(
                    Notification.agent_id == agent_id, Notification.read_at.is_(None)
                )
            )
            or 0
        )
