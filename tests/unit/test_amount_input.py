"""Hardening item 1: an amount is read exactly as the person meant it, or refused with a clear message."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.money import (
    DECIMAL_COMMA_HINT,
    InvalidAmount,
    format_amount,
    format_money,
    parse_amount,
    to_major,
)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1234.56", "EUR", 123456),
        ("1,234.56", "EUR", 123456),
        ("12.5", "EUR", 1250),
        ("1,234,567.8", "EUR", 123456780),
        ("1,234", "EUR", 123400),
        ("1 234.56", "EUR", 123456),
        ("1\u00a0234.56", "EUR", 123456),
        ("1\u202f234", "EUR", 123400),
        ("  7.00 ", "EUR", 700),
        ("1,500", "JPY", 1500),
        ("1,234.567", "KWD", 1234567),
        ("000012.50", "EUR", 1250),
    ],
)
def test_hardening_01_amounts_people_write_are_read_exactly(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    "text",
    ["12,5", "12,50", "1,23", "1,2345", ",5", "1.234,56", "1,234,5", "1,234.56,7", "12,", "1234,567", "1,,234"],
)
def test_hardening_01_a_decimal_comma_is_refused_never_read_as_thousands(text):
    with pytest.raises(InvalidAmount) as refused:
        parse_amount(text, "EUR")
    assert str(refused.value) == DECIMAL_COMMA_HINT


@pytest.mark.parametrize(
    "text", ["12 5", "1 23", "1,234 567", "1 234,567", "١٢", "１２", "12²", "12\x00", "+5", "5-", "1e3", "NaN", "sNaN"]
)
def test_hardening_01_other_ambiguous_or_foreign_text_is_refused(text):
    with pytest.raises(InvalidAmount):
        parse_amount(text, "EUR")


def test_hardening_01_a_grouping_comma_in_a_three_decimal_currency_needs_a_dot():
    with pytest.raises(InvalidAmount, match="could mean thousands or decimals"):
        parse_amount("1,234", "KWD")
    assert parse_amount("1,234.000", "KWD") == 1234000


def test_hardening_01_amounts_too_large_are_refused_not_truncated():
    assert parse_amount("9" * 15, "EUR") == int("9" * 15) * 100
    with pytest.raises(InvalidAmount, match="too large"):
        parse_amount("1" + "0" * 15, "EUR")
    with pytest.raises(InvalidAmount, match="too large"):
        parse_amount("1,000,000,000,000,000", "EUR")


CURRENCIES = st.sampled_from(["EUR", "USD", "JPY", "KWD", "GBP"])


@st.composite
def typed_amounts(draw) -> tuple[str, str]:
    """Text a person might type: digits, commas, dots, spaces, in any order."""
    currency = draw(CURRENCIES)
    text = draw(st.text(alphabet="0123456789,. \u00a0", min_size=1, max_size=14))
    return text, currency


@given(typed_amounts())
def test_hardening_01_every_accepted_string_means_what_its_digits_say(case):
    text, currency = case
    try:
        minor = parse_amount(text, currency)
    except InvalidAmount:
        return
    plain = text.strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
    assert Decimal(plain) == to_major(minor, currency), "commas and spaces only ever group thousands"
    assert plain.count(".") <= 1


@given(typed_amounts())
def test_hardening_01_every_accepted_string_round_trips_through_the_formatter(case):
    text, currency = case
    try:
        minor = parse_amount(text, currency)
    except InvalidAmount:
        return
    printed = format_amount(minor, currency)
    assert parse_amount(printed, currency) == minor
    assert printed in format_money(minor, currency, "en_US")


@given(st.integers(0, 10**15 - 1), CURRENCIES)
def test_hardening_01_every_amount_the_formatter_prints_is_read_back_exactly(minor, currency):
    assert parse_amount(format_amount(minor, currency), currency) == minor
