"""The overview: KPIs per currency and charts of collections and commissions over a date range."""

from __future__ import annotations

from flask import request

from portal import data_access
from portal.dashboard.blueprint import bp
from portal.web.charts import bar_chart
from portal.web.htmx import render_page
from portal.web.queries import currency, date_range


@bp.route("/")
def overview():
    period = date_range(request.args, data_access.today())
    figures = data_access.overview(period, currency(request.args))
    charts = []
    if figures.currency:
        days = period.days()
        charts = [
            bar_chart("Payments received per day", days, figures.collections, figures.currency),
            bar_chart("Commissions earned per day", days, figures.commissions, figures.currency),
        ]
    return render_page("dashboard/overview.html", "dashboard/_overview_body.html", figures=figures, charts=charts)
