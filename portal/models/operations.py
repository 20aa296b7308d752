"""What operations ran, kept for the metrics and the rollout: verification runs and rollout steps."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, JSONDocument, UTCDateTime, one_of, utcnow

CHECKS = ("ledger", "audit")
ROLLOUT_ACTIONS = ("widen", "rollback")


class VerificationRun(Base):
    """One run of ``flask ledger verify`` or ``flask audit verify``: when, and whether the invariants held."""

    __tablename__ = "verification_run"
    __table_args__ = (
        sa.CheckConstraint(one_of("check_name", CHECKS), name="check_known"),
        sa.CheckConstraint("violations >= 0", name="violations_not_negative"),
        sa.Index("ix_verification_run_check_name_ran_at", "check_name", "ran_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check_name: Mapped[str] = mapped_column(sa.String(16))
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    violations: Mapped[int] = mapped_column(sa.Integer, default=0)
    #: What was checked, or the first violation (masked), in a line.
    summary: Mapped[str] = mapped_column(sa.String(500), default="")

    @property
    def held(self) -> bool:
        return self.violations == 0


class RolloutStep(Base):
    """A step of a flag's canary: from one percentage to another, with the guardrails read when it was taken."""

    __tablename__ = "rollout_step"
    __table_args__ = (
        sa.CheckConstraint(one_of("action", ROLLOUT_ACTIONS), name="action_known"),
        sa.CheckConstraint("from_percentage BETWEEN 0 AND 100 AND to_percentage BETWEEN 0 AND 100", name="percentages"),
        sa.Index("ix_rollout_step_flag_taken_at", "flag", "taken_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flag: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(16))
    from_percentage: Mapped[int] = mapped_column(sa.Integer)
    to_percentage: Mapped[int] = mapped_column(sa.Integer)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_by: Mapped[str] = mapped_column(sa.String(120))
    reason: Mapped[str] = mapped_column(sa.String(500))
    #: The guardrails as read when the step was taken (each with its value, its limit and whether it held).
    guardrails: Mapped[list] = mapped_column(JSONDocument, default=list)
    #: The instances' counters when the step was taken: what "since this step" is measured from without Prometheus.
    baseline: Mapped[dict] = mapped_column(JSONDocument, default=dict)
