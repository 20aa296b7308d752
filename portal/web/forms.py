"""Form pieces every area shares, and turning refusals into what a person sees."""

from __future__ import annotations

import uuid

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length, Regexp

from portal.domain import errors
from portal.domain.money import InvalidAmount, parse_amount
from portal.security.passwords import MIN_PASSWORD_LENGTH

PASSWORD_RULE = Length(min=MIN_PASSWORD_LENGTH, max=1024, message=f"At least {MIN_PASSWORD_LENGTH} characters.")


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class IdempotentForm(FlaskForm):
    """A form whose submissions carry one key: a double submit or a resubmit takes effect once."""

    idempotency_key = HiddenField(validators=[DataRequired(), Regexp(r"^[a-f0-9]{32}$")])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_submitted() and not self.idempotency_key.data:
            self.idempotency_key.data = new_idempotency_key()


class ActionForm(IdempotentForm):
    """A button that changes something: CSRF token and idempotency key, nothing else."""


def refusal_status(error: errors.DomainError) -> int:
    return error.http_status if error.http_status in (403, 404, 409, 503) else 422


def show_refusal(form: FlaskForm, error: errors.DomainError, field: str | None = None) -> int:
    """Put the refusal next to ``field`` (or at the top of the form); returns the HTTP status to answer."""
    if field and field in form and not isinstance(error, errors.ConcurrencyConflict | errors.IdempotencyConflict):
        form[field].errors = [*form[field].errors, error.message]
    else:
        form.form_errors.append(error.message)
    return refusal_status(error)


def amount_from(form: FlaskForm, field: str, currency: str, signed: bool = False) -> int | None:
    """The field's amount in minor units, or None with the reason shown next to the field."""
    text = (form[field].data or "").strip()
    negative = signed and text.startswith("-")
    try:
        amount = parse_amount(text.removeprefix("-") if negative else text, currency)
    except InvalidAmount as error:
        form[field].errors = [*form[field].errors, str(error)]
        return None
    return -amount if negative else amount
