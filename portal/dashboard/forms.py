"""Dashboard forms. Money is typed as text and parsed exactly in the agent's currency."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)

# types-WTForms lags behind WTForms 3.2, where choices are SelectChoice values.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from portal.models.billing import PaymentMethod
from portal.models.user import STAFF_ROLES
from portal.web.forms import PASSWORD_RULE, IdempotentForm

SLUG_HELP = "Lower-case letters, digits and dashes; it becomes the portal's address."
SLUG_RULE = Regexp(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$", message=SLUG_HELP)
CURRENCY_RULE = Regexp(r"^[A-Z]{3}$", message="Three capital letters, such as EUR.")
REASON_RULES = [DataRequired("Give a reason; it is kept in the audit trail."), Length(max=500)]


def percent_to_bps(text: str) -> int:
    try:
        value = Decimal((text or "").strip().rstrip("%").strip())
    except InvalidOperation:
        raise ValidationError("Enter a percentage such as 10 or 7.5.") from None
    if not value.is_finite():
        raise ValidationError("Enter a percentage such as 10 or 7.5.")
    bps = value * 100
    if bps != bps.to_integral_value() or not 0 <= bps <= 10_000:
        raise ValidationError("Enter a percentage between 0 and 100 with at most two decimals.")
    return int(bps)


class AgentForm(IdempotentForm):
    slug = StringField(
        "Portal address (slug)",
        validators=[
            DataRequired("Enter a slug."),
            Length(max=64),
            Regexp(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$", message=SLUG_HELP),
        ],
    )
    name = StringField("Agent name", validators=[DataRequired("Enter the agent's name."), Length(max=200)])
    email = EmailField(
        "Contact e-mail", validators=[DataRequired("Enter an e-mail address."), Email(), Length(max=254)]
    )
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    rate_percent = StringField("Commission rate (%)", validators=[DataRequired("Enter the commission rate.")])
    currency = StringField(
        "Currency", validators=[DataRequired(), Regexp(r"^[A-Z]{3}$", message="Three capital letters, such as EUR.")]
    )

    def validate_rate_percent(self, field) -> None:
        percent_to_bps(field.data)


class AgentEditForm(AgentForm):
    """The same fields; the slug and currency cannot change once money has moved."""


class ReasonForm(IdempotentForm):
    reason = TextAreaField(
        "Reason", validators=[DataRequired("Give a reason; it is kept in the audit trail."), Length(max=500)]
    )


class InvoiceForm(IdempotentForm):
    agent = StringField("Agent (slug)", validators=[DataRequired("Choose the agent."), Length(max=64)])
    customer_name = StringField("Customer", validators=[DataRequired("Enter the customer's name."), Length(max=200)])
    customer_email = EmailField("Customer e-mail", validators=[Optional(), Email(), Length(max=254)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=500)])
    amount = StringField("Amount", validators=[DataRequired("Enter the amount.")])
    due_date = DateField("Due date", validators=[DataRequired("Choose a due date.")])


class PaymentForm(IdempotentForm):
    amount = StringField("Amount received", validators=[DataRequired("Enter the amount received.")])
    method = SelectField("Method", choices=[SelectChoice(m, m.label) for m in PaymentMethod])
    instrument = StringField(
        "Card or account number",
        validators=[Optional(), Length(max=64)],
        description="Only the last four digits are kept.",
    )
    reference = StringField("Payment reference", validators=[Optional(), Length(max=120)])
    confirm_repeat = BooleanField("Yes, record another payment of this amount")


class RefundForm(IdempotentForm):
    amount = StringField("Amount to refund", validators=[DataRequired("Enter the amount to refund.")])
    reason = TextAreaField("Reason", validators=[DataRequired("Give a reason for the refund."), Length(max=500)])
    confirm_repeat = BooleanField("Yes, refund this amount again")


class AdjustmentForm(IdempotentForm):
    amount = StringField(
        "Adjustment", validators=[DataRequired("Enter the amount.")], description="Negative to debit, e.g. -12.50."
    )
    reason = TextAreaField("Reason", validators=[DataRequired("Give a reason for the adjustment."), Length(max=500)])
    confirm_repeat = BooleanField("Yes, adjust by this amount again")
    confirm_negative = BooleanField("Yes, take the available balance below zero")


class RejectForm(IdempotentForm):
    reason = TextAreaField("Reason for the agent", validators=[DataRequired("Tell the agent why."), Length(max=500)])


class SettingForm(IdempotentForm):
    value = StringField("New value", validators=[Length(max=4096)])


class SecretSettingForm(IdempotentForm):
    value = PasswordField("New secret value", validators=[DataRequired("Enter the new value."), Length(max=4096)])


class UserForm(IdempotentForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role", choices=[SelectChoice(r, r.capitalize()) for r in STAFF_ROLES])
    password = PasswordField("Initial password", validators=[DataRequired(), PASSWORD_RULE])


class UserEditForm(IdempotentForm):
    role = SelectField("Role", choices=[SelectChoice(r, r.capitalize()) for r in STAFF_ROLES])
    is_active = BooleanField("Can log in")


class AgentLoginForm(IdempotentForm):
    email = EmailField("Log-in e-mail", validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("Initial password", validators=[DataRequired(), PASSWORD_RULE])
