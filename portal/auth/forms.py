"""The log-in form."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
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
