"""An agent's notifications as its portal and the dashboard list them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Notification
from portal.models.notification import Audience
from portal.read.pages import Key, Page, PageRequest, paginate


@dataclass(frozen=True)
class NotificationRow:
    """One notification to an agent (its text was masked when stored)."""

    id: int
    kind: str
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None

    @property
    def unread(self) -> bool:
        """The agent has not marked it read."""
        return self.read_at is None


class NotificationReadRepository:
    """An agent's notifications, newest first, and how many it has not read."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def page_for_agent(self, agent_id: int, request: PageRequest) -> Page[NotificationRow]:
        """One page of the agent's notifications, newest first."""
        query = sa.select(
            Notification.id,
            Notification.kind,
            Notification.subject,
            Notification.body,
            Notification.link,
            Notification.created_at,
            Notification.read_at,
        ).where(Notification.agent_id == agent_id, Notification.audience == Audience.AGENT)
        newest_first = [Key(Notification.id, descending=True)]
        return paginate(self.session, query, newest_first, request, lambda row: NotificationRow(**row))

    def unread_count(self, agent_id: int) -> int:
        """How many of the agent's notifications are unread."""
        return (
            self.session.scalar(
                sa.select(sa.func.count(Notification.id)).where(
                    Notification.agent_id == agent_id, Notification.read_at.is_(None)
                )
            )
            or 0
        )
