"""Form pieces every area shares."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, PasswordField, SelectField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp

from portal.commands.base import MAX_AMOUNT_MINOR, new_idempotency_key
from portal.domain import errors
from portal.domain.money import AmountTooLarge, InvalidAmount, parse_amount
from portal.domain.phones import to_e164
from portal.models.base import column_length
from portal.security.passwords import MIN_PASSWORD_LENGTH
from portal.web.formatting import format_money


def fits(column: Any) -> Length:
    """No longer than its column (``fits(Agent.name)``) or a number of characters, saying so at the field."""
    limit = column if isinstance(column, int) else column_length(column)
    return Length(max=limit, message="At most %(max)d characters; this has %(length)d.")


EMAIL_RULE = Email("Enter an e-mail address such as name@example.com.")

#: An amount as typed: "100,000,000,000.00" and a sign fit; anything longer is not an amount.
MAX_AMOUNT_TEXT = 32
MAX_PASSWORD_LENGTH = 1024
ZERO_HINT = "Enter an amount greater than zero."
SIGNED_ZERO_HINT = "Enter an amount other than zero: negative to debit, such as -12.50."
PASSWORD_RULE = Length(
    min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
    message=f"At least {MIN_PASSWORD_LENGTH} characters, at most {MAX_PASSWORD_LENGTH}.",
)  # fmt: skip


class ChoiceField(SelectField):
    """A select whose refusal of a value not on its list says what to do, not WTForms' "Not a valid choice"."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("invalid_choice_message", "Choose one of the options listed.")
        super().__init__(*args, **kwargs)


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


class PasswordChangeForm(IdempotentForm):
    """A person changing their own password, on the agent's profile and on the staff one alike."""

    current = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password."), fits(MAX_PASSWORD_LENGTH)]
    )
    new = PasswordField("New password", validators=[DataRequired("Enter a new password."), PASSWORD_RULE])
    confirm = PasswordField(
        "New password again",
        validators=[EqualTo("new", message="The two new passwords differ."), fits(MAX_PASSWORD_LENGTH)],
    )


class EndSessionForm(ActionForm):
    """The "End session" button of one of a person's own log-in sessions, named by its handle (never its token)."""

    handle = HiddenField(validators=[DataRequired(), Length(max=64)])


def amount_from(form: FlaskForm, field: str, currency: str, signed: bool = False) -> int:
    """The field's amount in minor units, from above zero to the largest the portal accepts (negative too when
    ``signed``); a refusal names the field and says what to change."""
    text = (form[field].data or "").strip()
    negative = signed and text.startswith(("-", "\u2212"))
    try:
        amount = parse_amount(text[1:] if negative else text, currency)
    except AmountTooLarge:
        raise errors.AmountNotValid(largest_amount_refusal(currency), field) from None
    except InvalidAmount as error:
        raise errors.AmountNotValid(str(error), field) from None
    if amount == 0:
        raise errors.AmountNotValid(SIGNED_ZERO_HINT if signed else ZERO_HINT, field)
    if amount > MAX_AMOUNT_MINOR:
        raise errors.AmountNotValid(largest_amount_refusal(currency), field)
    return -amount if negative else amount


def largest_amount_refusal(currency: str) -> str:
    """The refusal of an amount above ``MAX_AMOUNT_MINOR``, saying what that is in ``currency``."""
    return f"That is more than the largest amount the portal accepts ({format_money(MAX_AMOUNT_MINOR, currency)})."


def phone_from(form: FlaskForm, field: str) -> str | None:
    """The field's phone number in E.164, read in the configured default region (``PHONE_REGION``); empty is None."""
    typed = (form[field].data or "").strip()
    return to_e164(typed, current_app.config["PHONE_REGION"], field) if typed else None
