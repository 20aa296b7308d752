"""Dashboard forms. Money is typed as text and parsed exactly in the agent's currency."""

from __future__ import annotations

import re
from decimal import Decimal

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)

# types-WTForms lags behind WTForms 3.2, where choices are SelectChoice values.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, Regexp, ValidationError

from portal.models.agent import Agent
from portal.models.audit import AuditEvent
from portal.models.billing import Invoice, Payment, PaymentMethod, Refund
from portal.models.user import STAFF_ROLES, User
from portal.models.wallet import Payout, WalletTransaction
from portal.security.secure_settings import MAX_SECRET_LENGTH
from portal.web.forms import EMAIL_RULE, MAX_AMOUNT_TEXT, PASSWORD_RULE, ChoiceField, IdempotentForm, fits

_PERCENT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,4})?")
SLUG_HELP = "Lower-case letters, digits and dashes; it becomes the portal's address."
SLUG_RULE = Regexp(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$", message=SLUG_HELP)
#: "12.5%" or "7.25": a rate longer than this is not a percentage.
MAX_RATE_TEXT = 8
PERCENT_MESSAGE = "Enter a whole percentage from 0 to 100."
CURRENCY_RULE = Regexp(r"^[A-Z]{3}$", message="Three capital letters, such as EUR.")


def percent_to_bps(text: str) -> int:
    """``7.5`` (or ``7.5%``) as 750 basis points: ASCII digits, a dot for decimals, at most two of them."""
    typed = (text or "").strip().removesuffix("%").strip()
    if "," in typed:
        raise ValidationError("Use a dot for decimals, such as 7.5.")
    if not _PERCENT.fullmatch(typed):
        raise ValidationError("Enter a percentage such as 10 or 7.5.")
    bps = Decimal(typed) * 100
    if bps != bps.to_integral_value() or not 0 <= bps <= 10_000:
        raise ValidationError("Enter a percentage between 0 and 100 with at most two decimals.")
    return int(bps)


class AgentForm(IdempotentForm):
    slug = StringField(
        "Portal address (slug)",
        validators=[
            DataRequired("Enter a slug."),
            fits(Agent.slug),
            SLUG_RULE,
        ],
    )
    name = StringField("Agent name", validators=[DataRequired("Enter the agent's name."), fits(Agent.name)])
    email = EmailField(
        "Contact e-mail", validators=[DataRequired("Enter an e-mail address."), EMAIL_RULE, fits(Agent.email)]
    )
    phone = StringField(
        "Phone",
        validators=[Optional(), fits(Agent.phone)],
        description="With its country code, such as +44 20 7946 0958.",
    )
    rate_percent = StringField(
        "Commission rate (%)", validators=[DataRequired("Enter the commission rate."), fits(MAX_RATE_TEXT)]
    )
    currency = StringField(
        "Currency", validators=[DataRequired("Enter the currency."), fits(Agent.currency), CURRENCY_RULE]
    )

    def validate_rate_percent(self, field) -> None:
        percent_to_bps(field.data)


class AgentEditForm(AgentForm):
    """The same fields; the slug and currency cannot change once money has moved."""


class ReasonForm(IdempotentForm):
    reason = TextAreaField(
        "Reason", validators=[DataRequired("Give a reason; it is kept in the audit trail."), fits(AuditEvent.reason)]
    )


class DraftForm(IdempotentForm):
    """What a draft invoice says; the new-invoice form adds its agent, the edit form the version it started from."""

    customer_name = StringField(
        "Customer", validators=[DataRequired("Enter the customer's name."), fits(Invoice.customer_name)]
    )
    customer_email = EmailField("Customer e-mail", validators=[Optional(), EMAIL_RULE, fits(Invoice.customer_email)])
    description = TextAreaField("Description", validators=[Optional(), fits(Invoice.description)])
    amount = StringField("Amount", validators=[DataRequired("Enter the amount."), fits(MAX_AMOUNT_TEXT)])
    # Longer than a code, so that "EURO" hears the code it should be, not a length.
    currency = StringField("Currency", validators=[Optional(), fits(16)])
    # types-WTForms lags here too: WTForms 3.1 added invalid_value_message.
    due_date = DateField(  # type: ignore[call-arg]
        "Due date",
        validators=[InputRequired("Choose a due date.")],
        invalid_value_message="There is no such date: use YYYY-MM-DD, such as 2027-06-30.",
    )


class InvoiceForm(DraftForm):
    agent = StringField("Agent (slug)", validators=[DataRequired("Choose the agent."), fits(Agent.slug)])
    confirm_repeat = BooleanField("Yes, create another draft like it")


class DraftEditForm(DraftForm):
    version = HiddenField()


class PaymentForm(IdempotentForm):
    amount = StringField(
        "Amount received", validators=[DataRequired("Enter the amount received."), fits(MAX_AMOUNT_TEXT)]
    )
    method = ChoiceField("Method", choices=[SelectChoice(m, m.label) for m in PaymentMethod])
    instrument = StringField(
        "Card or account number",
        validators=[Optional(), fits(64)],
        description="Only the last four digits are kept.",
    )
    reference = StringField("Payment reference", validators=[Optional(), fits(Payment.external_reference)])
    confirm_repeat = BooleanField("Yes, record another payment of this amount")


class RefundForm(IdempotentForm):
    amount = StringField(
        "Amount to refund", validators=[DataRequired("Enter the amount to refund."), fits(MAX_AMOUNT_TEXT)]
    )
    reason = TextAreaField("Reason", validators=[DataRequired("Give a reason for the refund."), fits(Refund.reason)])
    confirm_repeat = BooleanField("Yes, refund this amount again")


class AdjustmentForm(IdempotentForm):
    amount = StringField(
        "Adjustment",
        validators=[DataRequired("Enter the amount."), fits(MAX_AMOUNT_TEXT)],
        description="Negative to debit, e.g. -12.50.",
    )
    reason = TextAreaField(
        "Reason", validators=[DataRequired("Give a reason for the adjustment."), fits(WalletTransaction.reason)]
    )
    confirm_repeat = BooleanField("Yes, adjust by this amount again")
    confirm_negative = BooleanField("Yes, take the available balance below zero")


class RejectForm(IdempotentForm):
    reason = TextAreaField(
        "Reason for the agent", validators=[DataRequired("Tell the agent why."), fits(Payout.rejection_reason)]
    )


class SettingForm(IdempotentForm):
    value = StringField("New value", validators=[fits(MAX_SECRET_LENGTH)])


class SecretSettingForm(IdempotentForm):
    value = PasswordField(
        "New secret value", validators=[DataRequired("Enter the new value."), fits(MAX_SECRET_LENGTH)]
    )


class UserForm(IdempotentForm):
    email = EmailField(
        "E-mail", validators=[DataRequired("Enter the e-mail address they log in with."), EMAIL_RULE, fits(User.email)]
    )
    full_name = StringField("Name", validators=[DataRequired("Enter their name."), fits(User.full_name)])
    role = ChoiceField("Role", choices=[SelectChoice(r, r.capitalize()) for r in STAFF_ROLES])
    password = PasswordField(
        "Initial password", validators=[DataRequired("Choose an initial password."), PASSWORD_RULE]
    )


class UserEditForm(IdempotentForm):
    role = ChoiceField("Role", choices=[SelectChoice(r, r.capitalize()) for r in STAFF_ROLES])
    is_active = BooleanField("Can log in")


class AgentLoginForm(IdempotentForm):
    email = EmailField(
        "Log-in e-mail",
        validators=[DataRequired("Enter the e-mail address they log in with."), EMAIL_RULE, fits(User.email)],
    )
    full_name = StringField("Name", validators=[DataRequired("Enter their name."), fits(User.full_name)])
    password = PasswordField(
        "Initial password", validators=[DataRequired("Choose an initial password."), PASSWORD_RULE]
    )


class ApiTokenForm(IdempotentForm):
    name = StringField("What it is for", validators=[DataRequired("Name the integration."), fits(80)])
    scope = ChoiceField(
        "Scope",
        choices=[
            SelectChoice("read", "Read"),
            SelectChoice("write", "Write (and read)"),
            SelectChoice("admin", "Admin: staff-only changes (and write)"),
        ],
    )
    owner = ChoiceField(
        "Acts as",
        choices=[
            *(SelectChoice(r, f"{r.capitalize()} (staff role)") for r in STAFF_ROLES),
            SelectChoice("agent", "One agent"),
        ],
    )
    agent_slug = StringField("Agent's slug (for one agent)", validators=[Optional(), fits(Agent.slug)])
    days = ChoiceField("Expires after", choices=[SelectChoice(d, f"{d} days") for d in ("30", "90", "180", "366")],
                       default="90")  # fmt: skip


class FlagForm(IdempotentForm):
    enabled = BooleanField("On")
    rollout_percentage = IntegerField(  # type: ignore[call-arg]
        "Rollout (% of agents)",
        invalid_value_message=PERCENT_MESSAGE,
        validators=[InputRequired(PERCENT_MESSAGE), NumberRange(0, 100, PERCENT_MESSAGE)],
    )
    allow_list = TextAreaField("Always in (agents' slugs, one per line)", validators=[Optional(), fits(20_000)])
    deny_list = TextAreaField("Always out (agents' slugs, one per line)", validators=[Optional(), fits(20_000)])
    reason = TextAreaField("Reason for the change", validators=[DataRequired("Say why: it is kept in the audit trail."),
                                                                fits(500)])  # fmt: skip


class SwitchForm(IdempotentForm):
    reason = TextAreaField(
        "Reason (shown on every page while money is paused)",
        validators=[DataRequired("Say why: it is shown to everyone and kept."), fits(500)],
    )
