"""The guardrails of a canary step: each a value, its limit, and whether it holds. Red ones stop a widening.

- the canary's 5xx ratio may exceed the control's by at most
  ``ROLLOUT_MAX_ERROR_RATIO_DELTA``;
- the canary's p99 may be at most ``ROLLOUT_MAX_P99_RATIO`` times the control's
  (below ``ROLLOUT_MIN_P99_SECONDS`` it always holds: both are fast);
- the canary's money commands fail (an unexpected error, not a refusal) at most
  ``ROLLOUT_MAX_MONEY_FAILURES`` times;
- at most ``ROLLOUT_MAX_CONFLICTS`` final conflicts, in any cohort (staff's included: a canary that
  makes staff's commands collide is as bad as one that makes its own fail);
- the last ``ledger verify`` held and is at most ``ROLLOUT_LEDGER_MAX_AGE_SECONDS`` old;
- money commands run (the kill switch is not thrown).

With a canary in place, fewer than ``ROLLOUT_MIN_REQUESTS`` canary requests
cannot be judged: the traffic guardrails are red until there are enough. At 0 %
there is no canary, and only the ledger and the kill switch are judged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from portal.read.operations import VerificationState
from portal.rollout.readings import Readings

ROLL_BACK = 'roll back: flask rollout rollback --reason "…"'


@dataclass(frozen=True)
class Guardrail:
    name: str
    held: bool
    value: str
    limit: str
    #: What to do while it is red: roll back, or wait (for traffic, for a ledger check) before widening.
    remedy: str = ROLL_BACK

    @property
    def calls_for_rollback(self) -> bool:
        return not self.held and self.remedy == ROLL_BACK

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        line = f"{'OK ' if self.held else 'RED'}  {self.name}: {self.value} (limit {self.limit})"
        return line if self.held else f"{line}; {self.remedy}"


def _percent(ratio: float) -> str:
    return f"{ratio * 100:.2f} %"


def _seconds(value: float | None) -> str:
    return "no data" if value is None else f"{value * 1000:.0f} ms"


def traffic_guardrails(readings: Readings, limits: Mapping[str, float]) -> list[Guardrail]:
    canary, control = readings.canary, readings.control
    minimum = limits["ROLLOUT_MIN_REQUESTS"]
    if canary.requests < minimum:
        return [Guardrail("canary traffic", False, f"{canary.requests:.0f} requests", f"at least {minimum:.0f}",
                          "wait: too few canary requests to judge yet")]  # fmt: skip
    delta = limits["ROLLOUT_MAX_ERROR_RATIO_DELTA"]
    ratio, floor = limits["ROLLOUT_MAX_P99_RATIO"], limits["ROLLOUT_MIN_P99_SECONDS"]
    p99_limit = max(floor, ratio * (control.p99_seconds or 0.0))
    return [
        Guardrail("canary traffic", True, f"{canary.requests:.0f} requests", f"at least {minimum:.0f}"),
        Guardrail("5xx ratio, canary vs control", canary.error_ratio <= control.error_ratio + delta,
                  f"{_percent(canary.error_ratio)} vs {_percent(control.error_ratio)}",
                  f"control + {_percent(delta)}"),
        Guardrail("p99 latency, canary vs control",
                  canary.p99_seconds is None or canary.p99_seconds <= p99_limit,
                  f"{_seconds(canary.p99_seconds)} vs {_seconds(control.p99_seconds)}", _seconds(p99_limit)),
        Guardrail("canary money command failures", canary.money_failures <= limits["ROLLOUT_MAX_MONEY_FAILURES"],
                  f"{canary.money_failures:.0f}", f"{limits['ROLLOUT_MAX_MONEY_FAILURES']:.0f}"),
        Guardrail("final conflicts", readings.conflicts <= limits["ROLLOUT_MAX_CONFLICTS"],
                  f"{readings.conflicts:.0f}", f"{limits['ROLLOUT_MAX_CONFLICTS']:.0f}"),
    ]  # fmt: skip


def ledger_guardrail(ledger: VerificationState, now: datetime, max_age: float) -> Guardrail:
    limit = f"passed, within {max_age / 3600:g} h"
    if ledger.last_run_at is None:
        return Guardrail("last ledger verify", False, "never ran", limit, "run flask ledger verify, then look again")
    age = (now - ledger.last_run_at).total_seconds()
    shown = f"{'passed' if ledger.held else f'{ledger.last_violations} violation(s)'} {age / 60:.0f} min ago"
    remedy = ("run flask ledger verify, then look again" if ledger.held
              else "the ledger is broken: stop here, docs/runbooks/kill-switch.md")  # fmt: skip
    return Guardrail("last ledger verify", bool(ledger.held) and age <= max_age, shown, limit, remedy)


def money_guardrail(money_running: bool) -> Guardrail:
    return Guardrail("money commands running", money_running, "on" if money_running else "PAUSED (kill switch)", "on",
                     "money is paused: do not widen during an incident (docs/runbooks/kill-switch.md)")  # fmt: skip


def judge(
    readings: Readings | None,
    unreadable: str | None,
    percentage: int,
    ledger: VerificationState,
    money_running: bool,
    now: datetime,
    limits: Mapping[str, float],
) -> list[Guardrail]:
    """Every guardrail of the current step; ``unreadable`` says why the traffic could not be read."""
    guardrails: list[Guardrail] = []
    if percentage > 0:
        if readings is None:
            guardrails.append(Guardrail("canary metrics", False, unreadable or "no source", "readable",
                                        "the canary cannot be judged: make its metrics readable first"))  # fmt: skip
        else:
            guardrails.extend(traffic_guardrails(readings, limits))
    guardrails.append(ledger_guardrail(ledger, now, limits["ROLLOUT_LEDGER_MAX_AGE_SECONDS"]))
    guardrails.append(money_guardrail(money_running))
    return guardrails
