"""``flask settings …`` and ``flask keys …``: operator settings and the keys that protect secrets."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from portal.cli.running import cli_runner, cli_units
from portal.commands.base import new_idempotency_key
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.observability.correlation import bind_correlation_id
from portal.security.key_providers import build_key_provider
from portal.security.key_rotation import KeyRotation
from portal.security.secure_settings import CATALOG, definition_of, secure_settings
from portal.services.settings import ChangeSetting


def _audit_key_event(command: str, action: str, provider: str, after: dict) -> None:
    with cli_units()(command) as uow:
        uow.record_event(action, "KeyProvider", provider, after=after)
        uow.commit()


def _refused(error: DomainError) -> click.ClickException:
    return click.ClickException(error.message)


def _read_value(name: str) -> str:
    """The new value from standard input: a hidden prompt on a terminal, else everything piped in."""
    definition = definition_of(name)
    if sys.stdin.isatty():
        return click.prompt(
            f"New value for {definition.label}", hide_input=definition.secret, confirmation_prompt=definition.secret
        )
    return sys.stdin.read().rstrip("\r\n")


@click.group("settings", cls=AppGroup)
def settings() -> None:
    """Operator settings; secrets are encrypted at rest."""
    bind_correlation_id()


@settings.command("list")
def settings_list() -> None:
    """Every setting with its value (secrets masked)."""
    for view in secure_settings().views(db.session()):
        version = f"  [{view.key_version}]" if view.key_version else ""
        click.echo(f"{view.name:<26} {view.display}{version}")


@settings.command("set")
@click.argument("name", type=click.Choice(sorted(CATALOG)))
def settings_set(name: str) -> None:
    """Change NAME; the value is read from standard input, never from the command line."""
    try:
        cli_runner().run(ChangeSetting(idempotency_key=new_idempotency_key(), setting=name, value=_read_value(name)))
    except DomainError as error:
        raise _refused(error) from None
    click.echo(f"{name} saved" + (" (encrypted)" if definition_of(name).secret else ""))


@settings.command("get")
@click.argument("name", type=click.Choice(sorted(CATALOG)))
@click.option("--reveal", is_flag=True, help="Show a secret in clear (the reveal is audited).")
def settings_get(name: str, reveal: bool) -> None:
    """Show NAME, masked if secret unless --reveal."""
    service = secure_settings()
    try:
        if reveal and definition_of(name).secret:
            click.echo(service.reveal(cli_units()("reveal_setting"), name))
            return
        click.echo(service.view(db.session(), name).display)
    except DomainError as error:
        raise _refused(error) from None


PROVIDERS = click.Choice(["local", "vault"])


@settings.command("rewrap")
@click.option("--from", "source", type=PROVIDERS, help="Move the secrets this provider sealed (with --to).")
@click.option("--to", "target", type=PROVIDERS, help="The provider they move to (the one configured by default).")
def settings_rewrap(source: str | None, target: str | None) -> None:
    """Re-wrap every secret with the newest key version, or move secrets from one provider to another.

    Safe while the portal runs. ``--from local --to vault`` needs both the local key
    ring and Vault configured (LOCAL_KEYRING_PATH, VAULT_ADDR and its credentials).
    """
    if (source is None) != (target is None) or (source and source == target):
        raise click.UsageError("give both --from and --to, naming two different providers")
    config = current_app.config
    provider = secure_settings().provider
    if target is not None:
        provider = build_key_provider({**config, "KEY_PROVIDER": target}, current_app.instance_path)
    origin = build_key_provider({**config, "KEY_PROVIDER": source}, current_app.instance_path) if source else None
    rotation = KeyRotation(provider)
    try:
        with click.progressbar(length=sum(rotation.usage(db.session()).values()), label="Re-wrapping secrets") as bar:
            report = rotation.rewrap_all(db.session(), cli_units(), lambda _name: bar.update(1), source=origin)
    except DomainError as error:
        raise _refused(error) from None
    click.echo(f"re-wrapped {report.rewrapped}, left {report.skipped} changed meanwhile")
    for version, count in sorted(report.by_key_version.items()):
        click.echo(f"{count} secret(s) on {version}")


@click.group("keys", cls=AppGroup)
def keys() -> None:
    """The key provider's keys."""
    bind_correlation_id()


@keys.command("status")
def keys_status() -> None:
    """Key versions, the active one, and how many secrets use each."""
    service = secure_settings()
    try:
        active = service.provider.active_version()
        usage = KeyRotation(service.provider).usage(db.session())
        versions = service.provider.versions()
    except DomainError as error:
        raise _refused(error) from None
    click.echo(f"provider: {service.provider.name}")
    for version in versions:
        marker = " (active)" if version == active else ""
        click.echo(f"{version}{marker}: {usage.get(version, 0)} secret(s)")


@keys.command("rotate")
def keys_rotate() -> None:
    """Make a new key version the active one; run `settings rewrap` next."""
    service = secure_settings()
    try:
        version = service.provider.rotate()
    except DomainError as error:
        raise _refused(error) from None
    _audit_key_event("rotate_key", "rotate", service.provider.name, {"active": version})
    click.echo(f"active key is now {version}; run `flask --app wsgi settings rewrap` to move existing secrets to it")


@keys.command("retire")
@click.argument("version")
def keys_retire(version: str) -> None:
    """Retire VERSION once no secret uses it."""
    service = secure_settings()
    try:
        KeyRotation(service.provider).retire(db.session(), version)
    except DomainError as error:
        raise _refused(error) from None
    _audit_key_event("retire_key", "retire", service.provider.name, {"retired": version})
    click.echo(f"{version} retired")
