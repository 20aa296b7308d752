"""Log-in and log-out routes."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal.auth import bp
from portal.auth.forms import LoginForm
from portal.auth.sessions import home_for
from portal.extensions import db
from portal.services.authentication import LoginContext, LoginRefused, log_in


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site, never another host or scheme."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = log_in(
                db.session,
                form.email.data,
                form.password.data,
                LoginContext(correlation_id=g.correlation_id, request_ip=request.remote_addr),
            )
        except LoginRefused as refusal:
            form.form_errors.append(str(refusal))
            status = 401
        else:
            session.clear()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or home_for(user), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    flash("You have been logged out.", "info")
    return redirect(url_for("auth.login"), code=303)
