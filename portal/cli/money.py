"""``flask ledger verify``, ``flask summaries rebuild``, ``flask commissions mature``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.cli.running import cli_context, cli_units
from portal.extensions import db
from portal.observability.correlation import bind_correlation_id
from portal.persistence.audit_events import chain_key
from portal.services.financial_summary import rebuild_summaries
from portal.services.ledger_verification import verify_ledger
from portal.services.money.orchestrator import FinancialOrchestrator


@click.group("ledger", cls=AppGroup)
def ledger() -> None:
    """Check the money invariants."""


@ledger.command("verify")
def ledger_verify() -> None:
    """Check invariants 1, 2, 3, 6 and 7; exit 1 naming each violation."""
    bind_correlation_id()
    report = verify_ledger(db.session(), chain_key())
    for line in report.checked:
        click.echo(f"checked {line}")
    if report.holds:
        click.echo("ledger OK: no violations")
        return
    for violation in report.violations:
        click.echo(f"VIOLATION {violation}", err=True)
    click.echo(f"ledger BROKEN: {len(report.violations)} violation(s)", err=True)
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
