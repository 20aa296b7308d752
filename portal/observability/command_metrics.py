"""The command runner's observer: money commands by outcome, retries, conflicts and replays, as Prometheus counts."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, has_app_context

from portal.commands.base import Command
from portal.flags.catalog import CATALOG
from portal.observability import metrics
from portal.observability.cohort import current_cohort

APP_KEY = "portal.command_metrics"
#: Outcomes whose error names the reason; the others carry an empty ``error``.
_NAMED = frozenset({"refused", "failed"})


class CommandMetrics:
    """Counts what the runner reports; ``money`` are the command types counted by outcome."""

    def __init__(self, money: Iterable[type[Command]], every: Iterable[type[Command]]) -> None:
        self._money = frozenset(money)
        metrics.create_rare_series(
            tuple(sorted(kind.name for kind in self._money)), tuple(sorted({kind.name for kind in every})),
            tuple(CATALOG),
        )  # fmt: skip

    def retried(self, command: Command, error: Exception) -> None:
        metrics.COMMAND_RETRIES.labels(command.name, current_cohort()).inc()

    def finished(self, command: Command, outcome: str, error: BaseException | None, seconds: float) -> None:
        cohort = current_cohort()
        if outcome == "conflict":
            metrics.COMMAND_CONFLICTS.labels(command.name, cohort).inc()
        elif outcome == "replayed":
            metrics.IDEMPOTENCY_REPLAYS.labels("command", cohort).inc()
        if type(command) not in self._money:
            return
        reason = type(error).__name__ if error is not None and outcome in _NAMED else ""
        metrics.MONEY_COMMANDS.labels(command.name, outcome, reason, cohort).inc()
        metrics.MONEY_COMMAND_DURATION.labels(command.name).observe(seconds)


def app_command_metrics() -> CommandMetrics | None:
    """The application's command metrics (none outside an application: a unit test of the orchestrator alone)."""
    return current_app.extensions.get(APP_KEY) if has_app_context() else None
