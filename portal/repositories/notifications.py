"""Notifications inside a unit of work: stored masked, their e-mails queued with them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.domain.text import shortened
from portal.models import EmailOutbox, Notification, User
from portal.models.base import UTCDateTime, column_length, utcnow
from portal.models.notification import Audience
from portal.models.user import Role
from portal.repositories.base import changed_rows
from portal.security.masking import mask_text

STAFF_RECIPIENT_ROLES = (Role.ADMIN, Role.FINANCE)


def _queue_emails(recipients: sa.ColumnElement[bool]) -> sa.Insert:
    """One pending e-mail per recipient of the notification ``:notification``, queued at ``:moment``."""
    moment = sa.bindparam("moment", type_=UTCDateTime)
    return (
        sa.insert(EmailOutbox.__table__)
        .from_select(
            ["notification_id", "user_id", "status", "attempts", "next_attempt_at", "created_at"],
            sa.select(
                sa.bindparam("notification", type_=sa.Integer),
                User.id,
                sa.literal("pending"),
                sa.literal(0),
                moment,
                moment,
            ).where(recipients, User.is_active.is_(True)),
        )
        # psycopg reports no row count for INSERT … SELECT unless asked to keep it.
        .execution_options(preserve_rowcount=True)
    )


#: A subject quotes names (an agent's, up to 200 characters): a long one is cut to fit, with an ellipsis.
SUBJECT_LENGTH = column_length(Notification.subject)
# Built once and reused: no statement or cache key to rebuild on the hot path.
_INSERT_NOTIFICATION = sa.insert(Notification.__table__).returning(Notification.__table__.c.id)
_QUEUE_FOR_AGENT = _queue_emails(User.agent_id == sa.bindparam("agent"))
_QUEUE_FOR_STAFF = _queue_emails(User.role.in_(STAFF_RECIPIENT_ROLES))
_QUEUE_FOR_USER = _queue_emails(User.id == sa.bindparam("user"))


class NotificationRepository:
    """Stores notifications with their text masked; never commits."""

    def __init__(self, session: Session, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        #: The moment a notification is dated at when it carries none: its unit of work's, the event's own.
        self.clock = clock

    def _store(self, notification: Notification, now: datetime) -> int:
        return (
            self.session.connection()
            .execute(
                _INSERT_NOTIFICATION,
                {
                    "audience": notification.audience,
                    "agent_id": notification.agent_id,
                    "kind": notification.kind,
                    "subject": shortened(mask_text(notification.subject), SUBJECT_LENGTH),
                    "body": mask_text(notification.body),
                    "link": notification.link,
                    "created_at": now,
                },
            )
            .scalar_one()
        )

    def tell_user(self, notification: Notification, user_id: int) -> int:
        """Store the notification, masked, and e-mail it to one person only (their own account's security)."""
        now = notification.created_at or self.clock()
        notification_id = self._store(notification, now)
        self.session.connection().execute(
            _QUEUE_FOR_USER, {"notification": notification_id, "moment": now, "user": user_id}
        )
        return notification_id

    def add(self, notification: Notification) -> int:
        """Store the notification, masked, and queue its e-mails; returns its id.

        Plain INSERTs, at once: notifications are written by many commands and
        never read back by them. Agent notifications go to the agent's active
        users, staff ones to active admins and finance users.
        """
        now = notification.created_at or self.clock()
        connection = self.session.connection()
        notification_id = self._store(notification, now)
        if notification.audience == Audience.AGENT:
            connection.execute(
                _QUEUE_FOR_AGENT, {"notification": notification_id, "moment": now, "agent": notification.agent_id}
            )
        else:
            connection.execute(_QUEUE_FOR_STAFF, {"notification": notification_id, "moment": now})
        return notification_id

    def mark_read(self, agent_id: int, notification_id: int | None, now: datetime) -> int:
        """Mark one of the agent's notifications read (or all of them); returns how many changed."""
        mine = [Notification.agent_id == agent_id, Notification.audience == Audience.AGENT]
        if notification_id is not None:
            mine.append(Notification.id == notification_id)
        unread = sa.update(Notification).where(*mine, Notification.read_at.is_(None))
        return changed_rows(self.session.execute(unread.values(read_at=now)))

    def belongs_to(self, agent_id: int, notification_id: int) -> bool:
        return (
            self.session.scalar(
                sa.select(Notification.id).where(
                    Notification.id == notification_id,
                    Notification.agent_id == agent_id,
                    Notification.audience == Audience.AGENT,
                )
            )
            is not None
        )
