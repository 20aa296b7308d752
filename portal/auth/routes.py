"""Log-in and log-out routes."""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import RequestLimit
from flask_login import current_user, login_user, logout_user

from portal.auth.blueprint import bp
from portal.auth.branding import login_branding
from portal.auth.forms import CodeForm, LoginForm
from portal.auth.pending import await_code, forget_pending, pending_log_in
from portal.auth.sessions import home_for, login_page_for
from portal.extensions import db, limiter
from portal.models import User
from portal.repositories.settings import SettingsRepository
from portal.services.authentication import (
    LoginContext,
    LoginRefused,
    check_password,
    keep_password_hash_current,
    log_in,
    log_in_units,
    log_in_with_code,
    log_out,
)
from portal.services.running import second_factor
from portal.services.two_factor import CODE_GUESSES, WRONG_CODE, audit_refused_code, enrolled, required_for
from portal.web.commands import units
from portal.web.rate_limits import seconds_to_wait, with_retry_after
from portal.web.redirects import safe_next


def _context() -> LoginContext:
    return LoginContext(
        correlation_id=g.get("correlation_id"),
        request_ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
    )


def _account() -> str:
    return request.form.get("email", "").strip().lower()


def _account_from_this_address() -> str:
    """Guesses at one account from one address: someone guessing elsewhere cannot lock its owner out."""
    return f"account:{_account()}:from:{request.remote_addr}"


def _account_from_anywhere() -> str:
    """Guesses at one account from every address together: a slow, spread-out guesser is stopped too."""
    return f"account:{_account()}"


def _refused(response: Response) -> bool:
    """Only a wrong password or an unknown account counts against an account's limits."""
    return response.status_code == 401


def _login_page(form: LoginForm) -> str:
    """The log-in page: in the agent's branding at ``/portal/<slug>/login`` when that portal is open, else plain."""
    branding = login_branding((request.view_args or {}).get("slug"))
    return render_template("auth/login.html", form=form, brand=branding)


def login_refused_for_now(limit: RequestLimit) -> Response:
    """The log-in form again, kept filled in, saying how long to wait (429 with Retry-After)."""
    wait = seconds_to_wait(limit)
    form = LoginForm()
    form.form_errors.append(f"Too many log-in attempts. Wait {wait} seconds, then try again.")
    return with_retry_after(make_response(_login_page(form), 429), wait)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/favicon.ico")
def favicon():
    """Browsers and crawlers that ask for ``/favicon.ico`` without reading the page's icon link get the icon too."""
    response = Response((Path(current_app.static_folder or "") / "favicon.svg").read_bytes(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


# One view, so the branded log-in shares every limit (the limiter keys limits by the view) with /login.
@bp.route("/login", methods=["GET", "POST"])
@bp.route("/portal/<slug>/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], on_breach=login_refused_for_now)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_account_from_this_address,
    deduct_when=_refused,
    on_breach=login_refused_for_now,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE"], methods=["POST"], key_func=_account_from_anywhere,
    deduct_when=_refused, on_breach=login_refused_for_now,
)  # fmt: skip
def login(slug: str | None = None):
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        password = form.password.data or ""
        try:
            user = check_password(db.session(), form.email.data or "", password)
        except LoginRefused as refusal:
            form.form_errors.append(str(refusal))
            status = 401
        else:
            return _after_password(user, password, slug)
    elif request.method == "POST":
        status = 422
    return _login_page(form), status


def _after_password(user: User, password: str, slug: str | None) -> ResponseReturnValue:
    """The code step for someone with two-factor sign-in; else a session (only enrolment open, where required)."""
    next_url = safe_next(request.args.get("next"))
    if enrolled(db.session(), user.id):
        keep_password_hash_current(db.session(), user.id, password, _context())
        await_code(user.id, next_url)
        return redirect(url_for("auth.login_code", slug=slug), code=303)
    must_enrol = required_for(SettingsRepository(db.session()), user.role)
    user = log_in(db.session(), user.id, password, _context(), must_enrol_two_factor=must_enrol)
    session.clear()
    login_user(user)
    if must_enrol:
        return redirect(url_for("dashboard.profile_two_factor"), code=303)
    return redirect(next_url or home_for(user), code=303)


def _pending_account() -> str:
    """Code guesses count against the account whose password was given, wherever they come from."""
    pending = pending_log_in()
    return f"two-factor:{pending.user_id}" if pending else f"two-factor-from:{request.remote_addr}"


def codes_refused_for_now(limit: RequestLimit) -> Response:
    wait = seconds_to_wait(limit)
    form = CodeForm()
    form.form_errors.append(f"Too many codes tried. Wait {wait} seconds, then try again.")
    page = render_template("auth/code.html", form=form, brand=login_branding((request.view_args or {}).get("slug")))
    return with_retry_after(make_response(page, 429), wait)


@bp.route("/login/code", methods=["GET", "POST"])
@bp.route("/portal/<slug>/login/code", methods=["GET", "POST"])
@limiter.shared_limit(
    lambda: current_app.config["TWO_FACTOR_LIMIT_PER_ACCOUNT"], scope=CODE_GUESSES, methods=["POST"],
    key_func=_pending_account, deduct_when=_refused, on_breach=codes_refused_for_now,
)  # fmt: skip
def login_code(slug: str | None = None):
    """The log-in's second step: the code from the app (or a recovery code), once the password was right."""
    pending = pending_log_in()
    if pending is None:
        flash("Enter your password first. If you had, it was more than a few minutes ago: enter it again.", "info")
        return redirect(url_for("auth.login", slug=slug), code=303)
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = log_in_with_code(
                db.session(), second_factor(), pending.user_id, form.code.data or "", _context(), pending.since
            )
        except LoginRefused as spent:
            forget_pending()
            flash(str(spent), "info")
            return redirect(url_for("auth.login", slug=slug), code=303)
        if user is not None:
            session.clear()
            login_user(user)
            return redirect(pending.next_url or home_for(user), code=303)
        audit_refused_code(log_in_units(db.session(), pending.user_id, _context()), pending.user_id, "log_in")
        form.code.errors = [WRONG_CODE]
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/code.html", form=form, brand=login_branding(slug)), status


@bp.route("/logout", methods=["POST"])
def logout():
    page = login_page_for(current_user) if current_user.is_authenticated else url_for("auth.login")
    if current_user.is_authenticated and current_user.session_token:
        log_out(units(), current_user.session_token)
    logout_user()
    session.clear()
    flash("You have been logged out.", "info")
    return redirect(page, code=303)
