"""Money: an integer count of minor units and an ISO-4217 currency, never a float."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, get_currency_precision, list_currencies

_AMOUNT = re.compile(r"^\d{1,15}(?:\.\d+)?$")


class InvalidAmount(ValueError):
    """Text that is not an amount of money in the given currency."""


def is_known_currency(code: str) -> bool:
    return code in list_currencies()


def minor_unit_exponent(currency: str) -> int:
    """Digits after the decimal point: 2 for EUR, 0 for JPY, 3 for KWD."""
    return get_currency_precision(currency)


def to_major(amount_minor: int, currency: str) -> Decimal:
    """Exact decimal value in major units (``1234`` EUR cents is ``12.34``)."""
    return Decimal(amount_minor).scaleb(-minor_unit_exponent(currency))


def format_money(amount_minor: int, currency: str, locale: str = "en_US") -> str:
    """``123456`` EUR is ``€1,234.56`` (in the given locale); negatives keep their sign."""
    return format_currency(to_major(amount_minor, currency), currency, locale=locale)


def parse_amount(text: str, currency: str) -> int:
    """``"1,234.50"`` in EUR is 123450 minor units; more decimals than the currency has is refused."""
    cleaned = (text or "").strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
    if not _AMOUNT.fullmatch(cleaned):
        raise InvalidAmount("Enter an amount such as 1250.00, with no currency sign.")
    exponent = minor_unit_exponent(currency)
    whole, _, fraction = cleaned.partition(".")
    if len(fraction) > exponent:
        places = f"{exponent} decimal place{'s' if exponent != 1 else ''}" if exponent else "no decimals"
        raise InvalidAmount(f"{currency} amounts have {places}.")
    return int(whole) * 10**exponent + int(fraction.ljust(exponent, "0") or 0)


def apply_rate_half_up(amount_minor: int, rate_bps: int) -> int:
    """``amount × rate / 10 000``, rounded half-up (away from zero) at the minor unit."""
    exact = Decimal(amount_minor) * Decimal(rate_bps) / Decimal(10_000)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def prorate_half_up(amount_minor: int, part: int, whole: int) -> int:
    """``amount × part / whole`` rounded half-up at the minor unit (``whole`` > 0)."""
    exact = Decimal(amount_minor) * Decimal(part) / Decimal(whole)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, order=True)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise TypeError("money is an integer count of minor units")
        if not is_known_currency(self.currency):
            raise ValueError(f"{self.currency!r} is not an ISO-4217 currency code")
