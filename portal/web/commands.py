"""Running commands for the logged-in user, in this request, and answering what a form or button sent.

Every form view has one skeleton, here once: validate the form, build the
command (which checks itself), run it, then answer 303 (or ``HX-Redirect``) to
the next page, or the form again with the refusal next to its field and the
refusal's status (422, or 409 for a conflict).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, flash, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.commands.base import Command, CommandResult
from portal.domain import errors
from portal.extensions import db
from portal.persistence.context import Actor, CommandContext
from portal.persistence.unit_of_work import UnitOfWorkFactory
from portal.services.running import command_runner
from portal.web.htmx import redirect_after_post

R = TypeVar("R", bound=CommandResult)


def request_context() -> CommandContext:
    return CommandContext(
        actor=Actor.user(current_user.id), correlation_id=g.get("correlation_id"), request_ip=request.remote_addr
    )


def units() -> UnitOfWorkFactory:
    """Units of work by the logged-in user, carrying this request's id and address."""
    return UnitOfWorkFactory(db.session, request_context())


def run(command: Command[R]) -> R:
    """Run ``command`` as the logged-in user, exactly once for its idempotency key."""
    return command_runner(current_app, db.session, request_context()).run(command)


def show_refusal(form: FlaskForm, error: errors.DomainError) -> int:
    """Put the refusal next to its field (or at the top of the form); returns the HTTP status to answer."""
    conflict = isinstance(error, errors.ConcurrencyConflict | errors.IdempotencyConflict)
    if error.field and error.field in form and not conflict:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        form.form_errors.append(error.message)
    return error.http_status if error.http_status in (403, 404, 409, 503) else 422


def submit_form(
    form: FlaskForm,
    command: Callable[[], Command[R]],
    done: Callable[[R], str],
    template: str,
    **context: Any,
) -> ResponseReturnValue:
    """Validate → run the command → ``done(result)`` (it flashes and names the next page), or the form again."""
    status = 200
    if form.validate_on_submit():
        try:
            result = run(command())
        except errors.DomainError as error:
            status = show_refusal(form, error)
        else:
            return redirect_after_post(done(result))
    elif request.method == "POST":
        status = 422
        if "idempotency_key" in form and form["idempotency_key"].errors:
            form.form_errors.append("This form has expired: reload the page and submit it again.")
    return render_template(template, form=form, **context), status


def submit_action(form: FlaskForm, command: Callable[[], Command[R]], done: Callable[[R], str]) -> ResponseReturnValue:
    """A button that changes something: run its command and go on; a refusal is answered with its status."""
    if not form.validate_on_submit():
        abort(400)
    return redirect_after_post(done(run(command())))


def confirm(result: CommandResult, message: str, replayed: str) -> None:
    """Flash what was done, or that it had been done already (a resubmitted form)."""
    flash(replayed if result.replayed else message, "info" if result.replayed else "success")
