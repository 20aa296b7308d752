"""The agent's monthly statement: the page (``?month=YYYY-MM``, the last full month by default) and its CSV."""

from __future__ import annotations

from flask import g, render_template, request

from portal import data_access
from portal.agent_portal.blueprint import bp
from portal.exports.downloads import statement_download
from portal.web.months import month_picker, statement_month


@bp.route("/statement")
def statement():
    today = data_access.today()
    month = statement_month(request.args, today)
    return render_template(
        "portal/statement.html", statement=data_access.agent_statement(g.agent, month),
        picker=month_picker(month, today),
    )  # fmt: skip


@bp.route("/statement.csv")
def statement_csv():
    month = statement_month(request.args, data_access.today())
    return statement_download("portal", data_access.agent_statement(g.agent, month), g.agent)
