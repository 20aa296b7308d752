"""Bar charts drawn as SVG by the server: the geometry and every label are computed here, the template only draws.

The drawing has no ``viewBox``, so its text is never scaled down on a phone: across, positions are percentages of
the plot's width; down, they are pixels of a plot ``HEIGHT`` tall. Money labels sit in a narrow column of their own
(``axis_width`` pixels) beside the plot, level with the gridlines. Each bar has a focusable, hoverable point that
shows its value, and the same figures are laid out as a table (``rows``) for screen readers and for anyone who
would rather read numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from portal.web.chart_scale import Bucket, ValueScale, axis_money, bucket_unit, buckets, date_tick_indices
from portal.web.formatting import format_money

#: pixels: the empty band above the tallest bar (room for its value), the plot, the band of dates below
TOP, PLOT, BOTTOM = 22, 180, 26
HEIGHT = TOP + PLOT + BOTTOM
#: the share of its slot a bar fills
BAR_SHARE = 0.7
#: an estimate of one character's width in the axis labels (12 px system font), to size their column
CHAR_WIDTH = 7
AXIS_PADDING = 12


@dataclass(frozen=True)
class Measure:
    """What a chart adds up: ``Payments received`` per day, totalled as ``Received``, on a ``gross`` basis."""

    name: str
    total_name: str
    basis: str

    @property
    def total_label(self) -> str:
        """``Received (gross)``: the words every total of this measure goes by, on a chart or beside it."""
        return f"{self.total_name} ({self.basis})"


@dataclass(frozen=True)
class Gridline:
    y: float
    label: str
    zero: bool


@dataclass(frozen=True)
class DateTick:
    x: float
    label: str
    anchor: str
    minor: bool


@dataclass(frozen=True)
class Bar:
    """One bar and its point: the slot that takes focus and hover, and where its value is written."""

    x: float
    width: float
    y: float
    height: float
    slot_x: float
    slot_width: float
    value_x: float
    value_y: float
    value_anchor: str
    label: str
    value: str
    negative: bool


@dataclass(frozen=True)
class Row:
    """One line of the chart's table."""

    label: str
    value: str


@dataclass(frozen=True)
class BarChart:
    key: str
    title: str
    unit: str
    range_label: str
    total_label: str
    total: str
    peak_label: str
    peak: str
    summary: str
    height: int
    top: int
    plot_height: int
    tick_y: int
    axis_width: int
    gridlines: list[Gridline]
    ticks: list[DateTick]
    bars: list[Bar]
    rows: list[Row]
    empty: bool


def bar_chart(measure: Measure, days: list[date], values: dict[date, int], currency: str) -> BarChart:
    """One bar per day (a week, over long ranges); negative bars (more refunded or clawed back) hang below zero."""
    groups = buckets(days)
    amounts = [sum(values.get(day, 0) for day in group.days()) for group in groups]
    scale = ValueScale.covering(amounts)
    unit = bucket_unit(days)
    total = format_money(sum(amounts), currency)
    peak_index = max(range(len(amounts)), key=lambda n: amounts[n], default=None)
    peak = (
        f"{format_money(amounts[peak_index], currency)} ({groups[peak_index].label})" if peak_index is not None else ""
    )
    range_label = Bucket(groups[0].first, groups[-1].last).label if groups else ""
    title = f"{measure.name} per {unit} ({measure.basis})"
    slot = 100 / max(len(groups), 1)
    bars = [
        _bar(index, slot, amount, scale, group.label, format_money(amount, currency))
        for index, (group, amount) in enumerate(zip(groups, amounts, strict=True))
    ]
    labels = [axis_money(value, currency, scale.step) for value in scale.values()]
    return BarChart(
        key="chart-" + re.sub(r"[^a-z0-9]+", "-", measure.name.lower()).strip("-"),
        title=title,
        unit=unit,
        range_label=range_label,
        total_label=measure.total_label,
        total=total,
        peak_label=f"Highest {unit}",
        peak=peak,
        summary=f"{title}, {range_label}: {measure.total_label} {total}; highest {unit} {peak}.",
        height=HEIGHT,
        top=TOP,
        plot_height=PLOT,
        tick_y=HEIGHT - 8,
        axis_width=max(len(label) for label in labels) * CHAR_WIDTH + AXIS_PADDING,
        gridlines=[
            Gridline(y=_y(scale, value), label=label, zero=value == 0)
            for value, label in zip(scale.values(), labels, strict=True)
        ],
        ticks=_date_ticks(groups, slot),
        bars=bars,
        rows=[Row(group.label, bar.value) for group, bar in zip(groups, bars, strict=True)],
        empty=not any(amounts),
    )


def _y(scale: ValueScale, amount: int) -> float:
    """Pixels from the top of the drawing to ``amount``."""
    return round(TOP + PLOT * (1 - scale.fraction(amount)), 2)


def _bar(index: int, slot: float, amount: int, scale: ValueScale, label: str, value: str) -> Bar:
    zero, level = _y(scale, 0), _y(scale, amount)
    # A small amount still shows as a sliver, so a day with money never looks like a day without.
    height = max(abs(zero - level), 1.0) if amount else 0.0
    top = zero - height if amount >= 0 else zero
    centre = (index + 0.5) * slot
    anchor = "start" if centre < 12 else "end" if centre > 88 else "middle"
    return Bar(
        x=round(index * slot + slot * (1 - BAR_SHARE) / 2, 3),
        width=round(slot * BAR_SHARE, 3),
        y=round(top, 2),
        height=round(height, 2),
        slot_x=round(index * slot, 3),
        slot_width=round(slot, 3),
        value_x=round({"start": index * slot, "end": (index + 1) * slot}.get(anchor, centre), 3),
        value_y=round((top if amount >= 0 else zero) - 6, 2),
        value_anchor=anchor,
        label=label,
        value=value,
        negative=amount < 0,
    )


def _date_ticks(groups: list[Bucket], slot: float) -> list[DateTick]:
    indices = date_tick_indices(len(groups))
    ticks = []
    for position, index in enumerate(indices):
        first, last = position == 0, position == len(indices) - 1
        anchor = "start" if first and len(indices) > 1 else "end" if last and len(indices) > 1 else "middle"
        x = {"start": index * slot, "end": (index + 1) * slot}.get(anchor, (index + 0.5) * slot)
        ticks.append(DateTick(round(x, 3), groups[index].short_label, anchor, minor=position % 2 == 1 and not last))
    return ticks
