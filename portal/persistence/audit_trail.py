"""Session hooks that write an AuditEvent for every change to an audited entity.

Every flush inside a unit of work gathers its events; they are chained and
written once, just before the commit, in the same transaction as the change,
with the unit of work's actor, command, reason and correlation id. A change to
an audited entity outside a unit of work is refused, and the ledger and the
audit trail are append-only. Importing this module installs the hooks; the
unit of work imports it, so no unit of work can run without them.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Mapper, Session

from portal.models import AuditEvent, WalletTransaction
from portal.persistence.audit_events import append_pending, changes, common_fields, is_audited, row_event, snapshot
from portal.persistence.context import UnitOfWorkError

IMMUTABLE_ENTITIES = (AuditEvent, WalletTransaction)


@event.listens_for(Session, "before_flush")
def _refuse_unaudited_changes(session: Session, flush_context, instances) -> None:
    if session.info.get("unit_of_work") is not None:
        return
    changed = [o for o in (*session.new, *session.dirty, *session.deleted) if is_audited(o)]
    if changed:
        names = sorted({type(o).__name__ for o in changed})
        raise UnitOfWorkError(f"{', '.join(names)} changed outside a unit of work: the change would not be audited")


@event.listens_for(Session, "after_flush")
def _gather_audit_events(session: Session, flush_context) -> None:
    uow = session.info.get("unit_of_work")
    if uow is None:
        return
    common = common_fields(uow)
    events = []
    for obj in session.new:
        if is_audited(obj):
            events.append(row_event(session, obj, "insert", None, snapshot(obj), common))
    for obj in session.dirty:
        if is_audited(obj) and session.is_modified(obj, include_collections=False):
            before, after = changes(obj)
            if after:
                events.append(row_event(session, obj, "update", before, after, common))
    for obj in session.deleted:
        if is_audited(obj):
            events.append(row_event(session, obj, "delete", snapshot(obj), None, common))
    uow.pending_audit_events.extend(events)


@event.listens_for(Session, "before_commit")
def _append_gathered_events(session: Session) -> None:
    """Chain and write the unit of work's events once, just before it commits."""
    uow = session.info.get("unit_of_work")
    if uow is None:
        return
    session.flush()
    append_pending(uow, uow.pending_audit_events)
    uow.pending_audit_events = []


def _refuse_mutation(mapper: Mapper, connection, target) -> None:
    raise UnitOfWorkError(f"{type(target).__name__} rows are append-only")


for _entity in IMMUTABLE_ENTITIES:
    event.listen(_entity, "before_update", _refuse_mutation)
    event.listen(_entity, "before_delete", _refuse_mutation)
