"""``flask audit verify``: does the audit chain hold end to end."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.cli.running import record_run
from portal.extensions import db
from portal.persistence.audit_chain import verify_chain
from portal.persistence.audit_events import chain_key


@click.group("audit", cls=AppGroup)
def audit() -> None:
    """Inspect the audit trail."""


@audit.command("verify")
def verify() -> None:
    """Recompute every event's hash and link; exit 1 naming the first bad event."""
    report = verify_chain(db.session(), chain_key())
    db.session.rollback()
    record_run(
        "audit", 0 if report.holds else 1, f"{report.checked} events" if report.holds else str(report.first_break)
    )
    if report.holds:
        click.echo(f"audit chain OK: {report.checked} events verified")
        return
    click.echo(f"audit chain BROKEN after checking {report.checked} events: {report.first_break}", err=True)
    raise SystemExit(1)
