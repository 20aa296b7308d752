"""``flask flags``: read and change feature flags, list the stale ones, apply a flag file (flags as code)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import uuid
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.cli.running import cli_runner
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.flags.as_code import FlagFileError, differences, read_flag_file
from portal.flags.catalog import CATALOG
from portal.flags.evaluation import forget_snapshot, snapshot
from portal.models.base import utcnow
from portal.observability.correlation import bind_correlation_id
from portal.persistence.context import Actor
from portal.services.feature_flags import ChangeFlag


@click.group("flags", cls=AppGroup)
def flags() -> None:
    """Feature flags: the catalog, their state, their changes (each audited, with a reason)."""
    bind_correlation_id()


def _line(name: str) -> str:
    definition = CATALOG[name]
    state = snapshot().get(name)
    override = current_app.config["FLAG_OVERRIDES"].get(name)
    if state is None:
        shown = f"{'on' if definition.default else 'off'} (default, no row)"
    else:
        shown = "on" if state.enabled else "off"
        if definition.scope == "agent":
            shown += f", {state.rollout_percentage}% of agents"
            shown += f", allow [{', '.join(sorted(state.allow_list))}]" if state.allow_list else ""
            shown += f", deny [{', '.join(sorted(state.deny_list))}]" if state.deny_list else ""
    if override is not None:
        written = ("on" if override else "off") if isinstance(override, bool) else override
        shown += f"; OVERRIDDEN by FLAG_{name.upper()}={written}"
    return f"{name:<24} {shown}"


@flags.command("list")
def flags_list() -> None:
    """Every flag of the catalog and its state."""
    forget_snapshot(current_app)
    for name in CATALOG:
        click.echo(_line(name))


@flags.command("get")
@click.argument("name")
def flags_get(name: str) -> None:
    """One flag: its state, and what the catalog says of it."""
    if name not in CATALOG:
        raise click.ClickException(f"no flag {name!r}; the catalog has {', '.join(sorted(CATALOG))}")
    forget_snapshot(current_app)
    definition = CATALOG[name]
    state = snapshot().get(name)
    click.echo(_line(name))
    click.echo(f"  {definition.description}")
    click.echo(f"  scope {definition.scope}, default {'on' if definition.default else 'off'}, owner "
               f"{definition.owner}, remove after {definition.remove_after or 'never'}")  # fmt: skip
    if state is not None and state.reason:
        click.echo(f"  last change by {state.updated_by}: {state.reason}")


def _change(reason: str, actor: Actor | None = None, **fields) -> None:
    try:
        runner = cli_runner(actor) if actor else cli_runner()
        result = runner.run(ChangeFlag(idempotency_key=f"cli-flag-{uuid.uuid4()}", reason=reason, **fields))
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(_line(result.flag) if result.changed else f"{result.flag}: already so; nothing changed")


REASON = click.option("--reason", required=True, help="Why: kept in the audit trail (and on the kill switch's banner).")


@flags.command("enable")
@click.argument("name")
@REASON
def flags_enable(name: str, reason: str) -> None:
    """Turn a flag on."""
    _change(reason, flag=name, enabled=True)


@flags.command("disable")
@click.argument("name")
@REASON
def flags_disable(name: str, reason: str) -> None:
    """Turn a flag off (``financial_orchestrator``: pause every money command)."""
    _change(reason, flag=name, enabled=False)


@flags.command("rollout")
@click.argument("name")
@click.argument("percentage", type=click.IntRange(0, 100))
@REASON
def flags_rollout(name: str, percentage: int, reason: str) -> None:
    """Roll a flag out to this percentage of agents (sticky: widening keeps everyone who was in)."""
    _change(reason, flag=name, rollout_percentage=percentage)


def _lists(name: str) -> tuple[set[str], set[str]]:
    forget_snapshot(current_app)
    state = snapshot().get(name)
    return (set(state.allow_list), set(state.deny_list)) if state else (set(), set())


@flags.command("allow")
@click.argument("name")
@click.argument("slug")
@REASON
def flags_allow(name: str, slug: str, reason: str) -> None:
    """Let this agent in, whatever the percentage (and take it off the deny-list)."""
    allow, deny = _lists(name)
    _change(reason, flag=name, allow_list=tuple(allow | {slug}), deny_list=tuple(deny - {slug}))


@flags.command("deny")
@click.argument("name")
@click.argument("slug")
@REASON
def flags_deny(name: str, slug: str, reason: str) -> None:
    """Keep this agent out, whatever the percentage (and take it off the allow-list)."""
    allow, deny = _lists(name)
    _change(reason, flag=name, allow_list=tuple(allow - {slug}), deny_list=tuple(deny | {slug}))


@flags.command("stale")
def flags_stale() -> None:
    """Flags past their "remove after" date: temporary adapters to retire (exit 1 when there are any)."""
    today = utcnow().date()
    stale = [flag for flag in CATALOG.values() if flag.stale(today)]
    for flag in stale:
        click.echo(f"{flag.name}: remove after {flag.remove_after} (owner {flag.owner})")
    if not stale:
        click.echo("no stale flags")
        return
    raise SystemExit(1)


def _revision() -> str:
    revision = os.environ.get("DEPLOY_REVISION")
    if revision:
        return revision
    try:
        found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return found.stdout.strip() or "unknown"


@flags.command("apply")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@click.option("--check", is_flag=True, help="Like --dry-run, and exit 2 when anything would change.")
@click.option("--revision", default=None, help="The deploy's revision (default: DEPLOY_REVISION, else git HEAD).")
def flags_apply(path: Path, dry_run: bool, check: bool, revision: str | None) -> None:
    """Make the flags match a flag file (deploy/flags/<environment>.toml), audited as deploy:<revision>."""
    try:
        changes = differences(db.session(), read_flag_file(path))
    except FlagFileError as error:
        raise click.ClickException(str(error)) from None
    db.session.rollback()
    for change in changes:
        click.echo(("would change " if dry_run or check else "change ") + change.describe())
    if not changes:
        click.echo(f"{path}: the flags already match; nothing to do")
        return
    if dry_run or check:
        if check:
            raise SystemExit(2)
        return
    actor = Actor("deploy", revision or _revision())
    for change in changes:
        want = change.desired
        key = "deploy-" + hashlib.sha256(f"{actor}|{change.describe()}".encode()).hexdigest()[:40]
        try:
            cli_runner(actor).run(ChangeFlag(
                idempotency_key=key, flag=want.flag, reason=want.reason, enabled=want.enabled,
                rollout_percentage=want.rollout_percentage, allow_list=want.allow, deny_list=want.deny,
            ))  # fmt: skip
        except DomainError as error:
            raise click.ClickException(f"{want.flag}: {error.message}") from None
    click.echo(f"applied {len(changes)} change(s) as {actor}")
