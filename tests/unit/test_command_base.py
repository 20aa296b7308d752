"""The command base: results as JSON, fingerprints pinned to their stored form, and the field validators.

A fingerprint is stored with its idempotency key and compared with the next request's, across restarts and
releases: its exact text (keys sorted, no spaces, the key left out, secrets keyed) is part of the contract, so
the tests pin the document it hashes, not just "two equal commands hash alike".
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal.commands.base import (
    MAX_AMOUNT_MINOR,
    MAX_REASON_LENGTH,
    SECRET,
    Command,
    CommandResult,
    new_idempotency_key,
    require_id,
    require_nonzero_amount,
    require_positive_amount,
    require_reason,
)
from portal.domain import errors


@dataclass(frozen=True)
class Echoed(CommandResult):
    value: int
    note: str | None = None


@dataclass(frozen=True)
class Period:
    start: date
    label: str


@dataclass(frozen=True, kw_only=True)
class Echo(Command[Echoed]):
    name = "echo"
    result_type = Echoed

    value: int = 1
    note: str | None = None
    password: str | None = field(default=None, metadata=SECRET)


@dataclass(frozen=True, kw_only=True)
class Everything(Command[Echoed]):
    """One field of every kind a command may carry."""

    name = "everything"
    result_type = Echoed

    when: datetime
    day: date
    logo: bytes
    items: tuple
    period: Period
    ratio: Decimal
    kind: type = int


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def refusal(raised: pytest.ExceptionInfo) -> tuple[type, str | None, str]:
    return type(raised.value), raised.value.field, raised.value.message


# --- results ------------------------------------------------------------------------------------------------------


def test_a_result_is_stored_without_its_replayed_flag_and_replayed_from_it():
    first = Echoed(replayed=False, value=3, note="n")
    assert first.to_json() == {"value": 3, "note": "n"}
    assert Echoed.from_json({"value": 3, "note": "n"}) == Echoed(replayed=True, value=3, note="n")
    assert Echoed.from_json({"value": 3}, replayed=False) == Echoed(replayed=False, value=3, note=None)


# --- keys ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["a", "A9", "0", "k" * 100, "a.b_c:d-e", "mature:12", "9-._:"])
def test_good_idempotency_keys(key):
    assert Echo(idempotency_key=key).idempotency_key == key


@pytest.mark.parametrize("key", ["", " ", ".a", "-a", "_a", ":a", "a b", "k" * 101, "é", "a/b", "a\n", None, 12, b"k"])
def test_bad_idempotency_keys(key):
    with pytest.raises(errors.IdempotencyKeyInvalid) as raised:
        Echo(idempotency_key=key)
    assert refusal(raised) == (
        errors.IdempotencyKeyInvalid,
        None,
        "An idempotency key of 1 to 100 letters, digits or . _ : - is required.",
    )


def test_a_new_key_is_fresh_and_valid():
    keys = {new_idempotency_key() for _ in range(50)}
    assert len(keys) == 50
    for key in keys:
        assert len(key) == 32 and set(key) <= set("0123456789abcdef")
        Echo(idempotency_key=key)


def test_audit_name_and_reason():
    assert Echo(idempotency_key="k").audit_name == "echo"
    assert Echo(idempotency_key="k").audit_reason is None

    @dataclass(frozen=True, kw_only=True)
    class WithReason(Echo):
        reason: str | None = None

    assert WithReason(idempotency_key="k", reason="because").audit_reason == "because"
    assert WithReason(idempotency_key="k").audit_reason is None


# --- fingerprints -------------------------------------------------------------------------------------------------


def test_the_fingerprint_hashes_the_sorted_compact_document_without_the_key():
    command = Echo(idempotency_key="k-1", value=42, note="hello")
    document = '{"command":"echo","note":"hello","password":null,"value":42}'
    assert command.fingerprint() == sha256(document)
    assert Echo(idempotency_key="other-key", value=42, note="hello").fingerprint() == command.fingerprint()
    assert Echo(idempotency_key="k-1", value=43, note="hello").fingerprint() != command.fingerprint()


def test_a_secret_enters_the_fingerprint_through_a_keyed_hash():
    command = Echo(idempotency_key="k", password="hunter2")
    keyed = hmac.new(b"", b"hunter2", hashlib.sha256).hexdigest()
    assert command.fingerprint() == sha256(f'{{"command":"echo","note":null,"password":"{keyed}","value":1}}')
    assert command.fingerprint(b"") == command.fingerprint()
    other_key = hmac.new(b"server-key", b"hunter2", hashlib.sha256).hexdigest()
    assert command.fingerprint(b"server-key") == sha256(
        f'{{"command":"echo","note":null,"password":"{other_key}","value":1}}'
    )
    assert "hunter2" not in command.fingerprint()


def test_a_missing_secret_stays_null():
    assert Echo(idempotency_key="k").fingerprint(b"server-key") == sha256(
        '{"command":"echo","note":null,"password":null,"value":1}'
    )


def test_a_field_that_is_not_secret_is_never_keyed():
    assert Echo(idempotency_key="k", note="x").fingerprint(b"a") == Echo(idempotency_key="k", note="x").fingerprint(
        b"b"
    )


def test_every_kind_of_field_enters_the_fingerprint_as_json_can_hold_it():
    command = Everything(
        idempotency_key="k",
        when=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        day=date(2026, 1, 2),
        logo=b"\x89PNG",
        items=(date(2026, 2, 3), b"ab", (1, "x")),
        period=Period(start=date(2026, 4, 5), label="Q2"),
        ratio=Decimal("1.50"),
    )
    logo = "sha256:" + hashlib.sha256(b"\x89PNG").hexdigest()
    ab = "sha256:" + hashlib.sha256(b"ab").hexdigest()
    document = (
        '{"command":"everything","day":"2026-01-02","items":["2026-02-03","' + ab + '",[1,"x"]],'
        '"kind":"<class \'int\'>","logo":"' + logo + '","period":{"label":"Q2","start":"2026-04-05"},'
        '"ratio":"1.50","when":"2026-01-02T03:04:05+00:00"}'
    )
    assert command.fingerprint() == sha256(document)


@pytest.mark.parametrize(
    ("command", "document"),
    [
        (
            "RecordPayment",
            '{"amount_minor":1000,"command":"record_payment","currency":"EUR","external_reference":null,'
            '"instrument_last4":"4242","invoice_id":3,"method":"card"}',
        ),
        (
            "DecidePayout",
            '{"command":"decide_payout","decision":"rejected","payout_id":9,"reason":"bank details missing"}',
        ),
    ],
)
def test_money_fingerprints_are_stable(command, document):
    from portal.models.wallet import PayoutDecision
    from portal.services.money import commands

    built = {
        "RecordPayment": lambda: commands.RecordPayment(
            idempotency_key="k", invoice_id=3, amount_minor=1000, currency="EUR", method="card",
            instrument_last4="4242",
        ),
        "DecidePayout": lambda: commands.DecidePayout(
            idempotency_key="k", payout_id=9, decision=PayoutDecision.REJECT, reason="bank details missing"
        ),
    }[command]()  # fmt: skip
    assert built.fingerprint() == sha256(document)


def test_fields_are_normalised_through_set():
    command = Echo(idempotency_key="k")
    command._set("note", "set")
    assert command.note == "set"
    with pytest.raises(dataclasses.FrozenInstanceError):
        command.note = "assigned"  # type: ignore[misc]


# --- amounts ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [1, 2, 999, MAX_AMOUNT_MINOR - 1, MAX_AMOUNT_MINOR])
def test_positive_amounts_up_to_ten_to_the_thirteen(amount):
    assert MAX_AMOUNT_MINOR == 10**13
    assert require_positive_amount(amount) == amount


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "Enter an amount greater than zero."),
        (-1, "Enter an amount greater than zero."),
        (-(10**13), "Enter an amount greater than zero."),
        (10**13 + 1, "That amount is too large."),
        (10**14, "That amount is too large."),
        (1.5, "The amount must be a whole number of minor units (cents)."),
        (1.0, "The amount must be a whole number of minor units (cents)."),
        (True, "The amount must be a whole number of minor units (cents)."),
        (False, "The amount must be a whole number of minor units (cents)."),
        ("100", "The amount must be a whole number of minor units (cents)."),
        (None, "The amount must be a whole number of minor units (cents)."),
        (Decimal(5), "The amount must be a whole number of minor units (cents)."),
    ],
)
def test_positive_amount_refusals(amount, message):
    with pytest.raises(errors.AmountNotValid) as raised:
        require_positive_amount(amount)
    assert refusal(raised) == (errors.AmountNotValid, "amount", message)


@pytest.mark.parametrize("amount", [1, -1, 500, -500, MAX_AMOUNT_MINOR, -MAX_AMOUNT_MINOR, MAX_AMOUNT_MINOR - 1])
def test_non_zero_amounts_either_way_up_to_ten_to_the_thirteen(amount):
    assert require_nonzero_amount(amount) == amount


NON_ZERO = "Enter a non-zero whole number of minor units (negative to debit)."


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, NON_ZERO),
        (1.5, NON_ZERO),
        (-1.5, NON_ZERO),
        (True, NON_ZERO),
        (False, NON_ZERO),
        ("5", NON_ZERO),
        (None, NON_ZERO),
        (10**13 + 1, "That amount is too large."),
        (-(10**13) - 1, "That amount is too large."),
    ],
)
def test_non_zero_amount_refusals(amount, message):
    with pytest.raises(errors.AmountNotValid) as raised:
        require_nonzero_amount(amount)
    assert refusal(raised) == (errors.AmountNotValid, "amount", message)


# --- reasons and ids ----------------------------------------------------------------------------------------------


def test_a_reason_is_stripped_and_masked():
    assert require_reason("  returned  ") == "returned"
    assert require_reason("card 4111 1111 1111 1111 returned") == "card ***1111 returned"


def test_a_reason_up_to_the_limit():
    assert MAX_REASON_LENGTH == 500
    assert require_reason("r" * 500) == "r" * 500
    assert require_reason(" " + "r" * 500 + " ") == "r" * 500


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Give a reason: it is kept in the audit trail."),
        ("   ", "Give a reason: it is kept in the audit trail."),
        (None, "Give a reason: it is kept in the audit trail."),
        (123, "Give a reason: it is kept in the audit trail."),
        (["why"], "Give a reason: it is kept in the audit trail."),
        ("r" * 501, "The reason can have at most 500 characters; this has 501."),
    ],
)
def test_reason_refusals(reason, message):
    with pytest.raises(errors.ReasonRequired) as raised:
        require_reason(reason)
    assert refusal(raised) == (errors.ReasonRequired, "reason", message)


@pytest.mark.parametrize("value", [1, 2, 2**31 - 1])
def test_ids_that_fit_an_id_column(value):
    assert require_id(value, "invoice") == value


@pytest.mark.parametrize("value", [0, -1, 2**31, 2**63, 2**64, True, False, 1.0, "1", None])
def test_other_ids_are_not_found(value):
    with pytest.raises(errors.NotFound) as raised:
        require_id(value, "payout")
    assert refusal(raised) == (errors.NotFound, None, "There is no such payout.")
