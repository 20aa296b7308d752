"""What the operations side reads: the e-mail outbox's backlog, the last verification runs, a rollout's steps.

Each is a few index lookups (the outbox by status and due time, runs by check
and time), cheap enough for every scrape of every instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import EmailOutbox, RolloutStep, VerificationRun
from portal.models.operations import CHECKS


@dataclass(frozen=True)
class OutboxState:
    pending: int
    #: Seconds the oldest e-mail that is due has waited (0 when none is due).
    oldest_due_age: float
    failed: int


@dataclass(frozen=True)
class VerificationState:
    check: str
    last_run_at: datetime | None
    last_violations: int | None
    last_summary: str
    last_success_at: datetime | None

    @property
    def held(self) -> bool | None:
        """Whether the last run found nothing (None before the first run)."""
        return None if self.last_violations is None else self.last_violations == 0


@dataclass(frozen=True)
class StepView:
    action: str
    from_percentage: int
    to_percentage: int
    taken_at: datetime
    taken_by: str
    reason: str
    guardrails: list
    baseline: dict


class OperationsReadRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def outbox(self, now: datetime) -> OutboxState:
        pending = EmailOutbox.status == "pending"
        count = self.session.scalar(sa.select(sa.func.count()).select_from(EmailOutbox).where(pending)) or 0
        oldest = self.session.scalar(
            sa.select(sa.func.min(EmailOutbox.next_attempt_at)).where(pending, EmailOutbox.next_attempt_at <= now)
        )
        failed = self.session.scalar(
            sa.select(sa.func.count()).select_from(EmailOutbox).where(EmailOutbox.status == "failed")
        )
        age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
        return OutboxState(pending=count, oldest_due_age=age, failed=failed or 0)

    def verifications(self) -> list[VerificationState]:
        return [self._verification(check) for check in CHECKS]

    def _verification(self, check: str) -> VerificationState:
        runs = sa.select(VerificationRun).where(VerificationRun.check_name == check)
        last = self.session.scalars(runs.order_by(VerificationRun.ran_at.desc()).limit(1)).first()
        success = self.session.scalar(
            sa.select(VerificationRun.ran_at)
            .where(VerificationRun.check_name == check, VerificationRun.violations == 0)
            .order_by(VerificationRun.ran_at.desc())
            .limit(1)
        )
        return VerificationState(
            check=check, last_run_at=last.ran_at if last else None, last_violations=last.violations if last else None,
            last_summary=last.summary if last else "", last_success_at=success,
        )  # fmt: skip

    def steps(self, flag: str, limit: int = 20) -> list[StepView]:
        """The flag's last rollout steps, newest first."""
        rows = self.session.scalars(
            sa.select(RolloutStep).where(RolloutStep.flag == flag).order_by(RolloutStep.taken_at.desc(),
                                                                            RolloutStep.id.desc()).limit(limit)
        )  # fmt: skip
        return [
            StepView(row.action, row.from_percentage, row.to_percentage, row.taken_at, row.taken_by, row.reason,
                     list(row.guardrails or []), dict(row.baseline or {}))
            for row in rows
        ]  # fmt: skip
