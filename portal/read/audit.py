"""The audit trail as the dashboard reads it, filtered, newest first: as stored (downloads, API), or readable."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, AuditEvent
from portal.models.audit import audited_entity_types
from portal.read import audit_changes
from portal.read.audit_changes import ActorRef, FieldChange
from portal.read.audit_subjects import Subject, SubjectFacts, subject_facts
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

    def document(self) -> dict[str, Any]:
        """The event as it is stored, for the raw view."""
        return {name: getattr(self, name) for name in AuditRow.__dataclass_fields__}


@dataclass(frozen=True)
class AuditEntry(AuditRow):
    """An audited change as people read it: its subject, its agent, and each field as a typed value.

    Every fact of the ``AuditRow`` is kept as stored, so a download of a page of entries reads like one of rows.
    """

    agent_id: int | None
    agent_name: str | None
    changes: tuple[FieldChange, ...]

    @property
    def subject(self) -> str:
        """``Payout #3``, ``Setting ‘smtp_password’``."""
        return audit_changes.subject(self.entity_type, self.entity_id)

    @property
    def verb(self) -> str:
        """``Created``, ``Changed``, ``Revealed``: how the event's summary starts."""
        return audit_changes.verb(self.action)

    @property
    def headline(self) -> FieldChange | None:
        """The one change that sums an update up (its status, or its only field), if there is one."""
        return audit_changes.headline(self.action, self.changes)

    @property
    def changed_fields(self) -> str:
        """The fields an update changed, for its summary: ``available, held``, ``status, paid and 2 more``."""
        return audit_changes.changed_fields(self.action, self.changes)

    @property
    def mentioned_actors(self) -> set[str]:
        """Every actor the entry shows: who made the change, and any stamped in its fields (``decided_by``)."""
        stamped = {value.raw for change in self.changes for value in (change.before, change.after)
                   if isinstance(value, ActorRef)}  # fmt: skip
        return {self.actor, *stamped}

    @property
    def shows_before(self) -> bool:
        return self.before is not None

    @property
    def shows_after(self) -> bool:
        return self.after is not None

    @property
    def raw_json(self) -> str:
        """The stored event as indented JSON (masked and secret values as they are stored)."""
        return json.dumps(self.document(), ensure_ascii=False, indent=2, default=_json_value)


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


def _filtered(query: sa.Select, filters: AuditFilters) -> sa.Select:
    event = AuditEvent
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
    return query


def _readable(query: sa.Select) -> sa.Select:
    """``query`` of events with the agent each names (its name, and its currency for amounts without one)."""
    return query.add_columns(
        AuditEvent.agent_id, Agent.name.label("agent_name"), Agent.currency.label("agent_currency")
    ).outerjoin(Agent, Agent.id == AuditEvent.agent_id)


def _subject(row: dict[str, Any]) -> Subject | None:
    """The row an event is about, to read back what the event does not say: the currency of an update's amounts
    (a wallet's need not be its agent's), and the agent of an event stored before events named theirs."""
    unsaid = row["agent_id"] is None or audit_changes.event_currency(row["before"], row["after"], None) is None
    if unsaid and row["entity_id"].isdigit():
        return row["entity_type"], int(row["entity_id"])
    return None


def _entry(row: dict[str, Any], facts: SubjectFacts | None) -> AuditEntry:
    values = dict(row)
    agent_currency = values.pop("agent_currency")
    if facts is not None:
        values.update(agent_id=facts.agent_id, agent_name=facts.agent_name)
    fallback = facts.currency if facts is not None and facts.currency else agent_currency
    currency = audit_changes.event_currency(values["before"], values["after"], fallback)
    return AuditEntry(**values, changes=audit_changes.field_changes(values["before"], values["after"], currency))


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


class AuditReadRepository:
    """Pages of audit events, for the audit trail and an agent's audit tab."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def page(self, request: PageRequest, filters: AuditFilters) -> Page[AuditRow]:
        """Events matching ``filters``, newest first, as stored."""
        return paginate(self.session, _filtered(sa.select(*_COLUMNS), filters), _NEWEST_FIRST, request,
                        lambda row: AuditRow(**row))  # fmt: skip

    def entries(self, request: PageRequest, filters: AuditFilters) -> Page[AuditEntry]:
        """Events matching ``filters``, newest first, as people read them."""
        return self._entries(_filtered(sa.select(*_COLUMNS), filters), request)

    def for_agent(self, agent_id: int, request: PageRequest) -> Page[AuditEntry]:
        """Changes to the agent and to the rows that belong to it (by their ``agent_id``), as people read them."""
        return self._entries(sa.select(*_COLUMNS).where(AuditEvent.agent_id == agent_id), request)

    def _entries(self, query: sa.Select, request: PageRequest) -> Page[AuditEntry]:
        """A page of ``query``'s events with their agents; the rows of those without one read back, in one query."""
        page = paginate(self.session, _readable(query), _NEWEST_FIRST, request, dict, count=query)
        subjects = [_subject(row) for row in page.items]
        facts = subject_facts(self.session, (subject for subject in subjects if subject is not None))
        entries = [
            _entry(row, facts.get(subject) if subject is not None else None)
            for row, subject in zip(page.items, subjects, strict=True)
        ]
        return page.with_items(entries)

    def entity_choices(self) -> list[tuple[str, str]]:
        """Every kind of entity the trail can hold and its name, for the filter: from the catalog, not the table."""
        return [(entity_type, audit_changes.entity_name(entity_type)) for entity_type in audited_entity_types()]
