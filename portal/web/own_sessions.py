"""A person's say over their own log-in: a new password, and ending the sessions they do not recognise.

The same on the staff dashboard's profile and on an agent's portal profile: each view names its pages and
templates, and these decide what is run and said. The session reading the page is known by its token's hash,
which never leaves the server: pages and forms name sessions by their handle.
"""

from __future__ import annotations

from flask import flash, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from portal import data_access
from portal.read.users import LoginRecord
from portal.services.accounts import ChangePassword, UserChanged
from portal.services.authentication import token_hash
from portal.services.login_sessions import EndLoginSession, EndOtherLoginSessions, SessionsEnded
from portal.web.commands import confirm, submit_action
from portal.web.forms import ActionForm, EndSessionForm, PasswordChangeForm, text


def this_session() -> str:
    """The hash of the token of the session reading the page ("" when the request carries none)."""
    token = current_user.session_token
    return token_hash(token) if token else ""


def change_password(form: PasswordChangeForm) -> ChangePassword:
    """The command the password form asks for: this session is kept, every other one ends."""
    return ChangePassword(
        idempotency_key=form.key, user_id=current_user.id, current=text(form.current), new=text(form.new),
        keep_token_hash=this_session() or None,
    )  # fmt: skip


def password_changed(result: UserChanged, back: str) -> str:
    """Say the password was changed, then go back to ``back``."""
    confirm(result, "Your password was changed; every other log-in was ended.", "Your password was already changed.")
    return back


def open_logins() -> list[LoginRecord]:
    """The sessions the profile lists: the person's own open ones, this one first."""
    return data_access.open_logins(current_user.id, current_user.session_token)


def end_session(back: str) -> ResponseReturnValue:
    """The "End session" button: end that one of the person's own sessions, then go back to ``back``."""
    form = EndSessionForm()

    def done(result: SessionsEnded) -> str:
        if result.ended or result.replayed:
            confirm(result, "That session was ended: whoever was using it is logged out.",
                    "That session had been ended already.")  # fmt: skip
        else:
            flash("That session had ended already.", "info")
        return back

    return submit_action(
        form,
        lambda: EndLoginSession(
            idempotency_key=form.key, user_id=current_user.id, handle=text(form.handle),
            current_token_hash=this_session(),
        ),
        done,
    )  # fmt: skip


def end_other_sessions(template: str, back: str) -> ResponseReturnValue:
    """ "End all other sessions": GET asks first (saying how many), POST ends them and goes back to ``back``."""
    form = ActionForm()
    if form.is_submitted():

        def done(result: SessionsEnded) -> str:
            if result.ended or result.replayed:
                confirm(result, "Every other session was ended: you are logged in here only.",
                        "Your other sessions had been ended already.")  # fmt: skip
            else:
                flash("There was no other session to end.", "info")
            return back

        return submit_action(
            form,
            lambda: EndOtherLoginSessions(
                idempotency_key=form.key, user_id=current_user.id, keep_token_hash=this_session()
            ),
            done,
        )
    others = [login for login in open_logins() if not login.current]
    return render_template(template, form=form, others=others, cancel=back)
