"""The overview's ``from``/``to`` query: the period to show, what to say next to the date fields, and why.

Never silent and never an error page: no dates means the last ``DEFAULT_DAYS`` days up to today; text that is not a
day gets a message next to its field; a start after the end is refused next to the fields. A valid range the
overview cannot show (before ``EARLIEST_DAY``, after today, longer than ``MAX_RANGE_DAYS``) is narrowed to the
part it can, keeping the end, and a notice says what is shown instead and why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.read.overview import MAX_RANGE_DAYS, DateRange
from portal.web.formatting import format_day

DEFAULT_DAYS = 30
#: no figures are older than the product; nothing before this day is read
EARLIEST_DAY = date(2000, 1, 1)
#: longer text is not a date, and is not echoed back in full
MAX_FIELD_LENGTH = 32
FIELDS = {"from": "start", "to": "end"}
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class OverviewPeriod:
    """The period shown, the date fields' values, a message per field that was refused, and a notice of narrowing."""

    range: DateRange
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    notice: str = ""


def overview_period(args: Mapping[str, str], today: date) -> OverviewPeriod:
    """Read ``from`` and ``to``; see the module docstring for what is refused and what is narrowed."""
    typed = {name: args.get(name, "").strip()[:MAX_FIELD_LENGTH] for name in FIELDS}
    parsed: dict[str, date | None] = {}
    errors: dict[str, str] = {}
    for name, text in typed.items():
        parsed[name], message = _read_day(text, FIELDS[name])
        if message:
            errors[name] = message
    default = _last_days(today, DEFAULT_DAYS)
    instead = f"Showing the last {DEFAULT_DAYS} days instead."
    if errors:
        return OverviewPeriod(default, typed, errors, instead)
    start, end = parsed["from"], parsed["to"]
    if start and end and start > end:
        message = f"The start is after the end ({format_day(end)}): choose a start on or before the end."
        return OverviewPeriod(default, typed, {"from": message}, instead)
    if start is None and end is None:
        return OverviewPeriod(default, _values(default))
    shown, reasons = _narrowed(start, end, today)
    notice = ""
    if reasons:
        notice = f"Showing {format_day(shown.start)} – {format_day(shown.end)}: the overview {_and(reasons)}."
    return OverviewPeriod(shown, _values(shown), notice=notice)


def _read_day(text: str, which: str) -> tuple[date | None, str]:
    if not text:
        return None, ""
    if not _ISO_DAY.fullmatch(text):
        return None, f"Enter the {which} as a date, such as 2026-03-31."
    try:
        return date.fromisoformat(text), ""
    except ValueError:
        return None, f"There is no such day as {text}: enter the {which} as a real date, such as 2026-03-31."


def _narrowed(start: date | None, end: date | None, today: date) -> tuple[DateRange, list[str]]:
    """The part of ``start``–``end`` the overview can show (a missing end is today, a missing start 30 days back)."""
    reasons = []
    if (start and start < EARLIEST_DAY) or (end and end < EARLIEST_DAY):
        reasons.append(f"starts on {format_day(EARLIEST_DAY)} at the earliest")
    if (start and start > today) or (end and end > today):
        reasons.append("ends today at the latest")
    last = min(max(end or today, EARLIEST_DAY), today)
    first = max(start or last - timedelta(days=DEFAULT_DAYS - 1), EARLIEST_DAY)
    if first > last:
        # the whole range was in the future: the default length, ending today
        first = max(last - timedelta(days=DEFAULT_DAYS - 1), EARLIEST_DAY)
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        reasons.append(f"covers at most {MAX_RANGE_DAYS} days at a time, the latest of those chosen")
        first = last - timedelta(days=MAX_RANGE_DAYS - 1)
    return DateRange(first, last), reasons


def _last_days(today: date, days: int) -> DateRange:
    return DateRange(today - timedelta(days=days - 1), today)


def _values(period: DateRange) -> dict[str, str]:
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


def _and(reasons: list[str]) -> str:
    return reasons[0] if len(reasons) == 1 else ", ".join(reasons[:-1]) + " and " + reasons[-1]
