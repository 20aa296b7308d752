"""``flask tokens create/list/revoke``: API tokens for integrations and scripts."""

from __future__ import annotations

import uuid

import click
from flask.cli import AppGroup

from portal.cli.running import cli_runner
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models.api_token import SCOPES
from portal.models.base import utcnow
from portal.models.user import ROLES
from portal.observability.correlation import bind_correlation_id
from portal.read.api_tokens import ApiTokenReadRepository
from portal.services.api_tokens import DEFAULT_DAYS, CreateApiToken, RevokeApiToken, new_secret


@click.group("tokens", cls=AppGroup)
def tokens() -> None:
    """API tokens: made once (the secret is printed once), listed, revoked."""
    bind_correlation_id()


@tokens.command("create")
@click.option("--name", required=True, help="What the token is for (an integration's name).")
@click.option("--scope", type=click.Choice([scope.value for scope in SCOPES]), default="read", show_default=True,
              help="read; write (also reads); admin (staff-only changes; also writes).")  # fmt: skip
@click.option("--role", type=click.Choice([role.value for role in ROLES]), required=True,
              help="The staff role it acts as, or agent.")  # fmt: skip
@click.option("--agent", "agent_id", type=int, help="The agent's id, for --role agent.")
@click.option("--days", type=int, default=DEFAULT_DAYS, show_default=True, help="Days until it expires (1–366).")
def tokens_create(name: str, scope: str, role: str, agent_id: int | None, days: int) -> None:
    """Make a token and print its secret: the only time it is shown."""
    secret = new_secret()
    try:
        result = cli_runner().run(CreateApiToken(
            idempotency_key=f"cli-token-{uuid.uuid4()}", token_name=name, scope=scope, owner_role=role,
            agent_id=agent_id, days=days, secret=secret,
        ))  # fmt: skip
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"token {result.token_id} ({result.owner}, {result.scope}) until {result.expires_at}", err=True)
    click.echo(secret)


@tokens.command("list")
def tokens_list() -> None:
    """Every token, newest first, with its state and last use (never the secret)."""
    now = utcnow()
    rows = ApiTokenReadRepository(db.session()).newest()
    if not rows:
        click.echo("no API tokens yet: flask --app wsgi tokens create --help")
    for row in rows:
        used = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "never used"
        click.echo(f"{row.id:>5}  {row.prefix}…  {row.state(now):<8} {row.scope:<6} {row.owner:<16} "
                   f"until {row.expires_at.date()}  {used}  {row.name}")  # fmt: skip


@tokens.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """End a token for good."""
    try:
        result = cli_runner().run(RevokeApiToken(idempotency_key=f"cli-revoke-{uuid.uuid4()}", token_id=token_id))
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"token {result.token_id} ({result.name}) revoked")
