"""Agents: the list, onboarding, editing, suspension, portal log-ins, wallet adjustments and the detail tabs."""

from __future__ import annotations

from flask import abort, current_app, flash, render_template, request, url_for

from portal import data_access
from portal.dashboard import bp
from portal.dashboard.forms import AdjustmentForm, AgentEditForm, AgentForm, AgentLoginForm, ReasonForm, percent_to_bps
from portal.domain.errors import DomainError
from portal.repositories.agents import AgentFilters
from portal.repositories.pages import PageRequest
from portal.services.accounts import create_agent_login
from portal.services.agents import AgentChanges, AgentDraft, create_agent, set_agent_status, update_agent
from portal.web.commands import orchestrator, unit
from portal.web.forms import amount_from, show_refusal
from portal.web.htmx import redirect_after_post, render_page


def _agent_or_404(agent_id: int):
    agent = data_access.agent_by_id(agent_id)
    if agent is None:
        abort(404)
    return agent


@bp.route("/agents")
def agents():
    filters = AgentFilters.parse(request.args)
    page = PageRequest.parse(request.args.get("page"), current_app.config["AGENTS_PER_PAGE"])
    listing = data_access.agents_overview(page, filters)
    return render_page("dashboard/agents.html", "dashboard/_agents_table.html", agents=listing, filters=filters)


@bp.route("/agents/new", methods=["GET", "POST"])
def agent_new():
    form = AgentForm()
    status = 200
    if form.validate_on_submit():
        draft = AgentDraft(
            slug=form.slug.data, name=form.name.data, email=form.email.data,
            commission_rate_bps=percent_to_bps(form.rate_percent.data), currency=form.currency.data,
            phone=form.phone.data,
        )  # fmt: skip
        try:
            agent_id = create_agent(unit("create_agent"), draft)
        except DomainError as error:
            status = show_refusal(form, error, "slug" if "slug" in error.message else None)
        else:
            flash(f"{draft.name} was added. Create a portal log-in so they can sign in.", "success")
            return redirect_after_post(url_for("dashboard.agent_detail", agent_id=agent_id))
    elif request.method == "POST":
        status = 422
    return render_template("dashboard/agent_form.html", form=form, agent=None), status


@bp.route("/agents/<int:agent_id>")
def agent_detail(agent_id: int):
    agent = _agent_or_404(agent_id)
    tab = request.args.get("tab", "invoices")
    tab = tab if tab in data_access.AGENT_TABS else "invoices"
    kind = request.args.get("kind", "")
    page = data_access.agent_tab(agent, tab, PageRequest.parse(request.args.get("page")), kind)
    return render_page(
        "dashboard/agent.html",
        "dashboard/_agent_tab.html",
        detail=data_access.agent_detail(agent),
        agent=agent,
        tab=tab,
        kind=kind,
        page=page,
    )


@bp.route("/agents/<int:agent_id>/edit", methods=["GET", "POST"])
def agent_edit(agent_id: int):
    agent = _agent_or_404(agent_id)
    form = AgentEditForm(
        data={"slug": agent.slug, "name": agent.name, "email": agent.email, "phone": agent.phone,
              "rate_percent": f"{agent.commission_rate_bps / 100:g}", "currency": agent.currency}
    ) if request.method == "GET" else AgentEditForm()  # fmt: skip
    status = 200
    if form.validate_on_submit():
        changes = AgentChanges(form.name.data, form.email.data, form.phone.data, percent_to_bps(form.rate_percent.data))
        try:
            update_agent(unit("update_agent"), agent.id, changes)
        except DomainError as error:
            status = show_refusal(form, error)
        else:
            flash("The agent's details were saved.", "success")
            return redirect_after_post(url_for("dashboard.agent_detail", agent_id=agent.id))
    elif request.method == "POST":
        status = 422
    return render_template("dashboard/agent_form.html", form=form, agent=agent), status


@bp.route("/agents/<int:agent_id>/status", methods=["GET", "POST"])
def agent_status(agent_id: int):
    agent = _agent_or_404(agent_id)
    target = "active" if agent.status == "suspended" else "suspended"
    form = ReasonForm()
    status = 200
    if form.validate_on_submit():
        try:
            set_agent_status(
                unit(f"{'reactivate' if target == 'active' else 'suspend'}_agent", form.reason.data), agent.id, target
            )
        except DomainError as error:
            status = show_refusal(form, error, "reason")
        else:
            flash(f"{agent.name} is now {target}.", "success")
            return redirect_after_post(url_for("dashboard.agent_detail", agent_id=agent.id))
    elif request.method == "POST":
        status = 422
    action = "Reactivate" if target == "active" else "Suspend"
    consequence = (
        "The agent's users can log in and request payouts again."
        if target == "active"
        else "The agent's users are logged out at once and cannot log in or request payouts. "
        "Payments can still be recorded."
    )
    return render_template(
        "dashboard/confirm.html", form=form, title=f"{action} {agent.name}?", consequence=consequence,
        submit=action, cancel=url_for("dashboard.agent_detail", agent_id=agent.id), danger=target == "suspended",
    ), status  # fmt: skip


@bp.route("/agents/<int:agent_id>/login", methods=["GET", "POST"])
def agent_login(agent_id: int):
    agent = _agent_or_404(agent_id)
    form = AgentLoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            create_agent_login(
                unit("create_agent_login"), agent.id, form.email.data, form.full_name.data, form.password.data
            )
        except DomainError as error:
            status = show_refusal(form, error, "email")
        else:
            flash(f"{form.email.data} can now log in to {agent.name}'s portal.", "success")
            return redirect_after_post(url_for("dashboard.agent_detail", agent_id=agent.id))
    elif request.method == "POST":
        status = 422
    return render_template("dashboard/agent_login_form.html", form=form, agent=agent), status


@bp.route("/agents/<int:agent_id>/adjust", methods=["GET", "POST"])
def wallet_adjust(agent_id: int):
    agent = _agent_or_404(agent_id)
    form = AdjustmentForm()
    status = 200
    if form.validate_on_submit():
        amount = amount_from(form, "amount", agent.currency, signed=True)
        if amount is None:
            status = 422
        else:
            try:
                result = orchestrator().adjust_wallet(
                    agent_id=agent.id, amount_minor=amount, currency=agent.currency, reason=form.reason.data,
                    idempotency_key=form.idempotency_key.data,
                )  # fmt: skip
            except DomainError as error:
                status = show_refusal(form, error, "amount")
            else:
                flash("This adjustment was already made." if result.replayed else "The wallet was adjusted.", "success")
                return redirect_after_post(url_for("dashboard.agent_detail", agent_id=agent.id, tab="ledger"))
    elif request.method == "POST":
        status = 422
    return render_template("dashboard/adjust_form.html", form=form, agent=agent), status
