"""Audit events made from row changes: snapshots with secrets hidden and contact details masked.

An event is gathered into the running unit of work (found on the session) and
chained and written once, at commit. Secret columns never appear in clear;
contact details are masked. Rows written outside the flush (``insert_audited``,
bulk loads) and events that are not row changes (``record_event``) take their
place in the same chain. Every event of a row names the agent the row belongs
to, read from the row itself (``row_agent``): an update keeps only the columns
it changed, so its documents cannot say whose row it was.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from portal.models.audit import audited_entity_types
from portal.models.base import AgentThrough, Base, utcnow
from portal.persistence.audit_chain import EventWriter, append_events, derive_chain_key, lock_chain_head
from portal.persistence.context import Actor, UnitOfWorkError
from portal.security.masking import MASKERS

SECRET_PLACEHOLDER = "[secret]"
BULK_BATCH = 2000

AuditEventValues = dict[str, Any]


class AuditedWork(Protocol):
    """What the audit trail needs of the unit of work a change is made in."""

    session: Session
    actor: Actor
    command: str
    reason: str | None
    correlation_id: str
    request_ip: str | None
    pending_audit_events: list[AuditEventValues]
    chain_head: tuple[int, str] | None


def chain_key() -> bytes:
    config = current_app.config
    return derive_chain_key(config["SECRET_KEY"], config.get("AUDIT_CHAIN_KEY", ""))


def running_work(session: Session) -> AuditedWork | None:
    """The unit of work ``session`` is in, if any."""
    return session.info.get("unit_of_work")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return "base64:" + base64.b64encode(value).decode()
    return value


def _audited_value(cls: type[Base], key: str, value: Any) -> Any:
    if value is None:
        return None
    if key in cls.__audit_secret__:
        return SECRET_PLACEHOLDER
    masker = cls.__audit_masked__.get(key)
    if masker:
        return MASKERS[masker](str(value))
    return _json_value(value)


@functools.cache
def column_keys(cls: type[Base]) -> tuple[str, ...]:
    return tuple(attr.key for attr in inspect(cls).column_attrs)


def column_values(obj: Base) -> dict[str, Any]:
    """The column values of an object not added to a session (for ``insert_audited``)."""
    return {key: getattr(obj, key) for key in column_keys(type(obj)) if key in obj.__dict__}


@functools.cache
def _agent_route(cls: type[Base]) -> str | AgentThrough | None:
    """How a row of ``cls`` names its agent (``__audit_agent__``); None when its rows belong to no agent."""
    route = cls.__audit_agent__
    column = route.column if isinstance(route, AgentThrough) else route
    if column in column_keys(cls):
        return route
    if route != Base.__audit_agent__:
        # A declared route that names no column would silently keep the model's rows off their agents' trails.
        raise TypeError(f"{cls.__name__}.__audit_agent__ names {column!r}, which is not one of its columns")
    return None


def row_agent(session: Session, cls: type[Base], read: Callable[[str], Any]) -> int | None:
    """The agent a row of ``cls`` belongs to, by its ``__audit_agent__``; ``read(column)`` gives the row's value.

    A row that belongs to an agent through another row takes that row's agent: from the session's identity map when
    the command has loaded it (a refund's payment always is), else read by its primary key.
    """
    route = _agent_route(cls)
    if not isinstance(route, AgentThrough):
        return None if route is None else read(route)
    parent_id = read(route.column)
    parent = session.get(route.model, parent_id) if parent_id is not None else None
    return None if parent is None else row_agent(session, route.model, functools.partial(getattr, parent))


def _entity_id(obj: Base) -> str:
    state = inspect(obj)
    identity = state.identity or state.mapper.primary_key_from_instance(obj)
    return ",".join(str(part) for part in identity)


def _snapshot_of(cls: type[Base], values: Mapping[Any, Any]) -> dict[str, Any]:
    return {key: _audited_value(cls, key, values[key]) for key in column_keys(cls)}


def audited_values(cls: type[Base], values: Mapping[Any, Any]) -> dict[str, Any]:
    """``values`` (of some of the model's columns) as the audit trail records them, to compare with an event."""
    return {key: _audited_value(cls, key, value) for key, value in values.items()}


def snapshot(obj: Base) -> dict[str, Any]:
    cls = type(obj)
    return {key: _audited_value(cls, key, getattr(obj, key)) for key in column_keys(cls)}


def changes(obj: Base) -> tuple[dict[str, Any], dict[str, Any]]:
    """The changed columns of ``obj``, before and after, audited as values are."""
    cls = type(obj)
    state = inspect(obj)
    before, after = {}, {}
    for key in column_keys(cls):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[key] = _audited_value(cls, key, old)
        after[key] = _audited_value(cls, key, new)
    return before, after


def is_audited(obj: object) -> bool:
    return isinstance(obj, Base) and type(obj).__audited__


def common_fields(uow: AuditedWork) -> dict[str, Any]:
    return {
        "occurred_at": utcnow(),
        "actor": str(uow.actor),
        "command": uow.command,
        "reason": uow.reason,
        "correlation_id": uow.correlation_id,
        "request_ip": uow.request_ip,
    }


def row_event(session: Session, obj: Base, action: str, before, after, common: dict[str, Any]) -> AuditEventValues:
    return {
        **common,
        "action": action,
        "entity_type": type(obj).__name__,
        "entity_id": _entity_id(obj),
        "before": before,
        "after": after,
        "agent_id": row_agent(session, type(obj), functools.partial(getattr, obj)),
    }


def append_pending(uow: AuditedWork, events: list[AuditEventValues], write: EventWriter | None = None) -> None:
    """Chain ``events`` after the head (locking it, once) and write them (with ``write``, for a bulk load)."""
    if not events:
        return
    connection = uow.session.connection()
    if uow.chain_head is None:
        uow.chain_head = lock_chain_head(connection)
    if write is None:
        uow.chain_head = append_events(connection, chain_key(), events, uow.chain_head)
    else:
        uow.chain_head = append_events(connection, chain_key(), events, uow.chain_head, write)


@functools.cache
def _insert_returning_row(cls: type[Base]) -> sa.Insert:
    table = cls.__table__
    return sa.insert(table).returning(*table.c)


def insert_audited(session: Session, cls: type[Base], values: dict[str, Any]) -> sa.Row:
    """INSERT one row at once, outside the flush, and audit it as the hook would.

    For a command's hot path: no flush. The event is made from the row as the
    database stored it (RETURNING every column) and takes its place in the
    chain in the order the statements ran. Only for audited models whose
    attributes are their columns; every value must name a column (Core would
    silently drop a misspelt one). Returns the stored row.
    """
    uow = running_work(session)
    if uow is None:
        raise UnitOfWorkError(f"{cls.__name__} inserted outside a unit of work: the change would not be audited")
    if not cls.__audited__:
        raise UnitOfWorkError(f"{cls.__name__} is not an audited entity: add it through the session")
    unknown = set(values) - set(column_keys(cls))
    if unknown:
        raise UnitOfWorkError(f"{cls.__name__} has no column {', '.join(sorted(unknown))}")
    row = session.connection().execute(_insert_returning_row(cls), values).one()
    stored = row._mapping
    entity_id = ",".join(str(stored[column.name]) for column in cls.__table__.primary_key)
    uow.pending_audit_events.append(
        {
            **common_fields(uow),
            "action": "insert",
            "entity_type": cls.__name__,
            "entity_id": entity_id,
            "before": None,
            "after": _snapshot_of(cls, stored),
            "agent_id": row_agent(session, cls, stored.get),
        }
    )
    return row


def record_bulk_inserts(
    uow: AuditedWork, model: type[Base], rows: list[dict[str, Any]], write: EventWriter | None = None
) -> None:
    """Audit rows inserted in bulk (they bypass the flush), exactly as the hook would.

    Each row must carry its primary key; a column it leaves out is recorded as None.
    """
    keys = [column.name for column in model.__table__.primary_key]
    for start in range(0, len(rows), BULK_BATCH):
        common = common_fields(uow)
        events = []
        for row in rows[start : start + BULK_BATCH]:
            entity_id = ",".join(str(row[key]) for key in keys)
            after = _snapshot_of(model, _Defaulted(row))
            agent_id = row_agent(uow.session, model, row.get)
            events.append({**common, "action": "insert", "entity_type": model.__name__, "entity_id": entity_id,
                           "before": None, "after": after, "agent_id": agent_id})  # fmt: skip
        append_pending(uow, events, write)


class _Defaulted(dict):
    """A row's values, None for a column it leaves out (as an unset attribute reads)."""

    def __missing__(self, key: str) -> None:
        return None


def record_event(
    uow: AuditedWork,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Audit something that is not a row change (a secret revealed, a bulk load).

    Chained and written with the unit of work's other events when it commits.
    """
    if entity_type not in audited_entity_types():
        raise UnitOfWorkError(f"{entity_type} is not in the audit catalog: add it to EVENT_ENTITIES")
    uow.pending_audit_events.append(
        {
            **common_fields(uow),
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "before": before,
            "after": after,
        }
    )
