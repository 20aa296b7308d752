"""Changing a feature flag: one command, audited with its actor and reason, seen by every worker within seconds."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app

from portal.commands.base import Command, CommandResult, require_reason
from portal.domain import errors
from portal.flags.catalog import CATALOG, FINANCIAL_ORCHESTRATOR
from portal.flags.evaluation import forget_snapshot
from portal.models import FeatureFlag, Notification
from portal.models.agent import SLUG_PATTERN
from portal.models.notification import Audience
from portal.persistence.protocols import UnitOfWork

_SLUG = re.compile(SLUG_PATTERN)
MAX_LISTED_AGENTS = 1_000


@dataclass(frozen=True)
class FlagChanged(CommandResult):
    flag: str
    enabled: bool
    rollout_percentage: int
    allow_list: list[str]
    deny_list: list[str]
    changed: bool


def _slugs(values: tuple[str, ...] | list[str] | None, field: str) -> tuple[str, ...] | None:
    if values is None:
        return None
    slugs = tuple(sorted({value.strip().lower() for value in values if value.strip()}))
    if len(slugs) > MAX_LISTED_AGENTS:
        raise errors.InputNotValid(f"List at most {MAX_LISTED_AGENTS:,} agents.", field)
    for slug in slugs:
        if not _SLUG.fullmatch(slug):
            raise errors.InputNotValid(f"{slug!r} is not an agent's slug.", field)
    return slugs


@dataclass(frozen=True, kw_only=True)
class ChangeFlag(Command[FlagChanged]):
    """Set what is given of a flag (on/off, percentage, allow- and deny-list), with the reason for the change."""

    name = "change_flag"
    result_type = FlagChanged

    flag: str
    reason: str
    enabled: bool | None = None
    rollout_percentage: int | None = None
    allow_list: tuple[str, ...] | None = None
    deny_list: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.flag not in CATALOG:
            raise errors.NotFound(f"There is no flag {self.flag!r}; the catalog has {', '.join(sorted(CATALOG))}.")
        self._set("reason", require_reason(self.reason))
        if self.enabled is not None and not isinstance(self.enabled, bool):
            raise errors.InputNotValid("A flag is on or off.", "enabled")
        percentage = self.rollout_percentage
        if percentage is not None and (isinstance(percentage, bool) or not isinstance(percentage, int)
                                       or not 0 <= percentage <= 100):  # fmt: skip
            raise errors.InputNotValid("A rollout is a percentage from 0 to 100.", "rollout_percentage")
        self._set("allow_list", _slugs(self.allow_list, "allow_list"))
        self._set("deny_list", _slugs(self.deny_list, "deny_list"))

    @property
    def audit_name(self) -> str:
        if self.flag == FINANCIAL_ORCHESTRATOR and self.enabled is not None:
            return "resume_money_commands" if self.enabled else "pause_money_commands"
        return {True: "enable_flag", False: "disable_flag"}.get(self.enabled, "change_flag")  # type: ignore[arg-type]


def change_flag(uow: UnitOfWork, command: ChangeFlag) -> FlagChanged:
    definition = CATALOG[command.flag]
    row = uow.flags.get(command.flag)
    if row is None:
        row = FeatureFlag(name=definition.name, description=definition.description, enabled=definition.default,
                          rollout_percentage=100, allow_list=[], deny_list=[])  # fmt: skip
        uow.flags.add(row)
    before = (row.enabled, row.rollout_percentage, list(row.allow_list or []), list(row.deny_list or []))
    if command.enabled is not None:
        row.enabled = command.enabled
    if command.rollout_percentage is not None:
        row.rollout_percentage = command.rollout_percentage
    if command.allow_list is not None:
        row.allow_list = list(command.allow_list)
    if command.deny_list is not None:
        row.deny_list = list(command.deny_list)
    after = (row.enabled, row.rollout_percentage, list(row.allow_list or []), list(row.deny_list or []))
    changed = before != after or row.reason is None
    if changed:
        row.reason = command.reason
        row.updated_by = str(uow.actor)
        row.updated_at = uow.now
    uow.flush()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    uow.add_post_commit_hook(lambda: forget_snapshot(app))
    return FlagChanged(
        replayed=False, flag=row.name, enabled=row.enabled, rollout_percentage=row.rollout_percentage,
        allow_list=list(row.allow_list or []), deny_list=list(row.deny_list or []), changed=changed,
    )  # fmt: skip


MAX_VIOLATIONS_KEPT = 50


@dataclass(frozen=True)
class KillSwitchTripped(CommandResult):
    violations: int


@dataclass(frozen=True, kw_only=True)
class TripKillSwitch(Command[KillSwitchTripped]):
    """``ledger verify --guard`` found violations: pause money, keep the violations in the audit trail, tell staff."""

    name = "trip_kill_switch"
    result_type = KillSwitchTripped

    violations: tuple[str, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.violations:
            raise errors.InputNotValid("The kill switch trips on violations only.", "violations")

    @property
    def audit_reason(self) -> str:
        return f"ledger verify found {len(self.violations)} violation(s)"


def trip_kill_switch(uow: UnitOfWork, command: TripKillSwitch) -> KillSwitchTripped:
    count = len(command.violations)
    reason = f"The ledger check found {count} violation{'s' if count != 1 else ''}; finance is looking into it."
    change_flag(uow, ChangeFlag(idempotency_key=command.idempotency_key, flag=FINANCIAL_ORCHESTRATOR,
                                enabled=False, reason=reason))  # fmt: skip
    kept = list(command.violations[:MAX_VIOLATIONS_KEPT])
    uow.record_event("ledger_violation", "Ledger", "verify", after={"violations": kept, "count": count})
    uow.notifications.add(
        Notification(
            audience=Audience.STAFF, kind="money_paused", subject="Money commands paused: the ledger check failed",
            body=f"ledger verify found {count} violation(s) and paused every money command. The first: {kept[0]}. "
            "Turn financial_orchestrator back on (flask flags enable, or the dashboard's Flags page) once it is fixed.",
        )
    )  # fmt: skip
    uow.flush()
    return KillSwitchTripped(replayed=False, violations=count)
