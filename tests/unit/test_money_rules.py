"""Money rules a person sees: printed amounts per currency and locale, half-up ties, typed amounts, refusals."""

from __future__ import annotations

import babel.numbers
import pytest

from portal.domain.money import (
    CURRENCY_SIGN_HINT,
    DIGITS_HINT,
    NEGATIVE_HINT,
    InvalidAmount,
    Money,
    apply_rate_half_up,
    format_amount,
    format_money,
    parse_amount,
    prorate_half_up,
)

NBSP = "\u00a0"
NNBSP = "\u202f"


# --- format_money: the amount on pages, in the viewer's locale ---------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "printed"),
    [
        (123456, "EUR", "en_US", "€1,234.56"),
        (-123456, "EUR", "en_US", "-€1,234.56"),
        (5, "EUR", "en_US", "€0.05"),
        (0, "EUR", "en_US", "€0.00"),
        (123456789, "USD", "en_US", "$1,234,567.89"),
        (-5, "USD", "en_US", "-$0.05"),
        (1500, "JPY", "en_US", "¥1,500"),
        (150000, "JPY", "en_US", "¥150,000"),
        (1234567, "KWD", "en_US", "KWD1,234.567"),
        (-1234567, "KWD", "en_US", "-KWD1,234.567"),
        (100, "GBP", "en_GB", "£1.00"),
        (1500, "JPY", "en_GB", "JP¥1,500"),
        (-123456, "EUR", "en_GB", "-€1,234.56"),
        (123456, "EUR", "de_DE", f"1.234,56{NBSP}€"),
        (-123456, "EUR", "de_DE", f"-1.234,56{NBSP}€"),
        (1500, "JPY", "de_DE", f"1.500{NBSP}¥"),
        (1234567, "KWD", "de_DE", f"1.234,567{NBSP}KWD"),
        (123456, "EUR", "fr_FR", f"1{NNBSP}234,56{NBSP}€"),
        (-123456, "EUR", "fr_FR", f"-1{NNBSP}234,56{NBSP}€"),
        (1500, "JPY", "fr_FR", f"1{NNBSP}500{NBSP}JPY"),
        (123456, "EUR", "nl_NL", f"€{NBSP}1.234,56"),
        (-1234567, "KWD", "nl_NL", f"KWD{NBSP}-1.234,567"),
    ],
)
def test_format_money_prints_each_currency_with_its_decimals_in_the_viewers_locale(minor, currency, locale, printed):
    assert format_money(minor, currency, locale) == printed


def test_format_money_prints_in_us_english_when_no_locale_is_given():
    assert format_money(123456, "EUR") == "€1,234.56"
    assert format_money(1500, "JPY") == "¥1,500"


# --- format_amount: the amount as a person types it back ----------------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "currency", "printed"),
    [
        (123456, "EUR", "1,234.56"),
        (123400, "EUR", "1,234.00"),
        (123450, "EUR", "1,234.50"),
        (5, "EUR", "0.05"),
        (0, "EUR", "0.00"),
        (-123400, "EUR", "-1,234.00"),
        (1500, "JPY", "1,500"),
        (1234000, "KWD", "1,234.000"),
        (1234567, "KWD", "1,234.567"),
        (99999999999999999, "EUR", "999,999,999,999,999.99"),
    ],
)
def test_format_amount_prints_every_decimal_of_the_currency_and_no_symbol(minor, currency, printed):
    assert format_amount(minor, currency) == printed


def test_format_amount_keeps_a_dot_for_decimals_whatever_the_servers_own_locale(monkeypatch):
    monkeypatch.setattr(babel.numbers, "LC_NUMERIC", "de_DE")
    assert format_amount(123456, "EUR") == "1,234.56"
    assert format_amount(1234567, "KWD") == "1,234.567"


# --- rounding: half-up, away from zero, at the minor unit ---------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "part", "whole", "expected"),
    [
        (5, 1, 2, 3),
        (-5, 1, 2, -3),
        (1, 1, 2, 1),
        (-1, 1, 2, -1),
        (3, 1, 2, 2),
        (10, 1, 4, 3),
        (-10, 1, 4, -3),
        (10_000, 1, 3, 3333),
        (20_000, 1, 3, 6667),
        (-20_000, 1, 3, -6667),
        (31_00, 15, 31, 1500),
        (12_345, 7, 7, 12_345),
        (12_345, 0, 7, 0),
    ],
)
def test_prorate_rounds_an_exact_half_away_from_zero(amount, part, whole, expected):
    assert prorate_half_up(amount, part, whole) == expected


@pytest.mark.parametrize(
    ("amount", "rate_bps", "expected"),
    [
        (1, 5000, 1),
        (-1, 5000, -1),
        (3, 5000, 2),
        (-3, 5000, -2),
        (5, 5000, 3),
        (-5, 5000, -3),
        (2, 2500, 1),
        (12_345, 250, 309),
        (-12_345, 250, -309),
        (10, 50, 0),
        (12_345, 1234, 1523),
        (12_345, 10_000, 12_345),
    ],
)
def test_a_rate_rounds_an_exact_half_away_from_zero(amount, rate_bps, expected):
    assert apply_rate_half_up(amount, rate_bps) == expected


# --- parse_amount: spaces, no-break spaces, edges -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1 234 567.89", "EUR", 123456789),
        (f"1{NBSP}234{NBSP}567.89", "EUR", 123456789),
        (f"1{NNBSP}234{NNBSP}567", "JPY", 1234567),
        ("12 345.678", "KWD", 12345678),
        ("1 234", "KWD", 1234000),
        (" 1 234 ", "EUR", 123400),
        (f"{NBSP}1234.50{NNBSP}", "EUR", 123450),
        ("999 999 999 999 999.99", "EUR", 99999999999999999),
        ("999999999999999.99", "EUR", 99999999999999999),
        ("999,999,999,999,999", "JPY", 999999999999999),
        ("000000000000000000001.00", "EUR", 100),
        ("0000000000000000", "JPY", 0),
        ("0", "EUR", 0),
        ("0.5", "EUR", 50),
        ("0.005", "KWD", 5),
    ],
)
def test_amounts_grouped_by_spaces_or_padded_with_zeros_are_read_exactly(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "message"),
    [
        *((text, DIGITS_HINT) for text in ("", "   ", "abc", ".5", "5.", f"1 234{NBSP}567", "1  234", "1\t234")),
        ("€5", CURRENCY_SIGN_HINT),
        ("-1.00", NEGATIVE_HINT),
    ],
)
def test_text_that_is_no_amount_is_refused_saying_what_to_change(text, message):
    with pytest.raises(InvalidAmount) as refused:
        parse_amount(text, "EUR")
    assert str(refused.value) == message


def test_no_text_at_all_is_refused_like_empty_text():
    with pytest.raises(InvalidAmount) as refused:
        parse_amount(None, "EUR")
    assert str(refused.value) == DIGITS_HINT


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("1000000000000000", "EUR"),
        ("1 000 000 000 000 000", "EUR"),
        ("1234567890123456", "JPY"),
        ("1000000000000000.000", "KWD"),
    ],
)
def test_sixteen_whole_digits_are_refused_as_too_large(text, currency):
    with pytest.raises(InvalidAmount) as refused:
        parse_amount(text, currency)
    assert str(refused.value) == "That amount is too large."


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("12.345", "EUR", "EUR amounts have 2 decimal places."),
        ("1.2345", "KWD", "KWD amounts have 3 decimal places."),
        ("1.23456", "CLF", "CLF amounts have 4 decimal places."),
        ("12.5", "JPY", "JPY amounts have no decimals."),
    ],
)
def test_too_many_decimals_are_refused_naming_the_currencys_decimals(text, currency, message):
    with pytest.raises(InvalidAmount) as refused:
        parse_amount(text, currency)
    assert str(refused.value) == message


def test_a_grouping_comma_with_no_dot_in_kwd_is_refused_with_the_whole_explanation():
    with pytest.raises(InvalidAmount) as refused:
        parse_amount("1,234", "KWD")
    assert str(refused.value) == (
        "In KWD a comma here could mean thousands or decimals: Use a dot for decimals, such as 12.50."
    )


# --- Money ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [1.5, 2.0, True, False, "100", None])
def test_money_refuses_anything_but_an_integer_count_of_minor_units(amount):
    with pytest.raises(TypeError) as refused:
        Money(amount, "EUR")
    assert str(refused.value) == "money is an integer count of minor units"


@pytest.mark.parametrize("currency", ["XXZ", "eur", "EURO", ""])
def test_money_refuses_a_currency_that_is_not_an_iso_4217_code(currency):
    with pytest.raises(ValueError) as refused:
        Money(100, currency)
    assert str(refused.value) == f"{currency!r} is not an ISO-4217 currency code"


def test_money_holds_integer_minor_units_of_a_known_currency():
    money = Money(-1500, "JPY")
    assert (money.amount_minor, money.currency) == (-1500, "JPY")
    assert Money(0, "KWD").amount_minor == 0
