"""Generated card numbers, e-mails, phones and IBANs hidden in free text: exactly the policy survives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.security.masking import MASK, iban_valid, luhn_valid, mask_email, mask_text

DIGITS = "0123456789"
FILLER = st.lists(
    st.sampled_from(["Paid", "invoice", "Thanks", "ref.", "Customer", "Note:", "—", "ok,", "please", "Call"]),
    min_size=1,
    max_size=3,
).map(" ".join)


def _luhn_complete(body: str) -> str:
    for check in DIGITS:
        if luhn_valid(body + check):
            return body + check
    raise AssertionError("unreachable")


@st.composite
def card_numbers(draw) -> tuple[str, str]:
    length = draw(st.integers(13, 19))
    number = _luhn_complete(draw(st.text(DIGITS, min_size=length - 1, max_size=length - 1)))
    separator = draw(st.sampled_from(["", " ", "-"]))
    text = separator.join(number[i : i + 4] for i in range(0, len(number), 4)) if separator else number
    return text, f"{MASK}{number[-4:]}"


@st.composite
def emails(draw) -> tuple[str, str]:
    word = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
    local = draw(st.lists(word, min_size=1, max_size=3).map(".".join))
    labels = draw(
        st.lists(st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10), min_size=1, max_size=3)
    )
    tld = draw(st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6))
    address = f"{local}@{'.'.join(labels)}.{tld}"
    return address, mask_email(address)


@st.composite
def phones(draw) -> tuple[str, str]:
    style = draw(st.sampled_from(["international", "north_american", "national"]))
    if style == "international":
        country = draw(st.text(DIGITS[1:], min_size=1, max_size=1)) + draw(st.text(DIGITS, max_size=2))
        rest = draw(st.text(DIGITS, min_size=7, max_size=14 - len(country)))
        groups = [rest[i : i + 3] for i in range(0, len(rest), 3)]
        text, digits = f"+{country} " + " ".join(groups), country + rest
    elif style == "north_american":
        area, exchange, line = (draw(st.text(DIGITS, min_size=n, max_size=n)) for n in (3, 3, 4))
        text = draw(
            st.sampled_from([f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}", f"{area}.{exchange}.{line}"])
        )
        digits = area + exchange + line
    else:
        area = "0" + draw(st.text(DIGITS, min_size=2, max_size=4))
        middle, last = (draw(st.text(DIGITS, min_size=3, max_size=4)) for _ in range(2))
        text, digits = f"{area} {middle} {last}", area + middle + last
    return text, f"{MASK}{digits[-4:]}"


@st.composite
def ibans(draw) -> tuple[str, str]:
    country = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2))
    bban = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=11, max_size=30))
    check = 98 - int("".join(str(int(ch, 36)) for ch in bban + country + "00")) % 97
    compact = f"{country}{check:02d}{bban}"
    assert iban_valid(compact)
    spaced = draw(st.booleans())
    text = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4)) if spaced else compact
    return text, f"{MASK}{compact[-4:]}"


SENSITIVE = st.one_of(card_numbers(), emails(), phones(), ibans())


@settings(max_examples=1000)
@given(st.lists(st.tuples(FILLER, SENSITIVE), min_size=1, max_size=5), FILLER)
def test_every_sensitive_value_in_free_text_keeps_only_what_the_policy_allows(pieces, tail):
    text = " ".join(f"{filler} {value}" for filler, (value, _) in pieces) + f" {tail}"
    expected = " ".join(f"{filler} {masked}" for filler, (_, masked) in pieces) + f" {tail}"
    assert mask_text(text) == expected


@given(card_numbers())
def test_no_more_than_four_digits_of_a_card_survive(card):
    text, _ = card
    masked = mask_text(f"card {text} declined")
    assert sum(ch.isdigit() for ch in masked) == 4


@given(SENSITIVE)
def test_masking_is_idempotent(item):
    value, masked = item
    assert mask_text(mask_text(value)) == masked
