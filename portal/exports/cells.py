"""The columns of a CSV download: what each cell holds, written so a spreadsheet shows it and runs nothing.

Text that starts like a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a
leading apostrophe, so a customer named ``=HYPERLINK(…)`` stays text (OWASP's advice for CSV injection). Numbers
and money are written by this code, never from what someone typed, so a negative amount stays a number: money is
the exact decimal in major units (``-12.50``) beside a currency column, never a float. Moments are ISO 8601 in
UTC (``2025-01-31T09:30:00Z``), days ISO dates.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from portal.domain.money import to_major

#: what a spreadsheet reads as the start of a formula (or, for tab and CR, of a cell it may shift)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: an attribute path of the row (``"invoice.number"``; a missing link reads as empty), or a function of it
Read = str | Callable[[Any], Any]


def guarded(text: str) -> str:
    """``text`` as a spreadsheet will show it, not run it: one that starts like a formula gets an apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def moment(value: datetime | None) -> str:
    """An instant in ISO 8601, in UTC, to the second: ``2025-01-31T09:30:00Z``; empty for none."""
    if value is None:
        return ""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def decimal_amount(amount_minor: int | None, currency: str) -> str:
    """Minor units as the exact decimal in major units: ``-1250`` EUR is ``-12.50``, ``500`` JPY is ``500``."""
    if amount_minor is None:
        return ""
    return format(to_major(amount_minor, currency), "f")


def _reader(read: Read) -> Callable[[Any], Any]:
    if not isinstance(read, str):
        return read
    path = read.split(".")

    def follow(row: Any) -> Any:
        value = row
        for name in path:
            if value is None:
                return None
            value = getattr(value, name)
        return value

    return follow


@dataclass(frozen=True)
class Column:
    """One column: its header, and the cell it writes for a row."""

    header: str
    cell: Callable[[Any], str]


def text(header: str, read: Read) -> Column:
    """Text as stored (already masked where the pages mask it), guarded against formulas."""
    value = _reader(read)
    return Column(header, lambda row: "" if (found := value(row)) is None else guarded(str(found)))


def number(header: str, read: Read) -> Column:
    """A whole number (an id, a count)."""
    value = _reader(read)
    return Column(header, lambda row: "" if (found := value(row)) is None else str(int(found)))


def money(header: str, read: Read, currency: Read = "currency") -> Column:
    """An amount of minor units as a decimal in major units of the row's currency."""
    amount, code = _reader(read), _reader(currency)
    return Column(header, lambda row: decimal_amount(amount(row), code(row)))


def rate(header: str, read: Read) -> Column:
    """Basis points as a percentage: ``1250`` is ``12.50``."""
    value = _reader(read)
    return Column(header, lambda row: "" if (found := value(row)) is None else format(Decimal(found).scaleb(-2), "f"))


def when(header: str, read: Read) -> Column:
    """An instant, in ISO 8601 UTC."""
    value = _reader(read)
    return Column(header, lambda row: moment(value(row)))


def day(header: str, read: Read) -> Column:
    """A calendar day, ``2025-01-31``."""
    value = _reader(read)

    def cell(row: Any) -> str:
        found: date | None = value(row)
        return "" if found is None else found.isoformat()

    return Column(header, cell)


def yes_no(header: str, read: Read) -> Column:
    """A yes-or-no fact, as ``yes`` or ``no``."""
    value = _reader(read)
    return Column(header, lambda row: "yes" if value(row) else "no")


def document(header: str, read: Read) -> Column:
    """A JSON document (an audit event's before or after, masked when it was stored), keys sorted."""
    value = _reader(read)
    return Column(
        header, lambda row: "" if (found := value(row)) is None else guarded(json.dumps(found, sort_keys=True))
    )
