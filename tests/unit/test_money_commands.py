"""The eight money commands check and normalise themselves when built: every refusal, its field and its text."""

from __future__ import annotations

import dataclasses

import pytest

from portal.domain import errors
from portal.models.wallet import PayoutDecision
from portal.services.money import commands
from portal.services.money.commands import (
    AdjustWallet,
    ApproveCommission,
    CancelPayout,
    DecidePayout,
    MarkPayoutPaid,
    RecordPayment,
    RefundPayment,
    RequestPayout,
)
from portal.services.money.handlers import MONEY_HANDLERS
from portal.services.money.results import (
    CommissionApproved,
    PaymentRecorded,
    PaymentRefunded,
    PayoutDecided,
    PayoutRequested,
    WalletAdjusted,
)


def refusal(raised: pytest.ExceptionInfo) -> tuple[type, str | None, str]:
    return type(raised.value), raised.value.field, raised.value.message


def payment(**changes) -> RecordPayment:
    fields = dict(idempotency_key="k", invoice_id=3, amount_minor=1_000, currency="EUR", method="card") | changes
    return RecordPayment(**fields)


def test_names_results_and_handlers():
    assert [(c.name, c.result_type) for c in MONEY_HANDLERS] == [
        ("record_payment", PaymentRecorded),
        ("refund_payment", PaymentRefunded),
        ("approve_commission", CommissionApproved),
        ("request_payout", PayoutRequested),
        ("decide_payout", PayoutDecided),
        ("cancel_payout", PayoutDecided),
        ("mark_payout_paid", PayoutDecided),
        ("adjust_wallet", WalletAdjusted),
    ]
    assert commands.MAX_REFERENCE_LENGTH == 120


@pytest.mark.parametrize(
    ("build", "what"),
    [
        (lambda: payment(invoice_id=0), "invoice"),
        (lambda: RefundPayment(idempotency_key="k", payment_id=0, amount_minor=1, currency="EUR", reason="r"),
         "payment"),
        (lambda: ApproveCommission(idempotency_key="k", commission_id=0), "commission"),
        (lambda: RequestPayout(idempotency_key="k", agent_id=0, amount_minor=1, currency="EUR"), "agent"),
        (lambda: DecidePayout(idempotency_key="k", payout_id=0, decision=PayoutDecision.APPROVE), "payout"),
        (lambda: CancelPayout(idempotency_key="k", payout_id=-1), "payout"),
        (lambda: MarkPayoutPaid(idempotency_key="k", payout_id=True), "payout"),
        (lambda: AdjustWallet(idempotency_key="k", agent_id=2**63, amount_minor=1, currency="EUR", reason="r"),
         "agent"),
    ],
)  # fmt: skip
def test_an_id_that_cannot_exist_is_not_found(build, what):
    with pytest.raises(errors.NotFound) as raised:
        build()
    assert refusal(raised) == (errors.NotFound, None, f"There is no such {what}.")


def test_a_key_is_checked_before_anything_else():
    with pytest.raises(errors.IdempotencyKeyInvalid):
        payment(idempotency_key="", invoice_id=0, amount_minor=0)


# --- record_payment -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["card", "bank_transfer", "cash", "other"])
def test_payment_methods(method):
    assert payment(method=method).method == method


@pytest.mark.parametrize("method", ["gold", "", "Card", None])
def test_an_unknown_payment_method(method):
    with pytest.raises(errors.InputNotValid) as raised:
        payment(method=method)
    assert refusal(raised) == (
        errors.InputNotValid,
        "method",
        "Choose a payment method: card, bank_transfer, cash, other.",
    )


@pytest.mark.parametrize("last4", [None, "0042", "4242"])
def test_the_last_four_digits_or_none(last4):
    assert payment(instrument_last4=last4).instrument_last4 == last4


@pytest.mark.parametrize("last4", ["424", "42424", "42a4", "", "4242424242424242"])
def test_anything_but_four_digits_is_refused(last4):
    with pytest.raises(errors.InputNotValid) as raised:
        payment(instrument_last4=last4)
    assert refusal(raised) == (
        errors.InputNotValid,
        "instrument",
        "Only the last four digits of the card or account are kept.",
    )


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("  TX-1  ", "TX-1"),
        ("paid with 4242424242424242", "paid with ***4242"),
        ("r" * 120, "r" * 120),
    ],
)
def test_the_external_reference_is_stripped_and_masked(given, kept):
    assert payment(external_reference=given).external_reference == kept


def test_a_reference_longer_than_its_column_is_refused_at_its_field():
    with pytest.raises(errors.InputNotValid) as refused:
        payment(external_reference="r" * 121)
    assert refused.value.message == "The payment reference can have at most 120 characters; this has 121."
    assert refused.value.field == "reference"


def test_payment_amounts():
    assert payment(amount_minor=10**13).amount_minor == 10**13
    for amount in (0, 10**13 + 1, 1.5, True):
        with pytest.raises(errors.AmountNotValid):
            payment(amount_minor=amount)


# --- refund_payment, adjust_wallet: reasons -----------------------------------------------------------------------


def test_a_refund_reason_is_stripped_and_masked():
    refund = RefundPayment(idempotency_key="k", payment_id=7, amount_minor=1, currency="EUR",
                           reason="  card 4111 1111 1111 1111 returned ")  # fmt: skip
    assert refund.reason == "card ***1111 returned"
    assert refund.audit_reason == "card ***1111 returned"


@pytest.mark.parametrize("reason", ["", "  ", None])
def test_a_refund_needs_a_reason(reason):
    with pytest.raises(errors.ReasonRequired) as raised:
        RefundPayment(idempotency_key="k", payment_id=7, amount_minor=1, currency="EUR", reason=reason)
    assert refusal(raised) == (errors.ReasonRequired, "reason", "Give a reason: it is kept in the audit trail.")


def test_a_refund_amount_is_positive():
    with pytest.raises(errors.AmountNotValid) as raised:
        RefundPayment(idempotency_key="k", payment_id=7, amount_minor=-1, currency="EUR", reason="r")
    assert raised.value.message == "Enter an amount greater than zero."


def test_an_adjustment_reason_is_stripped_and_masked():
    adjust = AdjustWallet(idempotency_key="k", agent_id=4, amount_minor=-5, currency="EUR",
                          reason=" iban GB82 WEST 1234 5698 7654 32 ")  # fmt: skip
    assert adjust.reason == "iban ***5432"


@pytest.mark.parametrize("amount", [1, -1, 10**13, -(10**13)])
def test_an_adjustment_goes_either_way(amount):
    adjust = AdjustWallet(idempotency_key="k", agent_id=4, amount_minor=amount, currency="EUR", reason="r")
    assert adjust.amount_minor == amount


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "Enter a non-zero whole number of minor units (negative to debit)."),
        (1.5, "Enter a non-zero whole number of minor units (negative to debit)."),
        (True, "Enter a non-zero whole number of minor units (negative to debit)."),
        (10**13 + 1, "That amount is too large."),
        (-(10**13) - 1, "That amount is too large."),
    ],
)
def test_adjustment_amount_refusals(amount, message):
    with pytest.raises(errors.AmountNotValid) as raised:
        AdjustWallet(idempotency_key="k", agent_id=4, amount_minor=amount, currency="EUR", reason="r")
    assert refusal(raised) == (errors.AmountNotValid, "amount", message)


def test_an_adjustment_needs_a_reason():
    with pytest.raises(errors.ReasonRequired):
        AdjustWallet(idempotency_key="k", agent_id=4, amount_minor=5, currency="EUR", reason=" ")


# --- payouts ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "ok"), [(1, True), (10**13, True), (0, False), (10**13 + 1, False)])
def test_payout_request_amounts(amount, ok):
    def build():
        return RequestPayout(idempotency_key="k", agent_id=4, amount_minor=amount, currency="EUR")

    if ok:
        assert build().amount_minor == amount
    else:
        with pytest.raises(errors.AmountNotValid):
            build()


@pytest.mark.parametrize("decision", [PayoutDecision.APPROVE, "approved"])
def test_an_approval_is_a_decision_with_no_reason(decision):
    decide = DecidePayout(idempotency_key="k", payout_id=9, decision=decision, reason="ignored")
    assert decide.decision is PayoutDecision.APPROVE
    assert decide.reason is None
    assert decide.audit_name == "approve_payout" and decide.audit_reason is None


@pytest.mark.parametrize("decision", [PayoutDecision.REJECT, "rejected"])
def test_a_rejection_keeps_its_reason_stripped_and_masked(decision):
    decide = DecidePayout(
        idempotency_key="k", payout_id=9, decision=decision, reason="  IBAN GB82 WEST 1234 5698 7654 32 "
    )
    assert decide.decision is PayoutDecision.REJECT
    assert decide.reason == "IBAN ***5432"
    assert decide.audit_name == "reject_payout"


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_a_rejection_needs_a_reason(reason):
    with pytest.raises(errors.ReasonRequired) as raised:
        DecidePayout(idempotency_key="k", payout_id=9, decision=PayoutDecision.REJECT, reason=reason)
    assert refusal(raised) == (errors.ReasonRequired, "reason", "Give a reason: it is kept in the audit trail.")


@pytest.mark.parametrize("decision", [PayoutDecision.CANCEL, "cancelled", "paid", "approve", None])
def test_staff_only_approve_or_reject(decision):
    with pytest.raises(errors.InputNotValid) as raised:
        DecidePayout(idempotency_key="k", payout_id=9, decision=decision, reason="r")
    assert refusal(raised) == (
        errors.InputNotValid,
        None,
        "Staff approve or reject a payout; the agent cancels it.",
    )


def test_a_cancel_may_name_the_agent():
    assert CancelPayout(idempotency_key="k", payout_id=9).agent_id is None
    assert CancelPayout(idempotency_key="k", payout_id=9, agent_id=4).agent_id == 4
    assert MarkPayoutPaid(idempotency_key="k", payout_id=9).payout_id == 9


def test_no_money_command_has_a_secret_field():
    """So the orchestrator's fingerprint key never enters a money fingerprint (see mutation-equivalent.txt)."""
    secret = [(c.name, f.name) for c in MONEY_HANDLERS for f in dataclasses.fields(c) if f.metadata.get("secret")]
    assert secret == []
