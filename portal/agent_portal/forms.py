"""Forms of an agent's portal."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.domain.colours import FORMAT_HINT
from portal.models.agent import PortalAppearance
from portal.models.base import column_length
from portal.web.forms import MAX_AMOUNT_TEXT, IdempotentForm, fits

#: a colour longer than its column is refused in the words the command uses for any malformed colour
COLOUR_LENGTH = Length(max=column_length(PortalAppearance.primary_color), message=FORMAT_HINT)


class PayoutRequestForm(IdempotentForm):
    amount = StringField(
        "Amount to pay out", validators=[DataRequired("Enter the amount to pay out."), fits(MAX_AMOUNT_TEXT)]
    )
    confirm_repeat = BooleanField("Yes, request another payout of this amount")


class AppearanceForm(IdempotentForm):
    display_name = StringField(
        "Display name",
        validators=[DataRequired("Enter the name your portal shows."), fits(PortalAppearance.display_name)],
    )
    welcome_text = TextAreaField("Welcome text", validators=[fits(PortalAppearance.welcome_text)])
    primary_color = StringField(
        "Primary colour", validators=[DataRequired("Enter the primary colour, like #1d3557."), COLOUR_LENGTH]
    )
    accent_color = StringField(
        "Accent colour", validators=[DataRequired("Enter the accent colour, like #e76f51."), COLOUR_LENGTH]
    )
    logo = FileField("Logo", description="PNG, JPEG or WebP, up to 1 MB and 2000×2000 pixels.")
