"""Forms of an agent's portal."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.web.forms import PASSWORD_RULE, IdempotentForm


class PayoutRequestForm(IdempotentForm):
    amount = StringField("Amount to pay out", validators=[DataRequired("Enter the amount to pay out.")])
    confirm_repeat = BooleanField("Yes, request another payout of this amount")


class AppearanceForm(IdempotentForm):
    display_name = StringField(
        "Display name", validators=[DataRequired("Enter the name your portal shows."), Length(max=80)]
    )
    welcome_text = TextAreaField("Welcome text", validators=[Length(max=500)])
    primary_color = StringField("Primary colour", validators=[DataRequired(), Length(max=7)])
    accent_color = StringField("Accent colour", validators=[DataRequired(), Length(max=7)])
    logo = FileField("Logo", description="PNG, JPEG or WebP, up to 1 MB and 2000×2000 pixels.")


class PasswordChangeForm(IdempotentForm):
    current = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])
    new = PasswordField("New password", validators=[DataRequired("Enter a new password."), PASSWORD_RULE])
    confirm = PasswordField("New password again", validators=[EqualTo("new", message="The two new passwords differ.")])
