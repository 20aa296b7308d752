"""Commands run from the command line: by a system actor, under this run's correlation id."""

from __future__ import annotations

import uuid

from flask import current_app

from portal.commands.runner import CommandRunner
from portal.extensions import db
from portal.observability.correlation import current_correlation_id
from portal.persistence.context import Actor, CommandContext
from portal.persistence.unit_of_work import UnitOfWorkFactory
from portal.services.running import command_runner
from portal.services.verification_runs import RecordVerification

CLI_ACTOR = Actor.system("cli")
VERIFY_ACTOR = Actor.system("verify")


def cli_context(actor: Actor = CLI_ACTOR) -> CommandContext:
    return CommandContext(actor=actor, correlation_id=current_correlation_id())


def cli_units(actor: Actor = CLI_ACTOR) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(db.session(), cli_context(actor))


def cli_runner(actor: Actor = CLI_ACTOR) -> CommandRunner:
    return command_runner(current_app, db.session(), cli_context(actor))


def record_run(check: str, violations: int, summary: str) -> None:
    """Keep this verification's outcome, for ``/metrics`` and the rollout's guardrails."""
    cli_runner(VERIFY_ACTOR).run(
        RecordVerification(idempotency_key=f"verify-{uuid.uuid4()}", check_name=check, violations=violations,
                           summary=summary)
    )  # fmt: skip
