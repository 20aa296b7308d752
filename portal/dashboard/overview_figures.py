"""What the overview shows of its figures: the period's KPIs, each against the previous period, and the charts.

A KPI and the chart of the same money share one ``Measure``, so they go by the same words ("Received (gross)") and,
both being sums of the same days, show the same total.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.read.overview import Overview
from portal.web.charts import BarChart, Measure, bar_chart
from portal.web.comparison import Change, change_since

RECEIVED = Measure("Payments received", "Received", "gross")
COMMISSIONS = Measure("Commissions", "Commissions", "net of clawbacks")


@dataclass(frozen=True)
class PeriodKpi:
    """One figure of the period, what it counts, and how it moved since the previous period."""

    label: str
    note: str
    amount_minor: int
    currency: str
    change: Change


def period_kpis(overview: Overview) -> list[PeriodKpi]:
    """Received (gross), refunded, net collected and commissions in the chosen currency; none without one."""
    row = overview.chosen
    if row is None:
        return []
    now, before, days = row.current, row.previous, overview.range.length

    def kpi(label: str, note: str, current: int, previous: int) -> PeriodKpi:
        return PeriodKpi(label, note, current, row.currency, change_since(current, previous, row.currency, days))

    return [
        kpi(RECEIVED.total_label, "Payments, before refunds", now.received_minor, before.received_minor),
        kpi("Refunded", "Refunds given in the period", now.refunded_minor, before.refunded_minor),
        kpi("Net collected", "Received less refunded", now.net_collected_minor, before.net_collected_minor),
        kpi(COMMISSIONS.total_label, "Earned less clawed back", now.commissions_minor, before.commissions_minor),
    ]


def overview_charts(overview: Overview) -> list[BarChart]:
    """Payments received (gross) and commissions (net of clawbacks) over the period, in the chosen currency."""
    if overview.currency is None:
        return []
    days = overview.range.days()
    return [
        bar_chart(RECEIVED, days, overview.received, overview.currency),
        bar_chart(COMMISSIONS, days, overview.commissions, overview.currency),
    ]
