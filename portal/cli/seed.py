"""``flask seed``: demo data, or generated data at scale."""

from __future__ import annotations

import os
import sys
import time

import click
from flask.cli import with_appcontext

from portal.extensions import db
from portal.observability.correlation import bind_correlation_id


@click.command("seed")
@with_appcontext
@click.option("--demo", "demo", is_flag=True, help="Add the demo staff, agents and invoices (once).")
@click.option("--scale", "scale", type=click.IntRange(min=1), help="Generate this many agents with their data.")
@click.option("--random-seed", default=7, show_default=True, help="Seed of the generator for --scale.")
@click.option(
    "--ledger-per-agent",
    default=0,
    show_default=True,
    type=click.IntRange(min=0, max=100_000),
    help="With --scale: wallet adjustments per agent (each a ledger entry and two audit events).",
)
@click.option(
    "--audit-per-agent", default=0, show_default=True, type=click.IntRange(min=0, max=100_000),
    help="With --scale: profile edits per agent (each an audit event).",
)  # fmt: skip
def seed(demo: bool, scale: int | None, random_seed: int, ledger_per_agent: int, audit_per_agent: int) -> None:
    """Load demo data (idempotent) or generate data for benchmarks."""
    from portal.seed.demo import demo_logins, load_demo_data
    from portal.seed.scale import Depth, load_scale_data

    if not demo and scale is None:
        raise click.UsageError("choose --demo or --scale N")
    correlation_id = bind_correlation_id()
    if demo:
        added = load_demo_data(db.session(), correlation_id=correlation_id)
        click.echo("Demo data loaded." if added else "Demo data already present: nothing added.")
        click.echo(f"\nDemo logins (open http://127.0.0.1:{os.environ.get('PORT', '5000')}/login):")
        for login in demo_logins():
            click.echo(f"  {login.role:<8} {login.email:<28} {login.password:<24} -> {login.lands_on}")
    if scale is not None:
        started = time.perf_counter()
        depth = Depth(ledger_per_agent=ledger_per_agent, audit_per_agent=audit_per_agent)
        with click.progressbar(length=scale, label="Generating agents", file=sys.stderr) as bar:
            report = load_scale_data(
                db.session(), scale, seed=random_seed, correlation_id=correlation_id, depth=depth,
                on_progress=bar.update,
            )  # fmt: skip
        click.echo(
            f"Generated {report.agents:,} agents, {report.invoices:,} invoices, {report.payments:,} payments, "
            f"{report.commissions:,} commissions, {report.ledger_entries:,} ledger entries "
            f"in {time.perf_counter() - started:.1f}s; the audit trail holds {report.audit_events:,} events."
        )
