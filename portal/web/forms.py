"""Turning refusals into what a person sees: the message next to the field, the right status."""

from __future__ import annotations

from flask_wtf import FlaskForm

from portal.domain import errors
from portal.domain.money import InvalidAmount, parse_amount


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
