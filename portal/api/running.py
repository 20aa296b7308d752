"""Running a command for the calling token, in this request: the same runner as every page and the CLI."""

from __future__ import annotations

from flask import current_app, g, request

from portal.api.principal import principal
from portal.commands.base import Command, R
from portal.extensions import db
from portal.persistence.context import CommandContext
from portal.services.running import command_runner


def run(command: Command[R]) -> R:
    """Run ``command`` as the token (``token:<id> (<owner>)`` on its audit events), exactly once for its key."""
    context = CommandContext(principal().actor, correlation_id=g.get("correlation_id"), request_ip=request.remote_addr)
    return command_runner(current_app, db.session, context).run(command)
