"""Form pieces every area shares."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField
from wtforms.validators import DataRequired, Length, Regexp

from portal.commands.base import new_idempotency_key
from portal.domain import errors
from portal.domain.money import InvalidAmount, parse_amount
from portal.security.passwords import MIN_PASSWORD_LENGTH

PASSWORD_RULE = Length(min=MIN_PASSWORD_LENGTH, max=1024, message=f"At least {MIN_PASSWORD_LENGTH} characters.")


class IdempotentForm(FlaskForm):
    """A form whose submissions carry one key: a double submit or a resubmit takes effect once."""

    idempotency_key = HiddenField(validators=[DataRequired(), Regexp(r"^[a-f0-9]{32}$")])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_submitted() and not self.idempotency_key.data:
            self.idempotency_key.data = new_idempotency_key()

    @property
    def key(self) -> str:
        """The submission's idempotency key (empty when missing: the command refuses it)."""
        return self.idempotency_key.data or ""


def text(field: Field) -> str:
    """What was typed in a text field, never None."""
    return field.data or ""


class ActionForm(IdempotentForm):
    """A button that changes something: CSRF token and idempotency key, nothing else."""


def amount_from(form: FlaskForm, field: str, currency: str, signed: bool = False) -> int:
    """The field's amount in minor units; a refusal names the field."""
    text = (form[field].data or "").strip()
    negative = signed and text.startswith("-")
    try:
        amount = parse_amount(text.removeprefix("-") if negative else text, currency)
    except InvalidAmount as error:
        raise errors.AmountNotValid(str(error), field) from None
    return -amount if negative else amount
