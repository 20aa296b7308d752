"""Keeping each run of ``ledger verify`` and ``audit verify``: the metrics and the rollout read the last one."""

from __future__ import annotations

from dataclasses import dataclass

from portal.commands.base import Command, CommandResult
from portal.domain import errors
from portal.models import VerificationRun
from portal.models.operations import CHECKS
from portal.persistence.protocols import UnitOfWork
from portal.security.masking import mask_text

MAX_SUMMARY = 500


@dataclass(frozen=True)
class VerificationRecorded(CommandResult):
    run_id: int
    held: bool


@dataclass(frozen=True, kw_only=True)
class RecordVerification(Command[VerificationRecorded]):
    """A verification ran: which check, how many violations it found, and its first line."""

    name = "record_verification"
    result_type = VerificationRecorded

    check_name: str
    violations: int
    summary: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.check_name not in CHECKS:
            raise errors.InputNotValid(f"A verification is one of {', '.join(CHECKS)}.", "check_name")
        if isinstance(self.violations, bool) or not isinstance(self.violations, int) or self.violations < 0:
            raise errors.InputNotValid("Violations are counted from zero.", "violations")
        self._set("summary", mask_text(self.summary)[:MAX_SUMMARY])

    @property
    def audit_reason(self) -> str:
        return f"{self.check_name} verify: {self.violations} violation(s)"


def record_verification(uow: UnitOfWork, command: RecordVerification) -> VerificationRecorded:
    run = uow.verification_runs.add(
        VerificationRun(check_name=command.check_name, ran_at=uow.now, violations=command.violations,
                        summary=command.summary)
    )  # fmt: skip
    uow.flush()
    return VerificationRecorded(replayed=False, run_id=run.id, held=run.held)
