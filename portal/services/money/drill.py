"""A fault for canary drills: the money commands of one cohort fail, as a bad release would make them.

``DRILL_FAIL_MONEY_FOR=canary`` makes every money command asked for by an agent
in the canary fail (HTTP 500) before it opens a unit of work, so nothing is
half-done; ``bench/canary_drill.py`` uses it to prove that a red guardrail stops
``flask rollout widen`` and that ``rollback`` restores service. Production
refuses to start with it set.
"""

from __future__ import annotations

from flask import current_app, has_app_context

from portal.commands.base import Command
from portal.observability.cohort import current_cohort
from portal.services.money.handlers import MONEY_HANDLERS
from portal.services.money.switch import refuse_while_paused


class DrillFault(RuntimeError):
    """The injected failure of a canary drill."""


def fail_for_drill(command: Command) -> None:
    cohort = current_app.config.get("DRILL_FAIL_MONEY_FOR") if has_app_context() else None
    if cohort and type(command) in MONEY_HANDLERS and current_cohort() == cohort:
        raise DrillFault(f"canary drill: {command.name} fails for the {cohort} cohort (DRILL_FAIL_MONEY_FOR)")


def guard_money(command: Command) -> None:
    """The runner's guard: the kill switch first, then a drill's fault, if one is configured."""
    refuse_while_paused(command)
    fail_for_drill(command)
