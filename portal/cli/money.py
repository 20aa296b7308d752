"""``flask ledger verify [--guard]``, ``flask summaries rebuild|drift``, ``flask commissions mature``."""

from __future__ import annotations

import uuid

import click
from flask.cli import AppGroup

from portal.cli.running import cli_context, cli_runner, cli_units, record_run
from portal.extensions import db
from portal.observability.correlation import bind_correlation_id
from portal.persistence.audit_events import chain_key
from portal.persistence.context import Actor
from portal.services.feature_flags import TripKillSwitch
from portal.services.financial_summary import rebuild_summaries, summary_drift
from portal.services.ledger_verification import verify_ledger
from portal.services.money.orchestrator import FinancialOrchestrator

GUARD_ACTOR = Actor.system("ledger-guard")


@click.group("ledger", cls=AppGroup)
def ledger() -> None:
    """Check the money invariants."""


@ledger.command("verify")
@click.option("--guard", is_flag=True, help="On a violation, pause every money command (the kill switch) and tell "
              "admins; turning money back on is a deliberate admin action.")  # fmt: skip
def ledger_verify(guard: bool) -> None:
    """Check invariants 1, 2, 3, 6 and 7; exit 1 naming each violation."""
    bind_correlation_id()
    report = verify_ledger(db.session(), chain_key())
    db.session.rollback()
    for line in report.checked:
        click.echo(f"checked {line}")
    first = str(report.violations[0]) if report.violations else f"checked {len(report.checked)} invariants"
    record_run("ledger", len(report.violations), first)
    if report.holds:
        click.echo("ledger OK: no violations")
        return
    for violation in report.violations:
        click.echo(f"VIOLATION {violation}", err=True)
    click.echo(f"ledger BROKEN: {len(report.violations)} violation(s)", err=True)
    if guard:
        violations = tuple(str(violation) for violation in report.violations)
        cli_runner(GUARD_ACTOR).run(
            TripKillSwitch(idempotency_key=f"ledger-guard-{uuid.uuid4()}", violations=violations)
        )
        click.echo("money commands PAUSED (financial_orchestrator off); admins were told", err=True)
    raise SystemExit(1)


@click.group("summaries", cls=AppGroup)
def summaries() -> None:
    """The per-agent financial read model."""


@summaries.command("rebuild")
def summaries_rebuild() -> None:
    """Recompute every agent's summary from the ledger, in one transaction."""
    bind_correlation_id()
    with cli_units()("rebuild_summaries") as uow:
        total, changed = rebuild_summaries(uow.session)
        uow.commit()
    click.echo(f"rebuilt {total} summaries; {changed} differed from the ledger and were corrected")


@click.group("commissions", cls=AppGroup)
def commissions() -> None:
    """Commission approval."""


@commissions.command("mature")
def commissions_mature() -> None:
    """Approve pending commissions whose holding period has passed (safe to run from cron)."""
    bind_correlation_id()
    orchestrator = FinancialOrchestrator.for_session(db.session(), cli_context())
    report = orchestrator.approve_due_commissions()
    click.echo(f"{report.due} commission(s) due, {report.approved} approved")
    for commission_id, reason in report.skipped:
        click.echo(f"skipped commission #{commission_id}: {reason}")


@summaries.command("drift")
def summaries_drift() -> None:
    """Compare the read model with the figures computed live, agent by agent; exit 1 naming each that differs."""
    bind_correlation_id()
    drifted = summary_drift(db.session())
    for agent_id, differences in drifted.items():
        click.echo(f"agent {agent_id}: " + "; ".join(differences), err=True)
    if drifted:
        click.echo(f"{len(drifted)} agent(s) drifted: run `flask summaries rebuild` once the cause is known", err=True)
        raise SystemExit(1)
    click.echo("no drift: the read model matches the ledger and the invoices for every agent")
