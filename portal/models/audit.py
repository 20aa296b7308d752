"""The append-only, hash-chained audit trail."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, JSONDocument, UTCDateTime

HASH_LENGTH = 64


class AuditEvent(Base):
    """What changed, when, by whom, in which request; chained to the previous event."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.UniqueConstraint("seq"),
        sa.CheckConstraint("seq >= 1", name="seq_positive"),
        sa.Index("ix_audit_event_entity", "entity_type", "entity_id"),
        sa.Index("ix_audit_event_occurred_at", "occurred_at"),
        sa.Index("ix_audit_event_correlation_id", "correlation_id"),
        # Each filter of the trail, newest first: the index gives the order, the page reads 50 rows.
        sa.Index("ix_audit_event_actor_seq", "actor", "seq"),
        sa.Index("ix_audit_event_entity_type_seq", "entity_type", "seq"),
        sa.Index("ix_audit_event_action_seq", "action", "seq"),
        sa.Index("ix_audit_event_agent_seq", "agent_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(sa.String(120))
    action: Mapped[str] = mapped_column(sa.String(40))
    entity_type: Mapped[str] = mapped_column(sa.String(64))
    entity_id: Mapped[str] = mapped_column(sa.String(64))
    before: Mapped[dict | None] = mapped_column(JSONDocument)
    after: Mapped[dict | None] = mapped_column(JSONDocument)
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    command: Mapped[str | None] = mapped_column(sa.String(80))
    correlation_id: Mapped[str] = mapped_column(sa.String(128))
    request_ip: Mapped[str | None] = mapped_column(sa.String(45))
    prev_hash: Mapped[str] = mapped_column(sa.String(HASH_LENGTH))
    hash: Mapped[str] = mapped_column(sa.String(HASH_LENGTH))
    #: The agent the changed row belongs to, for the agent's own trail (derived when written; not hashed).
    agent_id: Mapped[int | None] = mapped_column(sa.BigInteger)


#: Entities audited by events that are not row changes (``record_event``), beside the audited models; an ``Export``
#: is a list downloaded as CSV (``portal.exports``).
EVENT_ENTITIES = frozenset({"Export", "KeyProvider", "Ledger"})


def audited_entity_types() -> list[str]:
    """Every kind of entity the audit trail can hold: the audited models and ``EVENT_ENTITIES``."""
    models = {mapper.class_.__name__ for mapper in Base.registry.mappers if mapper.class_.__audited__}
    return sorted(models | EVENT_ENTITIES)


def agent_of(event: dict) -> int | None:
    """The agent an event's row belongs to: the agent itself, or the ``agent_id`` it had before or after."""
    if event.get("entity_type") == "Agent" and str(event.get("entity_id", "")).isdigit():
        return int(event["entity_id"])
    for document in (event.get("after"), event.get("before")):
        if isinstance(document, dict) and type(document.get("agent_id")) is int:
            return document["agent_id"]
    return None


class AuditChainHead(Base):
    """The single row naming the newest event, so a truncated tail is detected.

    Updating it is also the lock that orders concurrent writers of the chain.
    """

    __tablename__ = "audit_chain_head"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger)
    last_hash: Mapped[str] = mapped_column(sa.String(HASH_LENGTH))
    head_mac: Mapped[str] = mapped_column(sa.String(HASH_LENGTH))
