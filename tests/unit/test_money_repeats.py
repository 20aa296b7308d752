"""A money form sent again must be confirmed; an adjustment below zero must be confirmed: every rule pinned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.domain import errors
from portal.services.money.repeats import REPEAT_WINDOW, ago, check_not_a_repeat, since
from tests.unit.money_harness import Harness

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def h() -> Harness:
    return Harness(settings={"minimum_payout_minor": 1_000})


def refusal(raised) -> tuple:
    return type(raised.value), raised.value.field, raised.value.http_status, raised.value.message


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "less than a minute ago"), (59, "less than a minute ago"), (60, "1 minute ago"), (119, "1 minute ago"),
     (120, "2 minutes ago"), (599, "9 minutes ago")],
)  # fmt: skip
def test_ago_says_how_long_ago_in_whole_minutes(seconds, text):
    assert ago(T0, T0 + timedelta(seconds=seconds)) == text


def test_the_window_is_ten_minutes():
    assert timedelta(minutes=10) == REPEAT_WINDOW
    assert since(T0) == T0 - timedelta(minutes=10)


def test_no_earlier_movement_is_no_repeat():
    assert check_not_a_repeat(None, T0, "A payment", "record another?") is None


def test_an_earlier_movement_is_refused_with_what_happened_when_and_the_question():
    with pytest.raises(errors.RepeatNeedsConfirmation) as raised:
        check_not_a_repeat(T0, T0 + timedelta(minutes=3), "A payment of €7.00 was recorded on N-1", "record another?")
    assert refusal(raised) == (
        errors.RepeatNeedsConfirmation, "confirm_repeat", 409,
        "A payment of €7.00 was recorded on N-1 3 minutes ago — record another?",
    )  # fmt: skip


def pay(h: Harness, invoice, amount: int, key: str, confirm: bool = False):
    return h.orchestrator.record_payment(
        invoice_id=invoice.id, amount_minor=amount, currency="EUR", method="card", idempotency_key=key,
        confirm_repeat=confirm,
    )  # fmt: skip


def test_a_second_payment_of_the_same_amount_on_the_invoice_within_ten_minutes_asks(h):
    invoice = h.invoice(10_000)
    pay(h, invoice, 700, "p1")
    h.clock_now += timedelta(minutes=1, seconds=30)
    with pytest.raises(errors.RepeatNeedsConfirmation) as raised:
        pay(h, invoice, 700, "p2")
    assert raised.value.message == f"A payment of €7.00 was recorded on {invoice.number} 1 minute ago — record another?"
    assert len(h.store.all("payment")) == 1 and invoice.paid_minor == 700, "the refusal changed nothing"
    confirmed = pay(h, invoice, 700, "p2", confirm=True)
    assert confirmed.amount_minor == 700 and len(h.store.all("payment")) == 2


def test_another_amount_another_invoice_or_after_the_window_is_no_repeat(h):
    invoice, other = h.invoice(10_000), h.invoice(10_000)
    pay(h, invoice, 700, "p1")
    pay(h, invoice, 701, "p2")
    pay(h, other, 700, "p3")
    h.clock_now += timedelta(minutes=10, microseconds=1)
    pay(h, invoice, 700, "p4")
    assert len(h.store.all("payment")) == 4


def test_exactly_ten_minutes_later_is_still_a_repeat(h):
    invoice = h.invoice(10_000)
    pay(h, invoice, 700, "p1")
    h.clock_now += timedelta(minutes=10)
    with pytest.raises(errors.RepeatNeedsConfirmation):
        pay(h, invoice, 700, "p2")


def test_a_second_refund_of_the_same_amount_on_the_payment_asks(h):
    invoice = h.invoice(10_000)
    paid = h.pay(invoice, 5_000)

    def refund(key: str, amount: int = 1_000, confirm: bool = False):
        return h.orchestrator.refund_payment(
            payment_id=paid.payment_id, amount_minor=amount, currency="EUR", reason="returned", idempotency_key=key,
            confirm_repeat=confirm,
        )  # fmt: skip

    refund("r1")
    with pytest.raises(errors.RepeatNeedsConfirmation) as raised:
        refund("r2")
    assert raised.value.message == (
        f"A refund of €10.00 was made on payment #{paid.payment_id} less than a minute ago — refund as much again?"
    )
    assert len(h.store.all("refund")) == 1
    refund("r3", amount=999)
    refund("r2", confirm=True)
    assert len(h.store.all("refund")) == 3


def test_a_second_payout_request_of_the_same_amount_asks(h):
    h.credited_wallet(10_000)

    def request(key: str, amount: int = 2_000, confirm: bool = False):
        return h.orchestrator.request_payout(
            agent_id=h.agent.id, amount_minor=amount, currency="EUR", idempotency_key=key, confirm_repeat=confirm
        )

    request("q1")
    h.clock_now += timedelta(minutes=4)
    with pytest.raises(errors.RepeatNeedsConfirmation) as raised:
        request("q2")
    assert raised.value.message == "A payout of €20.00 was requested 4 minutes ago — request another?"
    assert len(h.store.all("payout")) == 1 and h.wallet().held_minor == 2_000
    request("q3", amount=2_500)
    request("q2", confirm=True)
    assert h.wallet().held_minor == 6_500


def adjust(h: Harness, amount: int, key: str, **confirm):
    return h.orchestrator.adjust_wallet(
        agent_id=h.agent.id, amount_minor=amount, currency="EUR", reason="correction", idempotency_key=key,
        **{"confirm_repeat": False, **confirm},
    )  # fmt: skip


def test_a_second_adjustment_by_the_same_amount_asks(h):
    adjust(h, 500, "a1")
    with pytest.raises(errors.RepeatNeedsConfirmation) as raised:
        adjust(h, 500, "a2")
    assert raised.value.message == "A's wallet was adjusted by €5.00 less than a minute ago — adjust it again?"
    adjust(h, 400, "a3")
    adjust(h, 500, "a2", confirm_repeat=True)
    assert h.wallet().available_minor == 1_400


def test_an_adjustment_to_exactly_zero_needs_no_confirmation_one_cent_below_does(h):
    adjust(h, 500, "a1")
    adjust(h, -500, "a2")
    assert h.wallet().available_minor == 0
    with pytest.raises(errors.NegativeBalanceNeedsConfirmation) as raised:
        adjust(h, -1, "a3")
    assert refusal(raised) == (
        errors.NegativeBalanceNeedsConfirmation, "confirm_negative", 409,
        "This leaves A's available balance at -€0.01, below zero. Tick the box to confirm.",
    )  # fmt: skip
    assert h.wallet().available_minor == 0 and len(h.store.all("ledger")) == 2
    adjust(h, -1, "a3", confirm_negative=True)
    assert h.wallet().available_minor == -1


def test_an_adjustment_up_is_never_asked_about_a_negative_balance(h):
    adjust(h, -300, "a1", confirm_negative=True)
    adjust(h, 100, "a2")
    assert h.wallet().available_minor == -200, "an adjustment that leaves it less negative needs no confirmation"


def test_programs_through_the_orchestrator_are_taken_at_their_word_about_repeats(h):
    invoice = h.invoice(10_000)
    h.pay(invoice, 700, key="k1")
    h.pay(invoice, 700, key="k2")
    assert len(h.store.all("payment")) == 2
