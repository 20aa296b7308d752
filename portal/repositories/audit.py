"""Reading the audit trail, filtered, for the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.repositories.pages import Page, PageRequest, paginate


@dataclass(frozen=True)
class AuditRow:
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


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class AuditFilters:
    entity_type: str = ""
    entity_id: str = ""
    actor: str = ""
    action: str = ""
    correlation_id: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def parse(cls, args) -> AuditFilters:
        def text(name: str) -> str:
            return args.get(name, "").strip()[:128]

        return cls(
            entity_type=text("entity_type"),
            entity_id=text("entity_id"),
            actor=text("actor"),
            action=text("action"),
            correlation_id=text("correlation_id"),
            since=_day(args.get("since", "")),
            until=_day(args.get("until", "")),
        )

    def query_args(self, **changes) -> dict:
        values = {
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "actor": self.actor,
            "action": self.action,
            "correlation_id": self.correlation_id,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            **changes,
        }
        return {key: value for key, value in values.items() if value}


class AuditReadRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def page(self, request: PageRequest, filters: AuditFilters) -> Page[AuditRow]:
        event = AuditEvent
        query = sa.select(
            event.seq,
            event.occurred_at,
            event.actor,
            event.action,
            event.entity_type,
            event.entity_id,
            event.before,
            event.after,
            event.reason,
            event.command,
            event.correlation_id,
            event.request_ip,
        )
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
        return paginate(self.session, query.order_by(event.seq.desc()), request, lambda row: AuditRow(**row))

    def for_agent(self, agent_id: int, request: PageRequest) -> Page[AuditRow]:
        """Changes to the agent and to the rows that belong to it (by their ``agent_id``)."""
        event = AuditEvent
        belongs = sa.or_(
            sa.and_(event.entity_type == "Agent", event.entity_id == str(agent_id)),
            event.after["agent_id"].as_integer() == agent_id,
            event.before["agent_id"].as_integer() == agent_id,
        )
        query = sa.select(*(getattr(event, name) for name in AuditRow.__dataclass_fields__)).where(belongs)
        return paginate(self.session, query.order_by(event.seq.desc()), request, lambda row: AuditRow(**row))

    def entity_types(self) -> list[str]:
        return list(self.session.scalars(sa.select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)))
