"""A second factor for a log-in: a TOTP secret (RFC 6238), kept sealed, and one-time recovery codes.

The secret is stored only as envelope ciphertext, like a secret setting, with
the key version that wrapped its data key (so key rotation covers it). While a
person enrols, or re-enrols, the new secret waits in ``pending_*`` until a code
from it is confirmed; the confirmed secret keeps working until then.
``last_step`` is the newest time step a code was accepted for: a code is
accepted once, and never one older than that.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TimestampMixin, UTCDateTime


class TwoFactorCredential(TimestampMixin, Base):
    __tablename__ = "two_factor_credential"
    __audited__ = True
    __audit_secret__ = frozenset({"ciphertext", "pending_ciphertext"})
    __table_args__ = (
        sa.CheckConstraint(
            "(confirmed_at IS NULL AND ciphertext IS NULL) OR (confirmed_at IS NOT NULL AND ciphertext IS NOT NULL)",
            name="confirmed_secret_has_a_date",
        ),
        sa.Index("ix_two_factor_credential_key_version", "key_version"),
        sa.Index("ix_two_factor_credential_pending_key_version", "pending_key_version"),
    )

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    ciphertext: Mapped[str | None] = mapped_column(sa.Text)
    key_version: Mapped[str | None] = mapped_column(sa.String(80))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pending_ciphertext: Mapped[str | None] = mapped_column(sa.Text)
    pending_key_version: Mapped[str | None] = mapped_column(sa.String(80))
    #: The log-in session that began the enrolment (its token's hash), and when: only it may finish it, and soon.
    pending_session_hash: Mapped[str | None] = mapped_column(sa.String(64))
    pending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    @property
    def enrolled(self) -> bool:
        return self.confirmed_at is not None

    def pending_for(self, session_hash: str | None, now: datetime, within: timedelta) -> bool:
        """Whether a secret being enrolled waits for this log-in session, begun less than ``within`` ago."""
        return (
            self.pending_ciphertext is not None and session_hash is not None
            and self.pending_session_hash == session_hash
            and self.pending_since is not None and now - self.pending_since <= within
        )  # fmt: skip


class RecoveryCode(Base):
    """One of the ten codes shown once at enrolment; only a keyed hash is kept, and a use is final."""

    __tablename__ = "recovery_code"
    __table_args__ = (sa.UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
