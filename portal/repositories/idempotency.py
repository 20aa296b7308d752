"""Idempotency records inside a unit of work."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.models import IdempotencyRecord


class IdempotencyRepository:
    """Finds a key's first result, or claims the key for this unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> IdempotencyRecord | None:
        return self.session.get(IdempotencyRecord, key)

    def claim(self, key: str, command: str, request_hash: str, actor: str) -> IdempotencyRecord:
        """Insert the key now, so a concurrent request with the same key collides early."""
        record = IdempotencyRecord(key=key, command=command, request_hash=request_hash, actor=actor)
        self.session.add(record)
        self.session.flush()
        return record
