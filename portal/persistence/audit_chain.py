"""The keyed hash chain over audit events: append under a lock, verify end to end.

Each event's hash is an HMAC-SHA256, keyed with a secret the database does not
hold, over a canonical JSON serialisation of the event and the previous
event's hash. A database writer can change or delete rows but cannot compute
the hashes that would hide it. The chain head names the newest event (with its
own MAC), so deleting the tail is detected too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.models.audit import AuditChainHead, AuditEvent, agent_of

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "reason",
    "command",
    "correlation_id",
    "request_ip",
    "prev_hash",
)

# Built once and reused: no statement or cache key to rebuild on the hot path. Moving the
# chain's head is bookkeeping, not a row the command wrote: the unit of work does not count it.
_HEAD = AuditChainHead.__table__
_LOCK_HEAD = (
    sa.update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_seq=_HEAD.c.last_seq)
    .returning(_HEAD.c.last_seq, _HEAD.c.last_hash)
    .execution_options(uncounted=True)
)
_MOVE_HEAD = sa.update(_HEAD).where(_HEAD.c.id == 1).execution_options(uncounted=True)
_INSERT_EVENTS = sa.insert(AuditEvent.__table__)


def derive_chain_key(secret_key: str, configured: str = "") -> bytes:
    """The chain key: ``AUDIT_CHAIN_KEY`` when set, else derived from ``SECRET_KEY``."""
    if configured:
        return configured.encode()
    return hmac.new(secret_key.encode(), b"portal-audit-chain-v1", hashlib.sha256).digest()


def _canonical_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def canonical_bytes(event: dict[str, Any]) -> bytes:
    """The exact bytes that are hashed: sorted keys, no spaces, UTF-8."""
    document = {name: _canonical_value(event.get(name)) for name in HASHED_FIELDS}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(key: bytes, event: dict[str, Any]) -> str:
    return hmac.new(key, canonical_bytes(event), hashlib.sha256).hexdigest()


def head_mac(key: bytes, last_seq: int, last_hash: str) -> str:
    message = f"head:{last_seq}:{last_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def lock_chain_head(connection: Connection) -> tuple[int, str]:
    """Take the chain's write lock for the rest of the transaction; returns the head.

    A no-op UPDATE of the head row: PostgreSQL holds its row lock, SQLite its
    write lock, until commit. Every writing unit of work takes it before any
    other write, so writers queue in one order and cannot deadlock on it, and
    the head it returns stays the head until this transaction appends.
    """
    row = connection.execute(_LOCK_HEAD).first()
    if row is None:
        connection.execute(
            sa.insert(_HEAD)
            .values(id=1, last_seq=0, last_hash=GENESIS_HASH, head_mac="")
            .execution_options(uncounted=True)
        )
        return 0, GENESIS_HASH
    return row.last_seq, row.last_hash


#: How chained events are written: ``write(connection, table, events)``; a bulk load passes COPY.
EventWriter = Callable[[Connection, sa.Table, list[dict[str, Any]]], None]


def _insert(connection: Connection, table: sa.Table, events: list[dict[str, Any]]) -> None:
    connection.execute(_INSERT_EVENTS, events)


def append_events(
    connection: Connection,
    key: bytes,
    events: list[dict[str, Any]],
    head: tuple[int, str],
    write: EventWriter = _insert,
) -> tuple[int, str]:
    """Chain ``events`` after ``head`` (locked by this transaction), write them, move the head.

    Returns the new head.
    """
    if not events:
        return head
    last_seq, last_hash = head
    for event in events:
        last_seq += 1
        event["seq"] = last_seq
        event["prev_hash"] = last_hash
        event["hash"] = last_hash = event_hash(key, event)
        if "agent_id" not in event:
            # A row's event names its agent already (outside the hash); any other event is read for one.
            event["agent_id"] = agent_of(event)
    write(connection, AuditEvent.__table__, events)
    connection.execute(
        _MOVE_HEAD, {"last_seq": last_seq, "last_hash": last_hash, "head_mac": head_mac(key, last_seq, last_hash)}
    )
    return last_seq, last_hash


@dataclass(frozen=True)
class ChainBreak:
    """The first place the chain does not hold."""

    seq: int | None
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"audit event seq={self.seq} (id={self.event_id})" if self.seq else "chain head"
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_break: ChainBreak | None

    @property
    def holds(self) -> bool:
        return self.first_break is None


def verify_events(key: bytes, events: Iterable[dict[str, Any]], head: dict | None) -> ChainReport:
    """Check every event's hash, its link to the previous one, and the head."""
    expected_seq, previous_hash, checked = 1, GENESIS_HASH, 0
    for event in events:
        checked += 1
        problem = None
        if event["seq"] != expected_seq:
            problem = (
                f"expected seq {expected_seq}, found {event['seq']}: "
                f"events {expected_seq}..{event['seq'] - 1} were deleted"
            )
        elif event["prev_hash"] != previous_hash:
            problem = "prev_hash does not match the previous event: the chain was rewritten"
        elif not hmac.compare_digest(event_hash(key, event), event["hash"]):
            problem = "hash does not match the contents: the row was changed"
        if problem:
            return ChainReport(checked, ChainBreak(event["seq"], event["id"], problem))
        expected_seq, previous_hash = event["seq"] + 1, event["hash"]
    last_seq = expected_seq - 1
    if head is None:
        if last_seq:
            return ChainReport(checked, ChainBreak(None, None, "the chain head row is missing"))
        return ChainReport(checked, None)
    if head["last_seq"] != last_seq or head["last_hash"] != previous_hash:
        return ChainReport(
            checked,
            ChainBreak(
                None,
                None,
                f"head names seq {head['last_seq']} but the last event is seq {last_seq}: events after it were deleted",
            ),
        )
    if last_seq and not hmac.compare_digest(head_mac(key, head["last_seq"], head["last_hash"]), head["head_mac"]):
        return ChainReport(checked, ChainBreak(None, None, "the head's MAC does not match"))
    return ChainReport(checked, None)


def verify_chain(session: Session, key: bytes, batch_size: int = 2000) -> ChainReport:
    """Verify the stored chain up to its head, reading it in batches.

    The head is read first: events appended while the check runs lie beyond
    it and are left for the next run, so a busy system gives no false alarm.
    """
    head_table = AuditChainHead.__table__
    head_row = session.execute(sa.select(head_table).where(head_table.c.id == 1)).mappings().first()
    head = dict(head_row) if head_row else None
    if head is None:
        last_event = session.execute(sa.select(sa.func.max(AuditEvent.seq))).scalar()
        head_seq = last_event or 0
    else:
        head_seq = head["last_seq"]
    table = AuditEvent.__table__
    result = session.execute(
        sa.select(table).where(table.c.seq <= head_seq).order_by(table.c.seq).execution_options(yield_per=batch_size)
    )
    try:
        return verify_events(key, (dict(row) for row in result.mappings()), head)
    finally:
        result.close()
