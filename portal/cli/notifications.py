"""``flask notifications deliver``: send the queued e-mails (run it every minute from cron)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from portal.cli.running import cli_units
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models import EmailOutbox
from portal.observability.correlation import bind_correlation_id
from portal.persistence.context import Actor
from portal.security.secure_settings import secure_settings
from portal.services.email_delivery import SmtpSettings, deliver_due

CLI_ACTOR = Actor.system("mailer")


@click.group("notifications", cls=AppGroup)
def notifications() -> None:
    """Notification e-mails."""
    bind_correlation_id()


@notifications.command("deliver")
@click.option("--limit", default=200, show_default=True, help="At most this many e-mails in this run.")
def notifications_deliver(limit: int) -> None:
    """Send due e-mails; failures are retried later with back-off and never dropped."""
    try:
        smtp = SmtpSettings.load(db.session(), secure_settings())
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.rollback()
    if not smtp.host:
        click.echo("e-mail is off: set smtp_host (flask --app wsgi settings set smtp_host); nothing sent")
        return
    report = deliver_due(cli_units(CLI_ACTOR), smtp, limit=limit)
    click.echo(f"sent {report.sent}, will retry {report.retried}, failed for good {report.failed}")
    for line in report.errors[:10]:
        click.echo(f"  {line}")
    counts = dict(db.session.execute(sa.select(EmailOutbox.status, sa.func.count()).group_by(EmailOutbox.status)).all())
    click.echo(", ".join(f"{counts.get(s, 0)} {s}" for s in ("pending", "sent", "failed")) + " in the outbox")
