"""The masking policy on fixed, published values: exactly what a reader of a page, a log or an e-mail sees."""

from __future__ import annotations

import pytest

from portal.security.masking import (
    MASKERS,
    iban_valid,
    last4,
    luhn_valid,
    mask_card_number,
    mask_email,
    mask_iban,
    mask_phone,
    mask_text,
)

# Test card numbers published by the card networks and payment processors: all pass the Luhn check.
KNOWN_VALID_CARDS = [
    "4111111111111111",  # Visa
    "4012888888881881",  # Visa
    "4222222222222",  # Visa, 13 digits
    "5555555555554444",  # Mastercard
    "5105105105105100",  # Mastercard
    "378282246310005",  # American Express, 15 digits
    "371449635398431",  # American Express
    "6011111111111117",  # Discover
    "6011000990139424",  # Discover
    "30569309025904",  # Diners Club, 14 digits
    "3530111333300000",  # JCB
]
# The same numbers with one digit changed: the Luhn check fails.
KNOWN_INVALID_CARDS = [
    "4111111111111112",
    "4012888888881882",
    "4222222222223",
    "5555555555554445",
    "5105105105105101",
    "378282246310006",
    "371449635398432",
    "6011111111111118",
    "6011000990139425",
    "30569309025905",
    "3530111333300001",
    "4111111111111121",
    "5555555555555444",
]

# Example IBANs from the SWIFT IBAN registry and the banks' documentation, in print format.
PUBLISHED_IBANS = [
    ("NO93 8601 1117 947", "7947"),  # 15 characters, the shortest
    ("BE68 5390 0754 7034", "7034"),  # 16
    ("NL91 ABNA 0417 1643 00", "4300"),  # 18
    ("AT61 1904 3002 3457 3201", "3201"),  # 20
    ("DE89 3704 0044 0532 0130 00", "3000"),  # 22
    ("GB82 WEST 1234 5698 7654 32", "5432"),  # 22, letters in the bank code
    ("GB29 NWBK 6016 1331 9268 19", "6819"),  # 22
    ("FR14 2004 1010 0505 0001 3M02 606", "2606"),  # 27
    ("PL61 1090 1014 0000 0712 1981 2874", "2874"),  # 28
    ("MT84 MALT 0110 0001 2345 MTLC AST0 01S", "001S"),  # 31
    ("LC55 HEMM 0001 0001 0012 0012 0002 3015", "3015"),  # 32
    ("RU02 0445 2560 0407 0281 0412 3456 7890 1", "8901"),  # 33
]


# --- Luhn ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [*KNOWN_VALID_CARDS, "79927398713"])
def test_published_card_numbers_pass_the_luhn_check(number):
    assert luhn_valid(number) is True


@pytest.mark.parametrize("number", [*KNOWN_INVALID_CARDS, "79927398710"])
def test_a_card_number_with_one_digit_changed_fails_the_luhn_check(number):
    assert luhn_valid(number) is False


@pytest.mark.parametrize("text", ["", "4111 1111 1111 1111", "4111-1111-1111-1111", "411111111111111x"])
def test_the_luhn_check_takes_digits_only(text):
    assert luhn_valid(text) is False


@pytest.mark.parametrize("number", KNOWN_VALID_CARDS)
def test_a_valid_card_in_free_text_keeps_only_its_last_four(number):
    grouped = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    dashed = "-".join(number[i : i + 4] for i in range(0, len(number), 4))
    for written in (number, grouped, dashed):
        assert mask_text(f"card {written} declined") == f"card ***{number[-4:]} declined"


@pytest.mark.parametrize("number", KNOWN_INVALID_CARDS)
def test_a_number_that_fails_the_luhn_check_is_left_as_written(number):
    assert mask_text(f"tracking {number} today") == f"tracking {number} today"


def test_a_grouped_number_that_fails_the_luhn_check_is_left_as_written():
    assert mask_text("card 4111 1111 1111 1112 declined") == "card 4111 1111 1111 1112 declined"
    assert mask_text("card 5555-5555-5555-4445 declined") == "card 5555-5555-5555-4445 declined"


def test_an_amex_number_in_its_own_4_6_5_grouping_is_masked():
    assert mask_text("Amex 3782 822463 10005 on file") == "Amex ***0005 on file"


def test_a_run_longer_than_any_card_is_left_alone():
    assert mask_text("ref 4111111111111111111111") == "ref 4111111111111111111111"


# --- IBAN ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("iban", "tail"), PUBLISHED_IBANS)
def test_published_ibans_pass_the_mod_97_check(iban, tail):
    assert iban_valid(iban.replace(" ", "")) is True


def test_the_mod_97_check_ignores_letter_case():
    assert iban_valid("gb82west12345698765432") is True


@pytest.mark.parametrize(
    "compact",
    [
        "DE89370400440532013001",  # check digits do not match (last digit changed)
        "DE88370400440532013000",
        "GB83WEST12345698765432",
        "NL91ABNA0417164301",
        "NO9386011117948",
    ],
)
def test_an_iban_with_a_wrong_checksum_is_refused(compact):
    assert iban_valid(compact) is False


@pytest.mark.parametrize(
    ("compact", "valid"),
    [
        ("DE500123456789", False),  # 14 characters: passes mod-97, too short
        ("NO9386011117947", True),  # 15: the shortest
        ("DE36000000000000000000000000000000", True),  # 34: the longest
        ("DE111111111111111111111111111111111", False),  # 35 characters: passes mod-97, too long
        ("DE89", False),
        ("", False),
    ],
)
def test_an_iban_is_15_to_34_characters_long(compact, valid):
    assert iban_valid(compact) is valid


@pytest.mark.parametrize(
    "text",
    [
        "DE89 3704 0044 0532 0130 00",  # spaces: the check takes the compact form
        "DE89-3704-0044-0532-0130-00",
        "DE8937040044053201300\uff10",  # a full-width zero
        "DE89\u066370400440532013000",  # an Arabic-Indic three
        "DE8937040044053201300\u00c4",
    ],
)
def test_an_iban_with_spaces_punctuation_or_non_ascii_characters_is_refused(text):
    assert iban_valid(text) is False


@pytest.mark.parametrize(("iban", "tail"), PUBLISHED_IBANS)
def test_a_published_iban_in_free_text_keeps_only_its_last_four(iban, tail):
    assert mask_text(f"IBAN {iban} received") == f"IBAN ***{tail} received"
    assert mask_text(f"IBAN {iban.replace(' ', '')} received") == f"IBAN ***{tail} received"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("DE89 3704 0044 0532 0130 00 ABCD", "***3000 ABCD"),
        ("IBAN DE89 3704 0044 0532 0130 00 1234 received", "IBAN ***3000 1234 received"),
        ("AT61 1904 3002 3457 3201 ABCD", "***3201 ABCD"),
        ("AT61 1904 3002 3457 3201 1234", "***3201 1234"),
        ("AT611904300234573201 ABCD", "***3201 ABCD"),
        ("BE68 5390 0754 7034 1234 5678", "***7034 1234 5678"),
        ("PL61 1090 1014 0000 0712 1981 2874 ABCD", "***2874 ABCD"),
        ("LC55 HEMM 0001 0001 0012 0012 0002 3015 ABCD EFGH", "***3015 ABCD EFGH"),
        ("RU02 0445 2560 0407 0281 0412 3456 7890 1 ABCD", "***8901 ABCD"),
        ("NO93 8601 1117 947 ABCD", "***7947 ABCD"),
        # AT61…3201 followed by "93" passes mod-97 as well: the groups, not the checksum, say where the IBAN ends.
        ("AT61 1904 3002 3457 3201 9300", "***3201 9300"),
        ("DE89 3704 0044 0532 0130 00 GB82 WEST 1234 5698 7654 32", "***3000 ***5432"),
        ("AT61 1904 3002 3457 3201 BE68 5390 0754 7034", "***3201 ***7034"),
    ],
)
def test_an_iban_followed_by_another_group_is_masked_up_to_its_own_end(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "IBAN GB82 WEST 1234 5698 7654 33 received",  # wrong checksum
        "NL91 ABNA 0417 1643 01",
        "NL91ABNA0417164301",
        "NO93 8601 1117 94",  # one character short
        "NL91 ABNA 0417 1643 \uff10\uff10",  # full-width digits
    ],
)
def test_text_shaped_like_an_iban_that_fails_the_check_is_left_as_written(text):
    assert mask_text(text) == text


@pytest.mark.parametrize("iban", ["gb82 west 1234 5698 7654 32", "gb82west12345698765432"])
def test_a_lower_or_mixed_case_iban_in_free_text_keeps_only_its_last_four(iban):
    assert mask_text(f"iban {iban} sent") == "iban ***5432 sent"


def test_a_lower_case_word_after_a_capital_iban_is_not_read_as_its_last_group():
    # "AA06…Z6K7" followed by "ref" passes the mod-97 check as one string: the mixed case tells them apart.
    assert mask_text("Paid AA06 KTK9 CWMS SEMM 9FX2 CQWQ Z6K7 ref.") == "Paid ***Z6K7 ref."


def test_lower_case_words_shaped_like_an_iban_but_failing_the_check_are_left_alone():
    assert mask_text("ab12 from your bank today") == "ab12 from your bank today"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("GB82 WEST 1234 5698 7654 32", "***5432"),
        ("DE89370400440532013000", "***3000"),
        ("12-34", "***1234"),
        ("AB12", "***AB12"),
        ("ABC", "***"),
        ("", "***"),
        (None, None),
    ],
)
def test_an_account_field_keeps_its_last_four_letters_or_digits(value, masked):
    assert mask_iban(value) == masked


# --- e-mail ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("john.doe@example.com", "j***@e***.com"),
        ("j@corp.example.org", "j***@c***.org"),
        ("jane.roe@corp.example.org", "j***@c***.org"),
        ("x@a.io", "x***@a***.io"),
        ("john@localhost", "j***@l***"),
        ("a@b@example.com", "a***@e***.com"),
        ("@example.com", "***"),
        ("john@", "***"),
        ("@", "***"),
        ("not-an-email", "***"),
        ("", "***"),
        (None, None),
    ],
)
def test_an_email_keeps_the_first_letters_and_the_top_level_domain(address, masked):
    assert mask_email(address) == masked


def test_emails_in_free_text_are_masked_exactly():
    assert mask_text("write to j@corp.example.org today") == "write to j***@c***.org today"
    assert mask_text("cc jane.roe@corp.example.org, x@a.io.") == "cc j***@c***.org, x***@a***.io."


# --- phones ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "masked"),
    [
        ("+44 20 7946 0958", "***0958"),  # international
        ("+1 415 555 0199", "***0199"),
        ("+1 (415) 555-0199", "***0199"),
        ("+33 1 23 45 67 89", "***6789"),
        ("(555) 123-4567", "***4567"),  # North American
        ("555-123-4567", "***4567"),
        ("555.123.4567", "***4567"),
        ("555 123 4567", "***4567"),
        ("020 7946 0958", "***0958"),  # national, with a trunk 0
        ("02079460958", "***0958"),
        ("030-1234-5678", "***5678"),
    ],
)
def test_each_documented_phone_format_keeps_only_its_last_four(written, masked):
    assert mask_text(f"call {written} today") == f"call {masked} today"
    assert mask_phone(written) == masked


@pytest.mark.parametrize(("value", "masked"), [("1234", "***1234"), ("123", "***"), ("ext.", "***"), ("", "***")])
def test_a_phone_field_with_fewer_than_four_digits_shows_none(value, masked):
    assert mask_phone(value) == masked


def test_no_phone_stays_no_phone():
    assert mask_phone(None) is None


# --- instruments: last four ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "tail"),
    [("4111 1111 1111 1111", "1111"), ("+1 (415) 555-0199", "0199"), ("12 34", "1234"), ("123", None), ("", None)],
)
def test_last_four_digits_of_an_instrument(value, tail):
    assert last4(value) == tail


def test_no_instrument_has_no_last_four():
    assert last4(None) is None


@pytest.mark.parametrize(
    ("value", "masked"),
    [("4111 1111 1111 1111", "***1111"), ("378282246310005", "***0005"), ("12", "***"), ("", "***")],
)
def test_a_card_field_keeps_its_last_four_digits_or_nothing(value, masked):
    assert mask_card_number(value) == masked


def test_every_kind_in_one_message_is_masked_by_its_own_rule():
    text = "card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, mail j@corp.example.org, phone +44 20 7946 0958"
    assert mask_text(text) == "card ***1111, IBAN ***3000, mail j***@c***.org, phone ***0958"
    assert MASKERS["text"](text) == mask_text(text)
    assert mask_text("") == ""
