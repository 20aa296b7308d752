"""An agent's monthly statement for staff: the page (``?month=YYYY-MM``, the last full month by default) and its CSV."""

from __future__ import annotations

from flask import abort, render_template, request

from portal import data_access
from portal.dashboard.blueprint import bp
from portal.exports.downloads import statement_download
from portal.read.agents import AgentProfile
from portal.web.months import month_picker, statement_month


def _agent_or_404(agent_id: int) -> AgentProfile:
    agent = data_access.agent_by_id(agent_id)
    if agent is None:
        abort(404)
    return agent


@bp.route("/agents/<int:agent_id>/statement")
def agent_statement(agent_id: int):
    agent = _agent_or_404(agent_id)
    today = data_access.today()
    month = statement_month(request.args, today)
    return render_template(
        "dashboard/statement.html", agent=agent, statement=data_access.agent_statement(agent, month),
        picker=month_picker(month, today),
    )  # fmt: skip


@bp.route("/agents/<int:agent_id>/statement.csv")
def agent_statement_csv(agent_id: int):
    agent = _agent_or_404(agent_id)
    month = statement_month(request.args, data_access.today())
    return statement_download("dashboard", data_access.agent_statement(agent, month), agent)
