"""Bar charts drawn as SVG by the server: the geometry is computed here, the template only draws it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.web.formatting import format_day, format_money

WIDTH, HEIGHT = 720, 220
LEFT, BOTTOM, TOP = 8, 24, 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str
    negative: bool


@dataclass(frozen=True)
class BarChart:
    title: str
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    peak_label: str
    first_label: str
    last_label: str
    total_label: str
    empty: bool


def bar_chart(title: str, days: list[date], values: dict[date, int], currency: str) -> BarChart:
    """One bar per day; negative days (more refunded than paid) hang below the baseline."""
    amounts = [values.get(day, 0) for day in days]
    peak = max((abs(a) for a in amounts), default=0) or 1
    has_negative = any(a < 0 for a in amounts)
    plot_height = HEIGHT - BOTTOM - TOP
    baseline = TOP + (plot_height / 2 if has_negative else plot_height)
    scale = (plot_height / 2 if has_negative else plot_height) / peak
    slot = (WIDTH - LEFT) / max(len(days), 1)
    bars = []
    for index, (day, amount) in enumerate(zip(days, amounts, strict=True)):
        height = abs(amount) * scale
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.15, 2),
                y=round(baseline - height if amount >= 0 else baseline, 2),
                width=round(slot * 0.7, 2),
                height=round(max(height, 0.0), 2),
                title=f"{format_day(day)}: {format_money(amount, currency)}",
                negative=amount < 0,
            )
        )
    return BarChart(
        title=title,
        width=WIDTH,
        height=HEIGHT,
        baseline=round(baseline, 2),
        bars=bars,
        peak_label=format_money(max(amounts, default=0), currency),
        first_label=format_day(days[0]) if days else "",
        last_label=format_day(days[-1]) if days else "",
        total_label=format_money(sum(amounts), currency),
        empty=not any(amounts),
    )
