"""Running service commands on behalf of the logged-in user, in this request."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from portal.extensions import db
from portal.persistence.unit_of_work import Actor, UnitOfWork
from portal.services.financial_orchestrator import CommandContext, FinancialOrchestrator


def request_context() -> CommandContext:
    return CommandContext(
        actor=Actor.user(current_user.id), correlation_id=g.get("correlation_id"), request_ip=request.remote_addr
    )


def unit(command: str, reason: str | None = None) -> UnitOfWork:
    """A unit of work for ``command``, by the current user, carrying this request's id and address."""
    context = request_context()
    return UnitOfWork(
        db.session,
        command=command,
        actor=context.actor,
        correlation_id=context.correlation_id,
        request_ip=context.request_ip,
        reason=reason,
    )


def orchestrator() -> FinancialOrchestrator:
    return FinancialOrchestrator.for_session(db.session, request_context())
