"""The kill switch of every money command: the ``financial_orchestrator`` flag, checked by the command runner.

Off, every money command is refused before it opens a unit of work (503, with the
reason the switch was turned off), whoever sends it: a page, the API, the CLI, a
job. Nothing is half-done, because nothing starts; reads go on. The pages say so
in a banner and disable the buttons that move money.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from markupsafe import Markup

from portal.commands.base import Command
from portal.domain import errors
from portal.flags.catalog import FINANCIAL_ORCHESTRATOR
from portal.flags.evaluation import flag_enabled, snapshot
from portal.services.money.handlers import MONEY_HANDLERS

DEFAULT_REASON = "Paused for maintenance."
OVERRIDDEN_REASON = "Paused for maintenance on this server (FLAG_FINANCIAL_ORCHESTRATOR)."


def money_paused() -> str | None:
    """Why money commands are paused, or None while they run."""
    if flag_enabled(FINANCIAL_ORCHESTRATOR):
        return None
    if current_app.config.get("FLAG_OVERRIDES", {}).get(FINANCIAL_ORCHESTRATOR) is not None:
        # The environment turned it off, not the table: the table's last reason would not be this one.
        return OVERRIDDEN_REASON
    state = snapshot().get(FINANCIAL_ORCHESTRATOR)
    return (state.reason if state is not None and state.reason else None) or DEFAULT_REASON


def refuse_while_paused(command: Command) -> None:
    """The runner's guard: a money command while the switch is off changes nothing and says why."""
    if type(command) not in MONEY_HANDLERS or not has_app_context():
        # Outside an application (a unit test of the orchestrator alone) there is no flag to read.
        return
    refuse_money_while_paused()


def refuse_money_while_paused() -> None:
    """For a request that would run many money commands (approve many): refuse it whole, up front."""
    reason = money_paused()
    if reason is not None:
        raise errors.MoneyCommandsPaused(
            f"Money commands are paused: {reason} Nothing was changed; try again once they resume."
        )


def money_disabled() -> Markup:
    """``disabled`` for a button that moves money, while money is paused (templates: ``{{ money_disabled() }}``)."""
    return Markup('disabled title="Money commands are paused"') if money_paused() else Markup("")
