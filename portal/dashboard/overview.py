"""The overview: the period's money against the previous period, balances per currency, and charts of the period."""

from __future__ import annotations

from flask import request

from portal import data_access
from portal.dashboard.blueprint import bp
from portal.dashboard.overview_figures import overview_charts, period_kpis
from portal.dashboard.overview_period import overview_period
from portal.web.comparison import previous_period_words
from portal.web.htmx import render_page
from portal.web.queries import currency


@bp.route("/")
def overview():
    period = overview_period(request.args, data_access.today())
    figures = data_access.overview(period.range, currency(request.args))
    return render_page(
        "dashboard/overview.html",
        "dashboard/_overview_body.html",
        period=period,
        figures=figures,
        kpis=period_kpis(figures),
        charts=overview_charts(figures),
        compared_with=previous_period_words(period.range.length),
    )
