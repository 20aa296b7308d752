"""Flags as code: ``deploy/flags/<environment>.toml`` says what each flag should be; ``flask flags apply`` makes it so.

A file names flags of the catalog only (never the kill switch, which only people and the
ledger check turn), each with any of ``enabled``, ``rollout_percentage``, ``allow`` and
``deny`` and a ``reason``. The difference with
the database is computed first (``--dry-run`` prints it, ``--check`` exits 2 when there
is one, for a pipeline gate); applying runs one ``ChangeFlag`` per flag that differs,
audited with the actor ``deploy:<revision>``. A flag that already matches is not
touched, so applying the same file twice changes nothing the second time.

Once ``flask rollout`` has taken a step of a flag, its percentage is the rollout's:
a file that would move it is refused (at every deploy it would undo a rollback, past
the guardrails); the file may still set the allow- and deny-lists.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.flags.catalog import CATALOG, FINANCIAL_ORCHESTRATOR
from portal.models import FeatureFlag, RolloutStep

FIELDS = {"enabled": bool, "rollout_percentage": int, "allow": list, "deny": list, "reason": str}


class FlagFileError(ValueError):
    """The file cannot be applied as written; nothing was changed."""


@dataclass(frozen=True)
class Desired:
    flag: str
    reason: str
    enabled: bool | None = None
    rollout_percentage: int | None = None
    allow: tuple[str, ...] | None = None
    deny: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Change:
    desired: Desired
    #: ``field: before → after`` for each field that differs
    differences: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.desired.flag}: " + "; ".join(self.differences)


def read_flag_file(path: Path) -> list[Desired]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise FlagFileError(f"{path}: {error}") from None
    flags = document.get("flags")
    if not isinstance(flags, dict) or not flags:
        raise FlagFileError(f"{path}: no [flags.<name>] tables")
    return [_desired(path, name, table) for name, table in flags.items()]


def _desired(path: Path, name: str, table: Any) -> Desired:
    if name not in CATALOG:
        raise FlagFileError(f"{path}: {name!r} is not in the catalog ({', '.join(sorted(CATALOG))})")
    if name == FINANCIAL_ORCHESTRATOR:
        raise FlagFileError(
            f"{path}: {name} is the kill switch: it is turned off by hand or by `ledger verify --guard` and back on by "
            "an admin, never by a deploy (a deploy during an incident would resume money)"
        )
    if not isinstance(table, dict):
        raise FlagFileError(f"{path}: flags.{name} must be a table")
    for field, value in table.items():
        kind = FIELDS.get(field)
        if kind is None:
            raise FlagFileError(f"{path}: flags.{name}.{field} is not a flag field ({', '.join(FIELDS)})")
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise FlagFileError(f"{path}: flags.{name}.{field} must be a {kind.__name__}")
    if not str(table.get("reason", "")).strip():
        raise FlagFileError(f"{path}: flags.{name}.reason is required: it is kept in the audit trail")
    return Desired(
        flag=name, reason=table["reason"], enabled=table.get("enabled"),
        rollout_percentage=table.get("rollout_percentage"),
        allow=tuple(sorted(table["allow"])) if "allow" in table else None,
        deny=tuple(sorted(table["deny"])) if "deny" in table else None,
    )  # fmt: skip


def differences(session: Session, desired: list[Desired]) -> list[Change]:
    """What applying ``desired`` would change, flag by flag (a flag with no row has its catalog default)."""
    changes = []
    for want in desired:
        row = session.get(FeatureFlag, want.flag)
        now = {
            "enabled": row.enabled if row else CATALOG[want.flag].default,
            "rollout_percentage": row.rollout_percentage if row else 100,
            "allow": tuple(sorted(row.allow_list or ())) if row else (),
            "deny": tuple(sorted(row.deny_list or ())) if row else (),
        }
        wanted = {"enabled": want.enabled, "rollout_percentage": want.rollout_percentage, "allow": want.allow,
                  "deny": want.deny}  # fmt: skip
        found = tuple(
            f"{field} {_shown(now[field])} → {_shown(value)}"
            for field, value in wanted.items()
            if value is not None and value != now[field]
        )
        moving = want.rollout_percentage is not None and want.rollout_percentage != now["rollout_percentage"]
        if moving and session.scalar(sa.select(sa.func.count()).where(RolloutStep.flag == want.flag)):
            raise FlagFileError(
                f"{want.flag}'s percentage is moved by `flask rollout` behind its guardrails (now "
                f"{now['rollout_percentage']} %): remove rollout_percentage from the file; a deploy must not widen "
                "it or undo a rollback"
            )
        if found:
            changes.append(Change(want, found))
    return changes


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    return str(value)
