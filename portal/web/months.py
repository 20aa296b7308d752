"""The month a statement shows, read from ``?month=YYYY-MM``, and the choices of its month picker.

Reading never raises: a month that is not ``YYYY-MM``, before ``FIRST_YEAR`` or after the current month, is the
last full month, the one a statement opens on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from portal.read.statements import Month
from portal.web.formatting import viewer_locale
from portal.web.queries import Args

FIRST_YEAR = 2000
#: how many months the picker offers, the newest first
CHOICES = 24
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def last_full_month(today: date) -> Month:
    return Month.containing(today).previous


def statement_month(args: Args, today: date) -> Month:
    """``month`` when it is a month from ``FIRST_YEAR`` to the current one, else the last full month."""
    match = _MONTH.fullmatch(args.get("month", ""))
    if match is None:
        return last_full_month(today)
    year, number = int(match.group(1)), int(match.group(2))
    if not 1 <= number <= 12 or year < FIRST_YEAR or Month(year, number) > Month.containing(today):
        return last_full_month(today)
    return Month(year, number)


def month_label(month: Month) -> str:
    """``January 2025``, in the viewer's language."""
    return format_date(month.first_day, "LLLL y", locale=viewer_locale())


@dataclass(frozen=True)
class MonthChoice:
    key: str
    label: str
    chosen: bool


@dataclass(frozen=True)
class MonthPicker:
    """The shown month, its neighbours (none beyond the current month or before ``FIRST_YEAR``), the choices."""

    shown: Month
    label: str
    previous: Month | None
    following: Month | None
    choices: tuple[MonthChoice, ...]


def month_picker(shown: Month, today: date) -> MonthPicker:
    current = Month.containing(today)
    months = [current]
    while len(months) < CHOICES and months[-1].previous.year >= FIRST_YEAR:
        months.append(months[-1].previous)
    if shown not in months:
        months.append(shown)
    return MonthPicker(
        shown=shown,
        label=month_label(shown),
        previous=shown.previous if shown.previous.year >= FIRST_YEAR else None,
        following=shown.following if shown.following <= current else None,
        choices=tuple(MonthChoice(month.key, month_label(month), month == shown) for month in months),
    )
