"""The overview: KPIs per currency and charts of collections and commissions over a date range."""

from __future__ import annotations

from flask import request

from portal import data_access
from portal.dashboard.blueprint import bp
from portal.repositories.overview import DateRange
from portal.web.charts import bar_chart
from portal.web.htmx import render_page


@bp.route("/")
def overview():
    period = DateRange.parse(request.args, data_access.today())
    figures = data_access.overview(period, request.args.get("currency"))
    charts = []
    if figures.currency:
        days = period.days()
        charts = [
            bar_chart("Payments received per day", days, figures.collections, figures.currency),
            bar_chart("Commissions earned per day", days, figures.commissions, figures.currency),
        ]
    return render_page("dashboard/overview.html", "dashboard/_overview_body.html", figures=figures, charts=charts)
