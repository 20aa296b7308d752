"""Sensitive actions need a fresh proof of identity: the page asks for it where the action was, then carries on.

``needs_fresh_authentication(what)`` guards the POST of a dashboard view. When the log-in session last proved who
its person is (``LoginSession.authenticated_at``) more than ``REAUTHENTICATION_MINUTES`` ago, the view does not run;
the answer (200) is "Confirm it's you to <what>": the proof, and every field that was posted kept in hidden inputs,
to be sent to the same address — a page, or for htmx a fragment swapped where the ask was, posting with ``hx-post``.
Sent back with the proof, ``Reauthenticate`` checks it; if it holds the view runs in that same request on the data
first posted (its idempotency key too, so a resubmitted form still replays), else the ask comes again (422) with
the refusal at the field. Proofs are limited per account like every other password check.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Response, current_app, make_response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import RequestLimit
from flask_login import current_user

from portal import data_access
from portal.commands.base import new_idempotency_key
from portal.domain import errors
from portal.extensions import limiter
from portal.models.base import utcnow
from portal.services.authentication import token_hash
from portal.services.reauthentication import ProofRefused, Reauthenticate, proof_label, record_refusal
from portal.web.commands import run, units
from portal.web.htmx import wants_fragment
from portal.web.rate_limits import password_checks_of_this_account, seconds_to_wait, with_retry_after

#: The name the proof is posted under; every other field posted is carried through the ask as it was.
PROOF = "proof"
#: The attribute a guarded view carries (its ``what``), so a test can list every guarded endpoint.
MARK = "needs_fresh_authentication"


def needs_fresh_authentication(
    what: str, *, when: Callable[..., bool] | None = None, cancel: str | None = None
) -> Callable[[Callable[..., ResponseReturnValue]], Callable[..., ResponseReturnValue]]:
    """Run the view's POST only in a session that proved who its person is within ``REAUTHENTICATION_MINUTES``.

    ``what`` completes "Confirm it's you to …"; ``when(**view_args)`` limits the guard to some of the view's
    objects (a secret setting, not a plain one); ``cancel`` is the endpoint Cancel goes back to (by default the
    address itself, the form's page).
    """

    def decorate(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
        @functools.wraps(view)
        def guarded(**view_args: Any) -> ResponseReturnValue:
            if request.method != "POST" or (when is not None and not when(**view_args)):
                return view(**view_args)
            if PROOF in request.form:
                refusal = _reauthenticate(what)
                if refusal is not None:
                    return _ask(what, cancel, refusal)
            elif not _fresh():
                return _ask(what, cancel)
            return view(**view_args)

        def refused_for_now(limit: RequestLimit) -> Response:
            wait = seconds_to_wait(limit)
            message = f"Too many password attempts. Wait {wait} seconds, then try again."
            return with_retry_after(_ask(what, cancel, errors.InputNotValid(message), status=429), wait)

        limited = limiter.shared_limit(
            lambda: current_app.config["PASSWORD_CHECK_LIMIT_PER_ACCOUNT"], scope="reauthentication",
            key_func=password_checks_of_this_account, methods=["POST"],
            exempt_when=lambda: PROOF not in request.form, on_breach=refused_for_now,
        )(guarded)  # fmt: skip
        setattr(limited, MARK, what)
        return limited

    return decorate


def _fresh() -> bool:
    """The session proved who its person is within the window (a session without that moment never has)."""
    proved = data_access.session_authenticated_at(current_user.session_token or "")
    window = timedelta(minutes=current_app.config["REAUTHENTICATION_MINUTES"])
    return proved is not None and utcnow() - proved <= window


def _reauthenticate(what: str) -> errors.DomainError | None:
    """Check the posted proof for this session: None when it holds, else the refusal (a wrong proof audited)."""
    try:
        command = Reauthenticate(
            idempotency_key=new_idempotency_key(), user_id=current_user.id,
            token_hash=token_hash(current_user.session_token or ""), proof=request.form[PROOF], purpose=what,
        )  # fmt: skip
    except errors.DomainError as refusal:
        return refusal
    try:
        run(command)
    except ProofRefused as refusal:
        record_refusal(units(), command)
        return refusal
    except errors.DomainError as refusal:
        return refusal
    return None


def _ask(what: str, cancel: str | None, refusal: errors.DomainError | None = None, status: int = 0) -> Response:
    """The ask, page or fragment, carrying what was posted (the proof excepted) back to the same address."""
    if refusal is not None and not status:
        status = refusal.http_status if refusal.http_status in (403, 404, 409) else 422
    fragment = wants_fragment()
    address = request.full_path.rstrip("?")
    context = {
        "what": what, "address": address, "fragment": fragment,
        "proof_label": proof_label(data_access.two_factor_enrolled(current_user.id)),
        "carried": [(name, value) for name, value in request.form.items(multi=True) if name != PROOF],
        "cancel": url_for(cancel) if cancel else request.path,
        "field_id": "proof-" + re.sub(r"[^a-z0-9]+", "-", request.path.lower()).strip("-"),
        "field_error": refusal.message if refusal is not None and refusal.field == PROOF else None,
        "form_error": refusal.message if refusal is not None and refusal.field != PROOF else None,
        "minutes": current_app.config["REAUTHENTICATION_MINUTES"],
    }  # fmt: skip
    template = "dashboard/_reauthenticate.html" if fragment else "dashboard/reauthenticate.html"
    response = make_response(render_template(template, **context), status or 200)
    response.vary.add("HX-Request")
    # It carries what was typed (a new secret, a new person's first password): never kept by a cache.
    response.headers["Cache-Control"] = "no-store"
    return response
