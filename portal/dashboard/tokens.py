"""API tokens: made by admins (the secret shown once, on the answer to the form), listed, revoked."""

from __future__ import annotations

from flask import abort, render_template, request, url_for

from portal import data_access
from portal.dashboard.blueprint import bp
from portal.dashboard.forms import ApiTokenForm
from portal.domain.errors import DomainError
from portal.models.base import utcnow
from portal.services.api_tokens import CreateApiToken, RevokeApiToken, new_secret
from portal.web.commands import confirm, run, show_refusal, submit_action
from portal.web.forms import ActionForm, text
from portal.web.fresh_authentication import needs_fresh_authentication


@bp.route("/tokens")
def tokens():
    return render_template("dashboard/tokens.html", tokens=data_access.api_tokens(), now=utcnow())


@bp.route("/tokens/new", methods=["GET", "POST"])
@needs_fresh_authentication("create an API token")
def token_new():
    form = ApiTokenForm()
    status = 200
    if form.validate_on_submit():
        secret = new_secret()
        try:
            result = run(CreateApiToken(
                idempotency_key=form.key, token_name=text(form.name), scope=text(form.scope),
                owner_role=text(form.owner), agent_id=_agent_id(form), days=int(form.days.data), secret=secret,
            ))  # fmt: skip
        except DomainError as error:
            status = show_refusal(form, error)
        else:
            # The one time the secret is shown: in this answer, never stored, never redirected through a cookie.
            shown = None if result.replayed else secret
            return render_template("dashboard/token_created.html", result=result, secret=shown), 201
    elif form.is_submitted():
        status = 422
    return render_template("dashboard/token_form.html", form=form), status


def _agent_id(form: ApiTokenForm) -> int | None:
    if form.owner.data != "agent":
        return None
    agent = data_access.agent_by_slug(text(form.agent_slug) or "")
    if agent is None:
        raise DomainError("There is no agent with that slug.", "agent_slug")
    return agent.id


@bp.route("/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@needs_fresh_authentication("revoke an API token")
def token_revoke(token_id: int):
    """GET asks first (what revoking does); POST revokes."""
    token = data_access.api_token(token_id)
    if token is None:
        abort(404)
    form = ActionForm()
    if request.method == "GET":
        return render_template("dashboard/token_revoke.html", token=token, form=form)

    def done(result) -> str:
        confirm(result, f"Token “{result.name}” was revoked: it opens nothing any more.", "Already revoked.")
        return url_for("dashboard.tokens")

    return submit_action(form, lambda: RevokeApiToken(idempotency_key=form.key, token_id=token_id), done)
