"""The charts' scales and the period-over-period wording, without a database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.web.chart_scale import DAILY_LIMIT, ValueScale, axis_money, buckets, date_tick_indices, round_step
from portal.web.charts import Measure, bar_chart
from portal.web.comparison import change_since

MARCH = [date(2026, 3, 1) + timedelta(days=n) for n in range(31)]


@pytest.mark.parametrize(
    ("span", "step"), [(1, 1), (7, 2), (9_000, 2_000), (60_000, 20_000), (120_000, 50_000), (10**12, 2 * 10**11)]
)
def test_steps_are_one_two_or_five_times_a_power_of_ten_in_at_most_five_steps(span, step):
    assert round_step(span) == step
    assert span / step <= 5


@pytest.mark.parametrize("values", [[1], [55, 3], [12_000, -3_000], [-1], [999_999_999], [0, 7]])
def test_the_value_axis_covers_every_value_and_zero_on_round_lines(values):
    scale = ValueScale.covering(values)
    assert scale.low <= min([*values, 0]) and scale.high >= max([*values, 0])
    assert scale.low % scale.step == 0 and scale.high % scale.step == 0
    assert 0 in scale.values() and 2 <= len(scale.values()) <= 7


def test_axis_labels_drop_cents_only_when_every_line_is_whole():
    assert axis_money(150_000, "EUR", 50_000) == "€1,500"
    assert axis_money(40, "EUR", 20) == "€0.40"
    assert axis_money(-2_000, "EUR", 2_000) == "-€20"
    assert axis_money(5_000, "JPY", 1_000) == "¥5,000"
    assert axis_money(150_000_000, "EUR", 50_000_000) == "€1.5M"


def test_long_ranges_are_drawn_a_week_a_bar_and_the_last_week_may_be_short():
    assert len(buckets(MARCH)) == 31
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(DAILY_LIMIT + 8)]
    weeks = buckets(days)
    assert len(weeks) == 10 and weeks[0].days() == days[:7] and weeks[-1].days() == days[63:]
    assert sum(len(week.days()) for week in weeks) == len(days)


@pytest.mark.parametrize(("count", "ticks"), [(1, [0]), (5, [0, 1, 2, 3, 4]), (30, [0, 7, 14, 22, 29])])
def test_a_few_dates_are_labelled_first_and_last_included(count, ticks):
    assert date_tick_indices(count) == ticks


def test_a_chart_adds_each_day_once_and_its_bars_sit_on_zero():
    values = {MARCH[2]: 12_000, MARCH[9]: -3_000, date(2026, 4, 1): 99_999}
    chart = bar_chart(Measure("Commissions", "Commissions", "net of clawbacks"), MARCH, values, "EUR")
    assert chart.title == "Commissions per day (net of clawbacks)"
    assert chart.total == "€90.00" and chart.peak == "€120.00 (Mar 3, 2026)"
    zero = next(line.y for line in chart.gridlines if line.zero)
    up, down = chart.bars[2], chart.bars[9]
    assert up.y + up.height == pytest.approx(zero) and down.y == pytest.approx(zero) and down.negative
    assert up.height == pytest.approx(4 * down.height)
    assert [row.value for row in chart.rows if row.value != "€0.00"] == ["€120.00", "-€30.00"]


@pytest.mark.parametrize(
    ("current", "previous", "text", "against"),
    [
        (112, 100, "+12%", "vs previous 30 days (€1.00)"),
        (95, 100, "\u22125%", "vs previous 30 days (€1.00)"),
        (100, 100, "No change", "vs previous 30 days (€1.00)"),
        (250, 0, "+€2.50", "vs nothing in the previous 30 days"),
        (-100, -50, "\u2212100%", "vs previous 30 days (-€0.50)"),
    ],
)
def test_a_change_is_said_in_words_with_its_sign(current, previous, text, against):
    change = change_since(current, previous, "EUR", 30)
    assert (change.text, change.against) == (text, against)
    assert change.arrow in "▲▼="


def test_a_one_day_period_compares_with_the_day_before():
    assert change_since(1, 2, "EUR", 1).against == "vs previous day (€0.02)"
