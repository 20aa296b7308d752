"""The log-in forms: the password, then (for two-factor sign-in) a code."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email

from portal.models.user import User
from portal.web.forms import MAX_PASSWORD_LENGTH, fits


class LoginForm(FlaskForm):
    email = EmailField(
        "E-mail address",
        validators=[
            DataRequired("Enter your e-mail address."),
            Email("Enter a valid e-mail address."),
            fits(User.email),
        ],
    )
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), fits(MAX_PASSWORD_LENGTH)])


class CodeForm(FlaskForm):
    """The log-in's second step: a code from the app, or one of the recovery codes."""

    code = StringField(
        "Code from your authenticator app",
        validators=[DataRequired("Enter the six-digit code your app shows, or a recovery code."), fits(40)],
        render_kw={"autocapitalize": "off", "spellcheck": "false"},
    )
