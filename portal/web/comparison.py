"""A figure beside the same figure for the period just before, of the same length: ``▲ +12% vs previous 30 days``.

The change is relative to the size of the previous figure (a fall from −€50 to −€100 is −100%), in whole percent
from 10% up and to a tenth below; when the previous period had nothing there is no percentage, only the amount.
Direction is said in the text (the sign, "No change") as well as by the arrow, never by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel import Locale
from babel.numbers import format_percent

from portal.web.formatting import format_money, viewer_locale

ARROWS = {"up": "▲", "down": "▼", "same": "="}


@dataclass(frozen=True)
class Change:
    """How a figure moved since the previous period, in words ready to show."""

    direction: str
    text: str
    against: str

    @property
    def arrow(self) -> str:
        """The arrow beside the words (decoration: the words carry the meaning)."""
        return ARROWS[self.direction]


def previous_period_words(days: int) -> str:
    """``previous 30 days``, or ``previous day``."""
    return "previous day" if days == 1 else f"previous {days} days"


def change_since(current: int, previous: int, currency: str, days: int) -> Change:
    """``current`` against ``previous`` (both in minor units of ``currency``) over periods of ``days`` days."""
    period = previous_period_words(days)
    direction = "up" if current > previous else "down" if current < previous else "same"
    if direction == "same":
        return Change(direction, "No change", f"vs {period} ({format_money(previous, currency)})")
    if previous == 0:
        sign = "+" if current > 0 else ""
        return Change(direction, f"{sign}{format_money(current, currency)}", f"vs nothing in the {period}")
    ratio = Decimal(current - previous) / Decimal(abs(previous))
    sign = "+" if ratio > 0 else "\u2212"
    return Change(direction, f"{sign}{_percent(abs(ratio))}", f"vs {period} ({format_money(previous, currency)})")


def _percent(ratio: Decimal) -> str:
    locale = viewer_locale()
    pattern = Locale.parse(locale).percent_formats[None].pattern
    if ratio < Decimal("0.1"):
        pattern = pattern.replace("#,##0", "#,##0.#", 1)
    return format_percent(ratio, pattern, locale=locale)
