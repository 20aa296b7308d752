"""``flask rollout status|widen PCT|rollback``: the agent portal's canary, step by step, behind its guardrails.

``status`` shows who is in the canary and every guardrail; ``widen`` moves to a
higher percentage only while every guardrail holds; ``rollback`` always may (to
0 %, ``--last-good`` for the last step that was green when it was left, or
``--to``). Each step changes the flag and keeps the step in one audited command.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import AppGroup

from portal.cli.running import cli_runner
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.flags.catalog import AGENT_PORTAL, FINANCIAL_ORCHESTRATOR
from portal.flags.evaluation import flag_enabled, forget_snapshot, snapshot
from portal.models.base import utcnow
from portal.observability.correlation import bind_correlation_id
from portal.read.flags import FlagReadRepository
from portal.read.operations import OperationsReadRepository, StepView
from portal.rollout.guardrails import Guardrail, judge
from portal.rollout.readings import (
    InstanceReadings,
    LocalReadings,
    PrometheusReadings,
    Readings,
    ReadingsUnavailable,
)
from portal.services.rollout_steps import MoveRollout

#: The runbook's steps (docs/runbooks/canary.md).
LADDER = (0, 5, 25, 50, 100)
_DURATION = re.compile(r"^(\d+)([smh]?)$")


def window_seconds(text: str) -> int:
    """``600``, ``90s``, ``10m``, ``1h`` in seconds."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise click.ClickException(f"ROLLOUT_WINDOW is a duration such as 10m or 600s, not {text!r}")
    return int(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[match[2]]


@dataclass(frozen=True)
class Situation:
    percentage: int
    agents_in: int
    agents_out: int
    readings: Readings | None
    unreadable: str | None
    guardrails: list[Guardrail]
    steps: list[StepView]

    @property
    def green(self) -> bool:
        return all(guardrail.held for guardrail in self.guardrails)

    def last_good(self) -> int:
        """The highest percentage below this one that was green when it was widened from (0 when none)."""
        left_green = {step.from_percentage for step in self.steps if step.action == "widen"}
        return max((p for p in left_green if p < self.percentage), default=0)

    def to_json(self) -> dict:
        traffic = None
        if self.readings is not None:
            traffic = {name: vars(cohort) | {"error_ratio": cohort.error_ratio}
                       for name, cohort in self.readings.cohorts.items()}  # fmt: skip
        readings = self.readings
        return {
            "flag": AGENT_PORTAL, "percentage": self.percentage, "agents_in": self.agents_in,
            "agents_out": self.agents_out, "green": self.green, "source": readings.source if readings else None,
            "unreadable": self.unreadable, "traffic": traffic, "conflicts": readings.conflicts if readings else None,
            "guardrails": [guardrail.to_json() for guardrail in self.guardrails], "last_good": self.last_good(),
        }  # fmt: skip


def _source():
    config = current_app.config
    if config["PROMETHEUS_URL"]:
        return PrometheusReadings(config["PROMETHEUS_URL"])
    if config["ROLLOUT_METRICS_URLS"]:
        return InstanceReadings(config["ROLLOUT_METRICS_URLS"], config["METRICS_TOKEN"])
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return LocalReadings(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    return None


def situation() -> Situation:
    forget_snapshot(current_app)
    now = utcnow()
    state = snapshot().get(AGENT_PORTAL)
    percentage = (state.rollout_percentage if state.enabled else 0) if state is not None else 100
    session = db.session()
    reads = OperationsReadRepository(session)
    steps = reads.steps(AGENT_PORTAL)
    view = next(v for v in FlagReadRepository(session).views(current_app.config["FLAG_OVERRIDES"])
                if v.definition.name == AGENT_PORTAL)  # fmt: skip
    window = window_seconds(current_app.config["ROLLOUT_WINDOW"])
    if steps:
        window = min(window, int((now - steps[0].taken_at).total_seconds()))
    readings, unreadable = None, None
    source = _source()
    if source is None:
        unreadable = "no metrics source: set PROMETHEUS_URL, ROLLOUT_METRICS_URLS or PROMETHEUS_MULTIPROC_DIR"
    else:
        try:
            readings = source.read(window, steps[0].baseline if steps else None)
        except ReadingsUnavailable as error:
            unreadable = str(error)
    ledger = next(state for state in reads.verifications() if state.check == "ledger")
    guardrails = judge(readings, unreadable, percentage, ledger, flag_enabled(FINANCIAL_ORCHESTRATOR), now,
                       current_app.config)  # fmt: skip
    db.session.rollback()
    return Situation(percentage, view.agents_in or 0, view.agents_out or 0, readings, unreadable, guardrails, steps)


def _echo(now: Situation) -> None:
    click.echo(f"{AGENT_PORTAL}: {now.percentage} % of agents ({now.agents_in:,} in the canary, "
               f"{now.agents_out:,} in control)")  # fmt: skip
    override = current_app.config["FLAG_OVERRIDES"].get(AGENT_PORTAL)
    if override is not None:
        click.echo(f"  OVERRIDDEN by FLAG_AGENT_PORTAL={override}: steps change the table, not what agents see")
    if now.readings is not None:
        click.echo(f"traffic from {now.readings.source}:")
        for name, cohort in now.readings.cohorts.items():
            p99 = "no data" if cohort.p99_seconds is None else f"{cohort.p99_seconds * 1000:.0f} ms"
            click.echo(f"  {name:<8} {cohort.requests:,.0f} requests, 5xx {cohort.error_ratio * 100:.2f} %, "
                       f"p99 {p99}, money failures {cohort.money_failures:,.0f}")  # fmt: skip
    click.echo("guardrails:")
    for guardrail in now.guardrails:
        click.echo(f"  {guardrail}")
    if now.green:
        upward = [p for p in LADDER if p > now.percentage]
        click.echo(f"GREEN: may widen{f' to {upward[0]} %' if upward else ''}")
    elif any(guardrail.calls_for_rollback for guardrail in now.guardrails):
        click.echo(f"RED: do not widen; roll back: flask rollout rollback --reason \"…\" "
                   f"(to 0 %, or --last-good for {now.last_good()} %)")  # fmt: skip
    else:
        click.echo("RED: do not widen yet; nothing calls for a rollback (see each red guardrail's remedy)")
    if now.steps:
        click.echo("recent steps:")
        for step in now.steps[:5]:
            click.echo(f"  {step.taken_at:%Y-%m-%d %H:%M} UTC  {step.action} {step.from_percentage} → "
                       f"{step.to_percentage} %  by {step.taken_by}: {step.reason}")  # fmt: skip


@click.group("rollout", cls=AppGroup)
def rollout() -> None:
    """The agent portal's canary: status, widen behind the guardrails, roll back."""
    bind_correlation_id()


@rollout.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON document, for scripts.")
@click.option("--check", is_flag=True, help="Exit 1 when a guardrail is red (a pipeline gate).")
def rollout_status(as_json: bool, check: bool) -> None:
    """Cohort sizes, the canary's and the control's traffic, every guardrail, the last steps."""
    now = situation()
    if as_json:
        click.echo(json.dumps(now.to_json(), default=str))
    else:
        _echo(now)
    if check and not now.green:
        raise SystemExit(1)


def _move(action: str, percentage: int, reason: str, now: Situation) -> None:
    counters = {url: dict(values) for url, values in now.readings.counters.items()} if now.readings else {}
    command = MoveRollout(idempotency_key=f"cli-rollout-{uuid.uuid4()}", flag=AGENT_PORTAL, action=action,
                          percentage=percentage, reason=reason,
                          guardrails=tuple(g.to_json() for g in now.guardrails), baseline=counters)  # fmt: skip
    try:
        moved = cli_runner().run(command)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{AGENT_PORTAL}: {action} {moved.from_percentage} → {moved.to_percentage} % (step {moved.step_id})")


@rollout.command("widen")
@click.argument("percentage", type=click.IntRange(1, 100))
@click.option("--reason", default="", help="Why (kept in the audit trail); by default the step itself.")
def rollout_widen(percentage: int, reason: str) -> None:
    """Widen the canary to PERCENTAGE of agents, only while every guardrail holds."""
    now = situation()
    if percentage <= now.percentage:
        raise click.ClickException(f"{AGENT_PORTAL} is at {now.percentage} %; widen goes above it.")
    if not now.green:
        _echo(now)
        red = ", ".join(g.name for g in now.guardrails if not g.held)
        raise click.ClickException(f"refused: red guardrail(s): {red}. Nothing was changed.")
    _move("widen", percentage, reason or f"canary: widen {now.percentage} → {percentage} %, guardrails green", now)


@rollout.command("rollback")
@click.option("--reason", required=True, help="Why: kept in the audit trail and in the step.")
@click.option("--last-good", is_flag=True, help="To the last step that was green when it was left, not to 0 %.")
@click.option("--to", "target", type=click.IntRange(0, 99), default=None, help="To this percentage.")
def rollout_rollback(reason: str, last_good: bool, target: int | None) -> None:
    """Roll the canary back: to 0 % unless told otherwise. Always allowed, whatever the guardrails say."""
    if last_good and target is not None:
        raise click.ClickException("Give --last-good or --to, not both.")
    now = situation()
    goal = now.last_good() if last_good else (target if target is not None else 0)
    if goal >= now.percentage:
        raise click.ClickException(f"{AGENT_PORTAL} is at {now.percentage} %; a rollback to {goal} % goes nowhere.")
    _move("rollback", goal, reason, now)
