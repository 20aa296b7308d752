import pytest
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.money import InvalidAmount, Money, apply_rate_half_up, format_money, parse_amount, to_major


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.34", "EUR", 1234),
        ("1,234.5", "EUR", 123450),
        ("7", "USD", 700),
        ("1500", "JPY", 1500),
        ("1.234", "KWD", 1234),
        ("0.01", "GBP", 1),
    ],
)
def test_amounts_parse_to_exact_minor_units(text, currency, minor):
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize("text", ["", "abc", "-5", "1.2.3", "€5", "1e3", "12.345"])
def test_bad_amounts_are_refused_with_a_message(text):
    with pytest.raises(InvalidAmount):
        parse_amount(text, "EUR")


def test_decimals_beyond_the_currency_are_refused():
    with pytest.raises(InvalidAmount, match="JPY amounts have no decimals"):
        parse_amount("10.5", "JPY")


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        (10_000, 1000, 1000),
        (5, 1000, 1),
        (4, 1000, 0),
        (15, 1000, 2),
        (25, 1000, 3),
        (-25, 1000, -3),
        (1, 5000, 1),
    ],
)
def test_rates_round_half_up_at_the_minor_unit(amount, rate, expected):
    assert apply_rate_half_up(amount, rate) == expected


def test_major_units_are_exact_decimals():
    assert str(to_major(123456, "EUR")) == "1234.56"
    assert str(to_major(500, "JPY")) == "500"


def test_money_refuses_floats_and_unknown_currencies():
    with pytest.raises(TypeError):
        Money(1.5, "EUR")
    with pytest.raises(ValueError):
        Money(100, "XXZ")
    assert Money(100, "EUR") < Money(200, "EUR")


@given(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.sampled_from(["EUR", "USD", "GBP", "JPY", "KWD", "CHF", "INR", "BHD"]),
    st.sampled_from(["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR", "en_IN", "de_CH"]),
)
def test_money_is_written_exactly_as_babel_writes_it(amount_minor, currency, locale):
    assert format_money(amount_minor, currency, locale) == format_currency(
        to_major(amount_minor, currency), currency, locale=locale
    )
