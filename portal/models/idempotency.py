"""Idempotency records: a command's key, what it was asked, and what it answered."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, JSONDocument, UTCDateTime, utcnow


class IdempotencyRecord(Base):
    """The first result of a command for its key; replays return it unchanged.

    The primary key makes two concurrent requests with one key collide in the
    database, so only one of them can take effect.
    """

    __tablename__ = "idempotency_record"
    __table_args__ = (sa.Index("ix_idempotency_record_created_at", "created_at"),)

    key: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    command: Mapped[str] = mapped_column(sa.String(40))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    result: Mapped[dict | None] = mapped_column(JSONDocument)
    actor: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiIdempotencyRecord(Base):
    """The first successful answer of an API request for its ``Idempotency-Key``, per token owner.

    A replay answers the stored status and body; the same key with another
    request is a conflict. Only 2xx answers are kept: a refusal changed
    nothing, so sending it again simply asks again.
    """

    __tablename__ = "api_idempotency_record"
    __table_args__ = (sa.Index("ix_api_idempotency_record_created_at", "created_at"),)

    owner: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int] = mapped_column(sa.Integer)
    body: Mapped[dict | None] = mapped_column(JSONDocument)
    location: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
