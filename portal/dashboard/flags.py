"""Feature flags for admins: state and rollout, changes with a reason, the kill switch behind a confirmation."""

from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for

from portal import data_access
from portal.dashboard.blueprint import bp
from portal.dashboard.forms import FlagForm, SwitchForm
from portal.flags.catalog import CATALOG, FINANCIAL_ORCHESTRATOR
from portal.services.feature_flags import ChangeFlag
from portal.web.actor_names import name_actors
from portal.web.commands import confirm, submit_form
from portal.web.forms import text
from portal.web.fresh_authentication import needs_fresh_authentication


@bp.route("/flags")
def flags():
    views = data_access.flag_views()
    name_actors(views)
    return render_template("dashboard/flags.html", flags=views, kill_switch=FINANCIAL_ORCHESTRATOR)


def _slugs(field) -> tuple[str, ...]:
    return tuple(line.strip() for line in (field.data or "").replace(",", "\n").splitlines() if line.strip())


@bp.route("/flags/<name>", methods=["GET", "POST"])
def flag_edit(name: str):
    if name not in CATALOG or name == FINANCIAL_ORCHESTRATOR:
        abort(404)
    view = next(flag for flag in data_access.flag_views() if flag.definition.name == name)
    form = FlagForm()
    if request.method == "GET":
        form.enabled.data, form.rollout_percentage.data = view.enabled, view.rollout_percentage
        form.allow_list.data, form.deny_list.data = "\n".join(view.allow_list), "\n".join(view.deny_list)

    def done(result) -> str:
        confirm(result, f"{name} was saved.", f"{name} had been saved already.")
        return url_for("dashboard.flags")

    return submit_form(
        form,
        lambda: ChangeFlag(
            idempotency_key=form.key, flag=name, reason=text(form.reason), enabled=bool(form.enabled.data),
            rollout_percentage=form.rollout_percentage.data, allow_list=_slugs(form.allow_list),
            deny_list=_slugs(form.deny_list),
        ),
        done, "dashboard/flag_form.html", flag=view,
    )  # fmt: skip


@bp.route("/flags/financial_orchestrator/switch", methods=["GET", "POST"])
@needs_fresh_authentication("turn the money kill switch")
def flag_switch():
    """Pause or resume every money command: a deliberate act, confirmed, with a reason everyone is shown."""
    view = next(flag for flag in data_access.flag_views() if flag.definition.name == FINANCIAL_ORCHESTRATOR)
    form = SwitchForm()
    pausing = view.enabled

    def done(result) -> str:
        confirm(result, "Money commands are paused." if pausing else "Money commands run again.", "Already so.")
        return url_for("dashboard.flags")

    return submit_form(
        form,
        lambda: ChangeFlag(idempotency_key=form.key, flag=FINANCIAL_ORCHESTRATOR, enabled=not pausing,
                           reason=text(form.reason)),
        done, "dashboard/flag_switch.html", flag=view, pausing=pausing,
        overridden=current_app.config["FLAG_OVERRIDES"].get(FINANCIAL_ORCHESTRATOR),
    )  # fmt: skip
