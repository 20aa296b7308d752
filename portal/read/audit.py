"""The audit trail as the dashboard reads it: filtered, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models.audit import audited_entity_types
from portal.read.pages import Key, Page, PageRequest, paginate


@dataclass(frozen=True)
class AuditRow:
    """One audited change: who, what, the values before and after, and the request it came from."""

    seq: int
    occurred_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: dict | None
    after: dict | None
    reason: str | None
    command: str | None
    correlation_id: str
    request_ip: str | None


@dataclass(frozen=True)
class AuditFilters:
    """What the audit trail is narrowed to; empty values narrow nothing. ``until`` is included."""

    entity_type: str = ""
    entity_id: str = ""
    actor: str = ""
    action: str = ""
    correlation_id: str = ""
    since: date | None = None
    until: date | None = None


_COLUMNS = tuple(getattr(AuditEvent, name) for name in AuditRow.__dataclass_fields__)
_NEWEST_FIRST = [Key(AuditEvent.seq, descending=True)]


class AuditReadRepository:
    """Pages of audit events, for the audit trail and an agent's audit tab."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def page(self, request: PageRequest, filters: AuditFilters) -> Page[AuditRow]:
        """Events matching ``filters``, newest first."""
        event = AuditEvent
        query = sa.select(*_COLUMNS)
        for column, value in (
            (event.entity_type, filters.entity_type),
            (event.entity_id, filters.entity_id),
            (event.actor, filters.actor),
            (event.action, filters.action),
            (event.correlation_id, filters.correlation_id),
        ):
            if value:
                query = query.where(column == value)
        if filters.since:
            query = query.where(event.occurred_at >= datetime.combine(filters.since, time.min, UTC))
        if filters.until:
            query = query.where(event.occurred_at < datetime.combine(filters.until + timedelta(days=1), time.min, UTC))
        return paginate(self.session, query, _NEWEST_FIRST, request, lambda row: AuditRow(**row))

    def for_agent(self, agent_id: int, request: PageRequest) -> Page[AuditRow]:
        """Changes to the agent and to the rows that belong to it (by their ``agent_id``)."""
        query = sa.select(*_COLUMNS).where(AuditEvent.agent_id == agent_id)
        return paginate(self.session, query, _NEWEST_FIRST, request, lambda row: AuditRow(**row))

    def entity_types(self) -> list[str]:
        """Every kind of entity the trail can hold, for the filter's choices: from the catalog, not the table."""
        return audited_entity_types()
