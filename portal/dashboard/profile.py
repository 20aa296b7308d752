"""A staff member's own profile: their password, and the log-in sessions open in their name."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from portal import data_access
from portal.dashboard.blueprint import bp
from portal.web import own_sessions
from portal.web.commands import submit_form
from portal.web.forms import PasswordChangeForm
from portal.web.rate_limits import limit_password_checks


def _profile_page() -> str:
    return url_for("dashboard.profile")


@bp.route("/profile", methods=["GET", "POST"])
@limit_password_checks
def profile():
    form = PasswordChangeForm()
    return submit_form(
        form, lambda: own_sessions.change_password(form),
        lambda result: own_sessions.password_changed(result, _profile_page()),
        "dashboard/profile.html", logins=own_sessions.open_logins(),
        two_factor=data_access.two_factor_enrolled(current_user.id),
    )  # fmt: skip


@bp.route("/profile/sessions/end", methods=["POST"])
def profile_session_end():
    return own_sessions.end_session(_profile_page())


@bp.route("/profile/sessions/end-others", methods=["GET", "POST"])
def profile_sessions_end_others():
    """GET asks first; POST ends every session but this one."""
    return own_sessions.end_other_sessions("dashboard/profile_end_sessions.html", _profile_page())
