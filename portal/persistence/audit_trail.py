"""Session hook that writes an AuditEvent for every change to an audited entity.

The events are written in the same transaction as the change, chained, with
the unit of work's actor, command, reason and correlation id. Secret columns
never appear in clear; contact details are masked.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, Session

from portal.models import AuditEvent, WalletTransaction
from portal.models.base import Base, utcnow
from portal.persistence.audit_chain import append_events, derive_chain_key
from portal.persistence.unit_of_work import UnitOfWork, UnitOfWorkError
from portal.security.masking import MASKERS

SECRET_PLACEHOLDER = "[secret]"
BULK_BATCH = 2000
IMMUTABLE_ENTITIES = (AuditEvent, WalletTransaction)


def chain_key() -> bytes:
    config = current_app.config
    return derive_chain_key(config["SECRET_KEY"], config.get("AUDIT_CHAIN_KEY", ""))


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
def _column_keys(cls: type[Base]) -> tuple[str, ...]:
    return tuple(attr.key for attr in inspect(cls).column_attrs)


def _entity_id(obj: Base) -> str:
    identity = inspect(obj).identity or inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(part) for part in identity)


def _snapshot_of(cls: type[Base], values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _audited_value(cls, key, values[key]) for key in _column_keys(cls)}


def _snapshot(obj: Base) -> dict[str, Any]:
    cls = type(obj)
    return {key: _audited_value(cls, key, getattr(obj, key)) for key in _column_keys(cls)}


def _changes(obj: Base) -> tuple[dict[str, Any], dict[str, Any]]:
    cls = type(obj)
    state = inspect(obj)
    before, after = {}, {}
    for key in _column_keys(cls):
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


def _is_audited(obj: object) -> bool:
    return isinstance(obj, Base) and type(obj).__audited__


@event.listens_for(Session, "before_flush")
def _refuse_unaudited_changes(session: Session, flush_context, instances) -> None:
    if session.info.get("unit_of_work") is not None:
        return
    changed = [o for o in (*session.new, *session.dirty, *session.deleted) if _is_audited(o)]
    if changed:
        names = sorted({type(o).__name__ for o in changed})
        raise UnitOfWorkError(f"{', '.join(names)} changed outside a unit of work: the change would not be audited")


@event.listens_for(Session, "before_commit")
def _append_gathered_events(session: Session) -> None:
    """Chain and write the unit of work's events once, just before it commits."""
    uow: UnitOfWork | None = session.info.get("unit_of_work")
    if uow is None:
        return
    session.flush()
    _append(uow, uow.pending_audit_events)
    uow.pending_audit_events = []


def _append(uow: UnitOfWork, events: list[dict[str, Any]]) -> None:
    if events:
        uow.lock_audit_chain()
        uow.chain_head = append_events(uow.session.connection(), chain_key(), events, uow.chain_head)
        uow.rows_written += len(events)


@event.listens_for(Session, "after_flush")
def _gather_audit_events(session: Session, flush_context) -> None:
    uow: UnitOfWork | None = session.info.get("unit_of_work")
    if uow is None:
        return
    uow.rows_written += (
        len(session.new)
        + sum(1 for obj in session.dirty if session.is_modified(obj, include_collections=False))
        + len(session.deleted)
    )
    common = _common_fields(uow)
    events = []
    for obj in session.new:
        if _is_audited(obj):
            events.append(_event(obj, "insert", None, _snapshot(obj), common))
    for obj in session.dirty:
        if _is_audited(obj) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                events.append(_event(obj, "update", before, after, common))
    for obj in session.deleted:
        if _is_audited(obj):
            events.append(_event(obj, "delete", _snapshot(obj), None, common))
    uow.pending_audit_events.extend(events)


def _common_fields(uow: UnitOfWork) -> dict[str, Any]:
    return {
        "occurred_at": utcnow(),
        "actor": str(uow.actor),
        "command": uow.command,
        "reason": uow.reason,
        "correlation_id": uow.correlation_id,
        "request_ip": uow.request_ip,
    }


def _event(obj: Base, action: str, before, after, common: dict[str, Any]) -> dict[str, Any]:
    return {
        **common,
        "action": action,
        "entity_type": type(obj).__name__,
        "entity_id": _entity_id(obj),
        "before": before,
        "after": after,
    }


@functools.cache
def _insert_returning_row(cls: type[Base]) -> sa.Insert:
    table = cls.__table__
    return sa.insert(table).returning(*table.c)


def insert_audited(session: Session, cls: type[Base], values: dict[str, Any]) -> sa.Row:
    """INSERT one row at once, outside the flush, and audit it as the hook would.

    For a command's hot path: no ORM object and no flush. The event is made
    from the row as the database stored it (RETURNING every column) and takes
    its place in the chain in the order the statements ran. Only for audited
    models whose attributes are their columns; every value must name a column
    (Core would silently drop a misspelt one). Returns the stored row.
    """
    uow: UnitOfWork | None = session.info.get("unit_of_work")
    if uow is None:
        raise UnitOfWorkError(f"{cls.__name__} inserted outside a unit of work: the change would not be audited")
    if not cls.__audited__:
        raise UnitOfWorkError(f"{cls.__name__} is not an audited entity: add it through the session")
    unknown = set(values) - set(_column_keys(cls))
    if unknown:
        raise UnitOfWorkError(f"{cls.__name__} has no column {', '.join(sorted(unknown))}")
    row = session.connection().execute(_insert_returning_row(cls), values).one()
    stored = row._mapping
    entity_id = ",".join(str(stored[column.name]) for column in cls.__table__.primary_key)
    uow.pending_audit_events.append(
        {
            **_common_fields(uow),
            "action": "insert",
            "entity_type": cls.__name__,
            "entity_id": entity_id,
            "before": None,
            "after": _snapshot_of(cls, stored),
        }
    )
    uow.rows_written += 1
    return row


def record_bulk_inserts(uow: UnitOfWork, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Audit rows inserted in bulk (they bypass the flush), exactly as the hook would.

    Each row must carry its primary key.
    """
    for start in range(0, len(rows), BULK_BATCH):
        common = _common_fields(uow)
        _append(
            uow,
            [
                _event(model(**row), "insert", None, _snapshot(model(**row)), common)
                for row in rows[start : start + BULK_BATCH]
            ],
        )


def record_event(
    uow: UnitOfWork,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Audit something that is not a row change (a secret revealed, a bulk load).

    Chained and written with the unit of work's other events when it commits.
    """
    event = {
        **_common_fields(uow),
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "before": before,
        "after": after,
    }
    uow.pending_audit_events.append(event)


def _refuse_mutation(mapper: Mapper, connection, target) -> None:
    raise UnitOfWorkError(f"{type(target).__name__} rows are append-only")


for _entity in IMMUTABLE_ENTITIES:
    event.listen(_entity, "before_update", _refuse_mutation)
    event.listen(_entity, "before_delete", _refuse_mutation)
