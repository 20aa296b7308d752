"""The two-factor pages of a profile, the same for staff (dashboard) and agents (their portal).

Each area registers these views under its own endpoints (``<area>.profile_two_factor``
and the actions beside it) and renders them in its own layout. Codes typed on
these pages are limited like log-in codes, and a wrong one is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, flash, make_response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import RequestLimit
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Optional

from portal.commands.base import Command
from portal.domain import errors
from portal.extensions import db, limiter
from portal.models.base import utcnow
from portal.read.two_factor import two_factor_state
from portal.security.totp import new_recovery_codes
from portal.services.running import second_factor
from portal.services.two_factor import (
    CODE_GUESSES,
    BeginTwoFactorEnrolment,
    ConfirmTwoFactor,
    RemoveTwoFactor,
    RenewRecoveryCodes,
    TwoFactorChanged,
    audit_refused_code,
)
from portal.web.commands import run, show_refusal, units
from portal.web.forms import IdempotentForm, fits, text
from portal.web.htmx import redirect_after_post
from portal.web.own_sessions import this_session
from portal.web.rate_limits import seconds_to_wait, with_retry_after

CODE_HINT = "The six-digit code your app shows now, or one of your recovery codes."


class BeginForm(IdempotentForm):
    current_code = StringField("Code from your current app", validators=[Optional(), fits(40)])


class CodeActionForm(IdempotentForm):
    code = StringField(
        "Code from your app",
        validators=[DataRequired("Enter the six-digit code your app shows."), fits(40)],
        render_kw={"autocapitalize": "off", "spellcheck": "false"},
    )


class ConfirmForm(IdempotentForm):
    """The new app's first code: six digits only, so a phone shows its number pad."""

    code = StringField(
        "Code from your app",
        validators=[DataRequired("Enter the six-digit code your app shows."), fits(40)],
        render_kw={"inputmode": "numeric", "pattern": "[0-9 ]*"},
    )


@dataclass(frozen=True)
class Area:
    """Where the pages live: the endpoint prefix (``dashboard`` or ``agent_portal``) and the layout around them."""

    blueprint: str
    layout: str

    def url(self, action: str = "") -> str:
        return url_for(f"{self.blueprint}.profile_two_factor{'_' + action if action else ''}")


def _this_session() -> str | None:
    return this_session() or None


def _code_checks_of_this_account() -> str:
    return f"two-factor:{current_user.id}"


def _refused(response: Response) -> bool:
    return response.status_code == 422


#: blueprint name → the layout its two-factor pages are rendered in
_LAYOUTS: dict[str, str] = {}


def _codes_refused_for_now(limit: RequestLimit) -> Response:
    """The page again, saying how long to wait (429 with Retry-After)."""
    wait = seconds_to_wait(limit)
    area = Area(request.blueprint or "", _LAYOUTS.get(request.blueprint or "", "base.html"))
    form = CodeActionForm(formdata=None)
    form.form_errors.append(f"Too many codes tried. Wait {wait} seconds, then try again.")
    first = ConfirmForm(formdata=None)
    first.form_errors = form.form_errors
    body = _html(area, begin_form=_begin_refused(wait), confirm_form=first, renew_form=form, remove_form=form)
    return with_retry_after(make_response(body, 429), wait)


def _begin_refused(wait: int) -> BeginForm:
    form = BeginForm(formdata=None)
    form.form_errors.append(f"Too many codes tried. Wait {wait} seconds, then try again.")
    return form


def limit_codes(view: Callable[..., Any]) -> Callable[..., Any]:
    """Codes typed on these pages share the person's one budget of wrong codes with the log-in's code step."""
    return limiter.shared_limit(
        lambda: current_app.config["TWO_FACTOR_LIMIT_PER_ACCOUNT"], scope=CODE_GUESSES, methods=["POST"],
        key_func=_code_checks_of_this_account, deduct_when=_refused, on_breach=_codes_refused_for_now,
    )(view)  # fmt: skip


def page(area: Area, status: int = 200, **forms: IdempotentForm) -> ResponseReturnValue:
    """The two-factor page: its state, and each form (the one just sent, with its refusal, where given)."""
    return _html(area, **forms), status


def _html(area: Area, **forms: IdempotentForm) -> str:
    issuer = current_app.config["TWO_FACTOR_ISSUER"]
    state = two_factor_state(db.session(), second_factor(), current_user, issuer, _this_session(), utcnow())
    context = {
        "begin_form": forms.get("begin_form") or BeginForm(formdata=None),
        "confirm_form": forms.get("confirm_form") or ConfirmForm(formdata=None),
        "renew_form": forms.get("renew_form") or CodeActionForm(formdata=None),
        "remove_form": forms.get("remove_form") or CodeActionForm(formdata=None),
    }
    return render_template(
        "two_factor/manage.html", layout=area.layout, area=area, state=state, code_hint=CODE_HINT, **context
    )


def _attempt(
    area: Area, form: IdempotentForm, name: str, command: Callable[[], Command[TwoFactorChanged]]
) -> TwoFactorChanged | ResponseReturnValue:
    """Run the form's command; its refusal shows on the page beside that form (a wrong code is audited)."""
    if not form.validate_on_submit():
        return page(area, 422, **{name: form})
    built: Command[TwoFactorChanged] | None = None
    try:
        built = command()
        return run(built)
    except errors.DomainError as error:
        if error.field in ("code", "current_code") and built is not None:
            audit_refused_code(units(), current_user.id, built.name)
        return page(area, show_refusal(form, error), **{name: form})


def begin(area: Area) -> ResponseReturnValue:
    form = BeginForm()
    result = _attempt(area, form, "begin_form", lambda: BeginTwoFactorEnrolment(
        idempotency_key=form.key, user_id=current_user.id, current_code=text(form.current_code) or None,
        session_token_hash=_this_session(),
    ))  # fmt: skip
    if not isinstance(result, TwoFactorChanged):
        return result
    return redirect_after_post(area.url() + "#enrol")


def _recovery_codes_page(area: Area, result: TwoFactorChanged, codes: tuple[str, ...], done: str) -> str:
    """The one time the recovery codes are shown: in this answer, never stored in clear, never redirected."""
    shown = None if result.replayed else codes
    return render_template("two_factor/recovery_codes.html", layout=area.layout, area=area, codes=shown, done=done)


def confirm(area: Area) -> ResponseReturnValue:
    form = ConfirmForm()
    codes = new_recovery_codes()
    result = _attempt(area, form, "confirm_form", lambda: ConfirmTwoFactor(
        idempotency_key=form.key, user_id=current_user.id, code=text(form.code), recovery_codes=codes,
        session_token_hash=_this_session(),
    ))  # fmt: skip
    if not isinstance(result, TwoFactorChanged):
        return result
    return _recovery_codes_page(area, result, codes, "Two-factor sign-in is on.")


def renew(area: Area) -> ResponseReturnValue:
    form = CodeActionForm()
    codes = new_recovery_codes()
    result = _attempt(area, form, "renew_form", lambda: RenewRecoveryCodes(
        idempotency_key=form.key, user_id=current_user.id, code=text(form.code), recovery_codes=codes,
    ))  # fmt: skip
    if not isinstance(result, TwoFactorChanged):
        return result
    return _recovery_codes_page(area, result, codes, "New recovery codes were made; the earlier ones no longer work.")


def remove(area: Area) -> ResponseReturnValue:
    form = CodeActionForm()
    result = _attempt(area, form, "remove_form", lambda: RemoveTwoFactor(
        idempotency_key=form.key, user_id=current_user.id, code=text(form.code),
    ))  # fmt: skip
    if not isinstance(result, TwoFactorChanged):
        return result
    flash("Two-factor sign-in is off: your password alone signs you in now.", "success")
    return redirect_after_post(area.url())


def register(blueprint: Blueprint, layout: str) -> None:
    """Add the pages to ``blueprint`` under ``/profile/two-factor``, rendered in ``layout``."""
    area = Area(blueprint.name, layout)
    _LAYOUTS[blueprint.name] = layout
    blueprint.add_url_rule("/profile/two-factor", "profile_two_factor", lambda: page(area))
    actions: dict[str, Callable[[Area], ResponseReturnValue]] = {
        "begin": begin, "confirm": confirm, "recovery_codes": renew, "remove": remove,
    }  # fmt: skip
    for action, view in actions.items():
        endpoint = f"profile_two_factor_{action}"
        bound = limit_codes(_bound(endpoint, view, area))
        blueprint.add_url_rule(f"/profile/two-factor/{action.replace('_', '-')}", endpoint, bound, methods=["POST"])


def _bound(name: str, view: Callable[[Area], ResponseReturnValue], area: Area) -> Callable[[], ResponseReturnValue]:
    """``view`` for ``area``, named after its endpoint: the limiter keys each action's limit by that name."""

    def action() -> ResponseReturnValue:
        return view(area)

    action.__name__ = action.__qualname__ = name
    return action
