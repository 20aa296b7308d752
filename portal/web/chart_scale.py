"""The scales of the server-drawn charts: round money steps up the side, days or weeks along the bottom.

A value axis steps by 1, 2 or 5 times a power of ten (in minor units), from a multiple of the step at or below the
lowest value to one at or above the highest, so every gridline has a round label. Bars are days up to
``DAILY_LIMIT`` days, else weeks counted from the first day (the last week may be shorter). Only a few dates are
labelled along the bottom: ``DATE_TICKS`` of them, and on a phone every other one of those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from babel import Locale
from babel.dates import format_interval, format_skeleton
from babel.numbers import format_compact_currency, format_currency

from portal.domain.money import minor_unit_exponent, to_major
from portal.web.formatting import format_day, format_money, viewer_locale

#: the longest range drawn as one bar a day; longer ranges are drawn a bar a week
DAILY_LIMIT = 62
#: how many dates the bottom axis labels (at most)
DATE_TICKS = 5
#: about how many steps the value axis is divided into (between 2 and this many)
VALUE_STEPS = 5
#: from this many major units an axis label is written short ("€1.2M")
COMPACT_FROM = 1_000_000
_FRACTION = re.compile(r"\.[0#]+")


@dataclass(frozen=True)
class Bucket:
    """The days one bar adds up: one day, or a week."""

    first: date
    last: date

    @property
    def label(self) -> str:
        """The bar's days in words: ``Mar 3, 2026``, or ``Mar 3 – 9, 2026`` for a week."""
        if self.first == self.last:
            return format_day(self.first)
        return format_interval(self.first, self.last, "yMMMd", locale=viewer_locale())

    def days(self) -> list[date]:
        """Every day of the bucket, in order."""
        return [date.fromordinal(n) for n in range(self.first.toordinal(), self.last.toordinal() + 1)]

    @property
    def short_label(self) -> str:
        """The first day, short (``Mar 3``), for the bottom axis."""
        return format_skeleton("MMMd", self.first, locale=viewer_locale())


def buckets(days: list[date]) -> list[Bucket]:
    """One bucket per day up to ``DAILY_LIMIT`` days, else one per week from the first day."""
    if len(days) <= DAILY_LIMIT:
        return [Bucket(day, day) for day in days]
    return [Bucket(days[n], days[min(n + 6, len(days) - 1)]) for n in range(0, len(days), 7)]


def bucket_unit(days: list[date]) -> str:
    """``day`` or ``week``: what one bar of these days stands for."""
    return "day" if len(days) <= DAILY_LIMIT else "week"


def date_tick_indices(count: int) -> list[int]:
    """Which of ``count`` bars get a date label: the first, the last and a few evenly between."""
    if count <= DATE_TICKS:
        return list(range(count))
    return sorted({round(n * (count - 1) / (DATE_TICKS - 1)) for n in range(DATE_TICKS)})


@dataclass(frozen=True)
class ValueScale:
    """A value axis from ``low`` to ``high`` (minor units) in steps of ``step``; ``low <= 0 <= high``."""

    low: int
    high: int
    step: int

    @classmethod
    def covering(cls, values: list[int]) -> ValueScale:
        """The round axis that holds every value and zero."""
        top, bottom = max(max(values, default=0), 0), min(min(values, default=0), 0)
        step = round_step(top - bottom)
        return cls(low=bottom // step * step, high=-(-top // step) * step, step=step)

    def values(self) -> list[int]:
        """Every gridline's value, lowest first."""
        return list(range(self.low, self.high + 1, self.step))

    def fraction(self, amount: int) -> float:
        """Where ``amount`` sits between ``low`` (0.0) and ``high`` (1.0)."""
        return (amount - self.low) / ((self.high - self.low) or 1)


def round_step(span: int) -> int:
    """The step of 1, 2 or 5 times a power of ten that divides ``span`` into at most ``VALUE_STEPS`` steps."""
    least = max(1, -(-span // VALUE_STEPS))
    magnitude = 10 ** (len(str(least)) - 1)
    return next(factor * magnitude for factor in (1, 2, 5, 10) if factor * magnitude >= least)


def axis_money(amount_minor: int, currency: str, step: int) -> str:
    """A gridline's label in the viewer's locale: whole units when the step is (``€1,500``), short when large."""
    locale = viewer_locale()
    major = to_major(amount_minor, currency)
    if abs(major) >= COMPACT_FROM:
        return format_compact_currency(major, currency, locale=locale, fraction_digits=1)
    if step % 10 ** minor_unit_exponent(currency):
        return format_money(amount_minor, currency)
    whole = _FRACTION.sub("", Locale.parse(locale).currency_formats["standard"].pattern)
    return format_currency(major, currency, format=whole, locale=locale, currency_digits=False)
