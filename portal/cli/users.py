"""``flask users reset-two-factor``: the way back in for someone who lost their phone and their recovery codes."""

from __future__ import annotations

import uuid

import click
from flask.cli import AppGroup

from portal.cli.running import cli_runner
from portal.domain.errors import DomainError
from portal.observability.correlation import bind_correlation_id
from portal.services.two_factor import ResetTwoFactor


@click.group("users", cls=AppGroup)
def users() -> None:
    """Log-ins: what only an operator with shell access may do."""
    bind_correlation_id()


@users.command("reset-two-factor")
@click.argument("email")
@click.option("--reason", required=True, help="Why, for the audit trail (such as the support ticket).")
def users_reset_two_factor(email: str, reason: str) -> None:
    """Forget EMAIL's two-factor sign-in and end its sessions; its person is e-mailed."""
    try:
        cli_runner().run(ResetTwoFactor(idempotency_key=f"cli-reset-{uuid.uuid4()}", email=email, reason=reason))
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"two-factor sign-in reset for {email.strip().lower()}: it signs in with its password next")
