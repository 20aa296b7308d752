"""Idempotency records inside a unit of work."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import IdempotencyRecord
from portal.models.base import utcnow

# Built once and reused: no statement or cache key to rebuild on the hot path.
_RECORDS = IdempotencyRecord.__table__
_FIND = sa.select(_RECORDS.c.command, _RECORDS.c.request_hash, _RECORDS.c.result).where(
    _RECORDS.c.key == sa.bindparam("key")
)
_RECORD = sa.insert(_RECORDS)


class IdempotencyRepository:
    """Finds a key's first result, or records it with this unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> sa.Row | None:
        """The key's record (command, request_hash, result), read without building an ORM object."""
        return self.session.connection().execute(_FIND, {"key": key}).first()

    def record(self, key: str, command: str, request_hash: str, actor: str, result: dict) -> None:
        """Keep the result for replays; the primary key refuses a second record of the key.

        One INSERT, outside the ORM's flush: the record is infrastructure, not an audited entity.
        """
        self.session.connection().execute(
            _RECORD,
            {
                "key": key,
                "command": command,
                "request_hash": request_hash,
                "actor": actor,
                "result": result,
                "created_at": utcnow(),
            },
        )
