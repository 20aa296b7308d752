"""A step of a canary: the flag's percentage moved and the step kept, with the guardrails read for it, at once.

``flask rollout widen`` takes a step only when every guardrail holds (the check
is the caller's: it reads Prometheus or the instances); ``rollback`` always
may. The flag change and the step are one unit of work, audited with who took
it and why, so the rollout's history is the audit trail's and the step table's alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal.commands.base import Command, CommandResult, require_reason
from portal.domain import errors
from portal.flags.catalog import CATALOG, Scope
from portal.models import RolloutStep
from portal.models.operations import ROLLOUT_ACTIONS
from portal.persistence.protocols import UnitOfWork
from portal.services.feature_flags import ChangeFlag, change_flag


@dataclass(frozen=True)
class RolloutMoved(CommandResult):
    step_id: int
    flag: str
    from_percentage: int
    to_percentage: int


@dataclass(frozen=True, kw_only=True)
class MoveRollout(Command[RolloutMoved]):
    """Widen a flag's rollout to ``percentage`` (or roll it back), keeping the guardrails and counters read for it."""

    name = "move_rollout"
    result_type = RolloutMoved

    flag: str
    action: str
    percentage: int
    reason: str
    guardrails: tuple[dict[str, Any], ...] = ()
    baseline: dict[str, dict[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        definition = CATALOG.get(self.flag)
        if definition is None or definition.scope != Scope.AGENT:
            raise errors.InputNotValid(f"{self.flag!r} is not a flag rolled out by agent.", "flag")
        if self.action not in ROLLOUT_ACTIONS:
            raise errors.InputNotValid(f"A rollout step is one of {', '.join(ROLLOUT_ACTIONS)}.", "action")
        if isinstance(self.percentage, bool) or not isinstance(self.percentage, int) or not 0 <= self.percentage <= 100:
            raise errors.InputNotValid("A rollout is a percentage from 0 to 100.", "percentage")
        self._set("reason", require_reason(self.reason))

    @property
    def audit_name(self) -> str:
        return f"rollout_{self.action}"

    @property
    def audit_reason(self) -> str:
        return self.reason


def move_rollout(uow: UnitOfWork, command: MoveRollout) -> RolloutMoved:
    row = uow.flags.get(command.flag)
    if row is None:
        current = 100 if CATALOG[command.flag].default else 0
    else:
        current = row.rollout_percentage if row.enabled else 0
    if command.action == "widen" and command.percentage <= current:
        raise errors.InputNotValid(
            f"{command.flag} is at {current} %; widening goes above it (rollback goes down).", "percentage"
        )
    if command.action == "rollback" and command.percentage >= current:
        raise errors.InputNotValid(f"{command.flag} is at {current} %; a rollback goes below it.", "percentage")
    change_flag(uow, ChangeFlag(idempotency_key=command.idempotency_key, flag=command.flag, enabled=True,
                                rollout_percentage=command.percentage, reason=command.reason))  # fmt: skip
    step = uow.rollout_steps.add(
        RolloutStep(flag=command.flag, action=command.action, from_percentage=current,
                    to_percentage=command.percentage, taken_at=uow.now, taken_by=str(uow.actor),
                    reason=command.reason, guardrails=list(command.guardrails), baseline=dict(command.baseline))
    )  # fmt: skip
    uow.flush()
    return RolloutMoved(replayed=False, step_id=step.id, flag=command.flag, from_percentage=current,
                        to_percentage=command.percentage)  # fmt: skip
