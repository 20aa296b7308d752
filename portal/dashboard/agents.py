"""Agents: the list, onboarding, editing, suspension, portal log-ins, wallet adjustments and the detail tabs."""

from __future__ import annotations

from flask import abort, current_app, request, url_for

from portal import data_access
from portal.dashboard.agent_tabs import AGENT_TABS, DEFAULT_TAB, LEDGER, TABS_BY_NAME, AgentTab
from portal.dashboard.blueprint import bp
from portal.dashboard.forms import AdjustmentForm, AgentEditForm, AgentForm, AgentLoginForm, ReasonForm, percent_to_bps
from portal.domain.money import format_money
from portal.domain.phones import readable
from portal.models.agent import AGENT_STATUSES, AgentStatus
from portal.read.agents import AgentProfile
from portal.services.accounts import CreateAgentLogin
from portal.services.agents import CreateAgent, SetAgentStatus, UpdateAgent
from portal.services.money.commands import AdjustWallet
from portal.web.actor_names import name_actors
from portal.web.commands import confirm, submit_form
from portal.web.forms import amount_from, phone_from, text
from portal.web.fresh_authentication import needs_fresh_authentication
from portal.web.htmx import render_page
from portal.web.queries import agent_filters, page_request


def _agent_or_404(agent_id: int) -> AgentProfile:
    agent = data_access.agent_by_id(agent_id)
    if agent is None:
        abort(404)
    return agent


def _agent_page(agent_id: int, tab: AgentTab = DEFAULT_TAB) -> str:
    if tab is DEFAULT_TAB:
        return url_for("dashboard.agent_detail", agent_id=agent_id)
    return url_for("dashboard.agent_detail", agent_id=agent_id, tab=tab.name)


@bp.route("/agents")
def agents():
    filters = agent_filters(request.args)
    page = page_request(request.args, current_app.config["AGENTS_PER_PAGE"])
    listing = data_access.agents_overview(page, filters)
    return render_page(
        "dashboard/agents.html", "dashboard/_agents_table.html", agents=listing, filters=filters,
        statuses=AGENT_STATUSES,
    )  # fmt: skip


@bp.route("/agents/new", methods=["GET", "POST"])
def agent_new():
    form = AgentForm()

    def done(result) -> str:
        confirm(result, f"{result.name} was added. Create a portal log-in so they can sign in.",
                f"{result.name} had been added already.")  # fmt: skip
        return _agent_page(result.agent_id)

    return submit_form(
        form,
        lambda: CreateAgent(
            idempotency_key=form.key, slug=text(form.slug), agent_name=text(form.name),
            email=text(form.email), commission_rate_bps=percent_to_bps(text(form.rate_percent)),
            currency=text(form.currency), phone=phone_from(form, "phone"),
        ),
        done, "dashboard/agent_form.html", agent=None,
    )  # fmt: skip


@bp.route("/agents/<int:agent_id>")
def agent_detail(agent_id: int):
    """The agent's header and one of its tabs; htmx swaps the tab alone."""
    agent = _agent_or_404(agent_id)
    tab = TABS_BY_NAME.get(request.args.get("tab", ""), DEFAULT_TAB)
    page = tab.read(agent, page_request(request.args))
    name_actors(page.items)
    return render_page(
        "dashboard/agent.html",
        "dashboard/_agent_tab.html",
        detail=data_access.agent_detail(agent),
        agent=agent,
        tabs=AGENT_TABS,
        tab=tab,
        page=page,
    )


def _as_typed(agent) -> dict:
    """The agent's details as the edit form shows them."""
    return {
        "slug": agent.slug, "name": agent.name, "email": agent.email,
        "phone": readable(agent.phone) if agent.phone else "",
        "rate_percent": f"{agent.commission_rate_bps / 100:g}", "currency": agent.currency,
    }  # fmt: skip


@bp.route("/agents/<int:agent_id>/edit", methods=["GET", "POST"])
def agent_edit(agent_id: int):
    agent = _agent_or_404(agent_id)
    form = AgentEditForm(data=_as_typed(agent)) if request.method == "GET" else AgentEditForm()

    def done(result) -> str:
        confirm(result, "The agent's details were saved.", "These changes had been saved already.")
        return _agent_page(agent.id)

    return submit_form(
        form,
        lambda: UpdateAgent(
            idempotency_key=form.key, agent_id=agent.id, agent_name=text(form.name),
            email=text(form.email), phone=phone_from(form, "phone"),
            commission_rate_bps=percent_to_bps(text(form.rate_percent)),
        ),
        done, "dashboard/agent_form.html", agent=agent,
    )  # fmt: skip


@bp.route("/agents/<int:agent_id>/status", methods=["GET", "POST"])
def agent_status(agent_id: int):
    agent = _agent_or_404(agent_id)
    target = AgentStatus.SUSPENDED if agent.active else AgentStatus.ACTIVE
    form = ReasonForm()

    def done(result) -> str:
        confirm(result, f"{agent.name} is now {target}.", f"{agent.name} was already {target}.")
        return _agent_page(agent.id)

    action = "Reactivate" if target == AgentStatus.ACTIVE else "Suspend"
    consequence = (
        "The agent's users can log in and request payouts again."
        if target == AgentStatus.ACTIVE
        else "The agent's users are logged out at once and cannot log in or request payouts. "
        "Payments can still be recorded."
    )
    return submit_form(
        form,
        lambda: SetAgentStatus(
            idempotency_key=form.key, agent_id=agent.id, status=target, reason=text(form.reason)
        ),
        done, "dashboard/confirm.html", title=f"{action} {agent.name}?", consequence=consequence, submit=action,
        cancel=_agent_page(agent.id), danger=target == AgentStatus.SUSPENDED,
    )  # fmt: skip


@bp.route("/agents/<int:agent_id>/login", methods=["GET", "POST"])
@needs_fresh_authentication("create a log-in for an agent")
def agent_login(agent_id: int):
    agent = _agent_or_404(agent_id)
    form = AgentLoginForm()

    def done(result) -> str:
        confirm(result, f"{result.email} can now log in to {agent.name}'s portal.",
                f"{result.email} could already log in.")  # fmt: skip
        return _agent_page(agent.id)

    return submit_form(
        form,
        lambda: CreateAgentLogin(
            idempotency_key=form.key, agent_id=agent.id, email=text(form.email),
            full_name=text(form.full_name), password=text(form.password),
        ),
        done, "dashboard/agent_login_form.html", agent=agent,
    )  # fmt: skip


@bp.route("/agents/<int:agent_id>/adjust", methods=["GET", "POST"])
@needs_fresh_authentication("adjust a wallet")
def wallet_adjust(agent_id: int):
    agent = _agent_or_404(agent_id)
    form = AdjustmentForm()

    def done(result) -> str:
        amount = format_money(result.amount_minor, result.currency)
        confirm(
            result, f"{agent.name}'s wallet was adjusted by {amount}.", f"This adjustment of {amount} was already made."
        )
        return _agent_page(agent.id, LEDGER)

    return submit_form(
        form,
        lambda: AdjustWallet(
            idempotency_key=form.key, agent_id=agent.id,
            amount_minor=amount_from(form, "amount", agent.currency, signed=True), currency=agent.currency,
            reason=text(form.reason), confirm_repeat=form.confirm_repeat.data,
            confirm_negative=form.confirm_negative.data,
        ),
        done, "dashboard/adjust_form.html", agent=agent,
    )  # fmt: skip
