"""The masking policy on typical values (issue 4 adds generated, embedded ones)."""

import pytest

from portal.security.masking import (
    luhn_valid,
    mask_card_number,
    mask_email,
    mask_iban,
    mask_phone,
    mask_text,
)


def test_email_keeps_first_letters_and_top_level_domain():
    assert mask_email("john.doe@example.com") == "j***@e***.com"
    assert mask_email("not-an-email") == "***"


def test_instruments_keep_only_the_last_four():
    assert mask_card_number("4242 4242 4242 4242") == "***4242"
    assert mask_phone("+44 20 7946 0958") == "***0958"
    assert mask_iban("GB82 WEST 1234 5698 7654 32") == "***5432"


def test_luhn():
    assert luhn_valid("4242424242424242")
    assert not luhn_valid("4242424242424241")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("card 4111-1111-1111-1111 declined", "4111-1111-1111-1111"),
        ("write to jane.roe@corp.example.org today", "jane.roe@corp.example.org"),
        ("call +1 415 555 0199", "415 555 0199"),
        ("IBAN DE89 3704 0044 0532 0130 00 received", "3704 0044 0532"),
    ],
)
def test_free_text_is_masked(text, secret):
    assert secret not in mask_text(text)


def test_ordinary_numbers_dates_and_references_are_left_alone():
    text = "Invoice INV-00042 of 2026-11-28 10:15 for 1234.56 EUR (12 items)"
    assert mask_text(text) == text
