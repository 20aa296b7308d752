"""Operator configuration; secret values are stored only as ciphertext."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, JSONDocument, UTCDateTime, utcnow


class Setting(Base):
    """One named setting: a plain JSON value, or an envelope-encrypted secret."""

    __tablename__ = "setting"
    __audited__ = True
    __audit_secret__ = frozenset({"ciphertext"})
    __table_args__ = (
        sa.CheckConstraint(
            "(is_secret AND ciphertext IS NOT NULL AND value IS NULL) OR (NOT is_secret AND ciphertext IS NULL)",
            name="secret_only_as_ciphertext",
        ),
        sa.Index("ix_setting_key_version", "key_version"),
    )

    name: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    is_secret: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    value: Mapped[object | None] = mapped_column(JSONDocument)
    ciphertext: Mapped[str | None] = mapped_column(sa.Text)
    key_version: Mapped[str | None] = mapped_column(sa.String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(sa.String(120))
