"""What every resource shares: money, pages of a list, problems, and the bounds of a field."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from babel.numbers import list_currencies
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from portal.commands.base import MAX_AMOUNT_MINOR, MAX_REASON_LENGTH
from portal.domain.money import format_money
from portal.models.base import MAX_ROW_ID
from portal.read.pages import MAX_CURSOR_LENGTH, MAX_PER_PAGE


def _whole(value: Any) -> Any:
    """JSON has one kind of number: ``1250`` and ``1250.0`` are the same whole number; ``"1250"``, ``true`` and
    ``12.5`` are not one."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("a whole number is required")
    return value


Whole = BeforeValidator(_whole)


def _iso_day(value: Any) -> Any:
    """A day is written ``2026-12-01``: not a timestamp, not a number."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]
CURRENCY_CODES = sorted(list_currencies())


def _known_currency(code: str) -> str:
    if code not in CURRENCY_CODES:
        raise ValueError("an ISO 4217 currency code is required")
    return code


Currency = Annotated[str, AfterValidator(_known_currency), Field(json_schema_extra={"enum": CURRENCY_CODES})]
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID), Whole]
#: An id in a query string (where every value arrives as text).
QueryId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
#: Characters no name, reason or search may hold: control characters (NUL included), line and paragraph separators.
_CONTROL = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
#: One line with something in it: a name.
ONE_LINE = rf"^[^{_CONTROL}]*[^\s{_CONTROL}][^{_CONTROL}]*$"
#: Free text with something in it: line breaks and tabs allowed, other control characters not.
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
#: What a filter or a search may hold (nothing, or one line).
FILTER = rf"^[^{_CONTROL}]*$"
#: An e-mail address as the forms take it: something@somewhere, one line (whether mail reaches it is not known here).
Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$")]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=MAX_REASON_LENGTH, pattern=TEXT)]
#: A positive amount in the currency's minor unit (cents): never a fraction.
AmountMinor = Annotated[int, Field(ge=1, le=MAX_AMOUNT_MINOR), Whole]


class Strict(BaseModel):
    """A request body: unknown fields are refused, so a typo is not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class MoneyIn(Strict):
    amount_minor: AmountMinor
    currency: Currency


class Money(BaseModel):
    """An amount in minor units with its currency, and the same written out (en-US) for display."""

    amount_minor: int
    currency: str
    formatted: str

    @classmethod
    def of(cls, amount_minor: int, currency: str) -> Money:
        return cls(amount_minor=amount_minor, currency=currency, formatted=format_money(amount_minor, currency))


class PageQuery(Strict):
    """A list's page: ``limit`` items after the opaque ``cursor`` a previous page named."""

    cursor: Annotated[str, StringConstraints(min_length=1, max_length=MAX_CURSOR_LENGTH, pattern=FILTER)] | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_PER_PAGE)] = 25


T = TypeVar("T")


class PageOf(BaseModel, Generic[T]):
    """One page of a list. ``total`` is exact unless ``total_is_estimate`` (a large list is estimated)."""

    items: list[T]
    next_cursor: str | None
    previous_cursor: str | None
    total: int
    total_is_estimate: bool


class FieldError(BaseModel):
    field: str | None
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, with the correlation id to quote to support."""

    type: str
    title: str
    status: int
    detail: str
    correlation_id: str | None = None
    errors: list[FieldError] = []
