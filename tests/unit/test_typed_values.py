"""What a person types as a rate, a whole-number setting or a masked note is read as they meant it, or refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wtforms.validators import ValidationError

from portal.commands.base import masked_within
from portal.dashboard.forms import percent_to_bps
from portal.domain import errors
from portal.security.secure_settings import SettingNotValid, definition_of


@pytest.mark.parametrize(
    ("typed", "bps"),
    [("10", 1000), ("7.5", 750), (" 7.25 % ", 725), ("0", 0), ("100", 10_000), ("0.01", 1), ("12.5%", 1250)],
)
def test_a_rate_is_read_in_basis_points(typed, bps):
    assert percent_to_bps(typed) == bps


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("7,5", "Use a dot for decimals, such as 7.5."),
        ("1,000", "Use a dot for decimals"),
        ("٧.٥", "Enter a percentage such as 10 or 7.5."),
        ("７", "Enter a percentage such as 10 or 7.5."),
        ("1e2", "Enter a percentage such as 10 or 7.5."),
        ("-1", "Enter a percentage such as 10 or 7.5."),
        ("", "Enter a percentage such as 10 or 7.5."),
        ("100.01", "between 0 and 100 with at most two decimals"),
        ("7.125", "between 0 and 100 with at most two decimals"),
        ("101", "between 0 and 100"),
    ],
)
def test_a_rate_that_is_not_plain_is_refused_with_what_to_type(typed, message):
    with pytest.raises(ValidationError, match=message.replace(".", r"\.")):
        percent_to_bps(typed)


@given(st.integers(min_value=0, max_value=10_000))
def test_every_rate_the_pages_print_reads_back_the_same(bps):
    assert percent_to_bps(f"{bps / 100:g}") == bps


@pytest.mark.parametrize(("typed", "port"), [("30", 30), (" 587 ", 587), ("0025", 25)])
def test_a_whole_number_setting_takes_ascii_digits(typed, port):
    assert definition_of("smtp_port").parse(typed) == port


@pytest.mark.parametrize("typed", ["٣٠", "３０", "2_5", "25.0", "1e3", "", "twenty"])
def test_a_whole_number_setting_refuses_anything_else_with_the_rule(typed):
    with pytest.raises(SettingNotValid, match="must be a whole number, in digits 0 to 9"):
        definition_of("smtp_port").parse(typed)


def test_a_text_setting_is_kept_without_bidi_controls():
    assert definition_of("smtp_from").parse("\u202eAgent Portal <portal@example.com>\u2066") == (
        "Agent Portal <portal@example.com>"
    )


def test_a_text_setting_is_kept_within_its_length():
    with pytest.raises(SettingNotValid, match="4,096"):
        definition_of("smtp_host").parse("h" * 4097)


def test_masking_that_lengthens_a_note_is_measured_after_masking():
    masked = masked_within("card 4111111111111111", 100, "The reference", "reference")
    assert "4111111111111111" not in masked and masked.endswith("1111")
    with pytest.raises(errors.InputNotValid) as refused:
        masked_within("a@b.co " * 14, 100, "The reference", "reference")
    assert refused.value.field == "reference"
    assert "once the card numbers, e-mail addresses and phone numbers in it are masked; keep it to 100" in (
        refused.value.message
    )


def test_a_note_too_long_as_typed_is_refused_at_its_field():
    with pytest.raises(errors.InputNotValid) as refused:
        masked_within("x" * 101, 100, "The reference", "reference")
    assert refused.value.field == "reference" and "101" in refused.value.message
