"""Every orchestrator command against an in-memory unit of work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.domain import errors
from tests.unit.money_harness import NOW, Harness


@pytest.fixture
def h() -> Harness:
    return Harness()


def test_record_payment_updates_invoice_creates_pending_commission_and_notifies(h):
    invoice = h.invoice(10_000)
    result = h.pay(invoice, 4_000)
    assert result.invoice_status == "partially_paid" and result.commission_minor == 400
    assert invoice.paid_minor == 4_000
    payment = h.store.rows["payment"][result.payment_id]
    assert payment.instrument_last4 == "4242" and payment.status == "succeeded"
    assert h.store.rows["commission"][result.commission_id].status == "pending"
    assert h.summary()["collected_minor"] == 4_000 and h.summary()["commissions_pending_minor"] == 400
    assert h.summary()["outstanding_minor"] == -4_000  # the issue step (not here) added the amount
    assert [n.kind for n in h.store.all("notification")] == ["payment_received"]


def test_paying_the_rest_marks_the_invoice_paid(h):
    invoice = h.invoice(10_000)
    h.pay(invoice, 4_000, key="p1")
    assert h.pay(invoice, 6_000, key="p2").invoice_status == "paid"


@pytest.mark.parametrize("status", ["draft", "void", "paid"])
def test_only_issued_or_partly_paid_invoices_take_payments(h, status):
    with pytest.raises(errors.InvoiceNotPayable, match="only issued or partially paid"):
        h.pay(h.invoice(status=status), 100)
    assert h.store.all("payment") == [] and h.store.commits == 0


@pytest.mark.parametrize("amount", [0, -5, 1.5, True, "100", 10**14])
def test_bad_amounts_change_nothing(h, amount):
    with pytest.raises(errors.AmountNotValid):
        h.pay(h.invoice(), amount)
    assert h.store.units == 0, "refused before any unit of work began"


def test_overpayment_wrong_currency_unknown_method_and_missing_invoice(h):
    invoice = h.invoice(1_000)
    with pytest.raises(errors.AmountNotValid, match=r"more than the €10\.00 still due"):
        h.pay(invoice, 1_001)
    with pytest.raises(errors.CurrencyMismatch):
        h.orchestrator.record_payment(
            invoice_id=invoice.id, amount_minor=10, currency="USD", method="card", idempotency_key="k"
        )
    with pytest.raises(errors.InputNotValid, match="payment method"):
        h.orchestrator.record_payment(
            invoice_id=invoice.id, amount_minor=10, currency="EUR", method="gold", idempotency_key="k"
        )
    with pytest.raises(errors.NotFound):
        h.orchestrator.record_payment(
            invoice_id=999, amount_minor=10, currency="EUR", method="card", idempotency_key="k"
        )
    assert h.store.commits == 0


def test_a_replay_returns_the_first_result_and_changes_nothing(h):
    invoice = h.invoice()
    first = h.pay(invoice, 1_000, key="same")
    again = h.pay(invoice, 1_000, key="same")
    assert again.replayed and not first.replayed
    assert again.payment_id == first.payment_id and again.commission_minor == first.commission_minor
    assert len(h.store.all("payment")) == 1 and invoice.paid_minor == 1_000


def test_the_same_key_with_another_payload_is_a_conflict(h):
    invoice = h.invoice()
    h.pay(invoice, 1_000, key="same")
    with pytest.raises(errors.IdempotencyConflict):
        h.pay(invoice, 2_000, key="same")
    with pytest.raises(errors.IdempotencyConflict):
        h.orchestrator.approve_commission(commission_id=1, idempotency_key="same")


@pytest.mark.parametrize("key", ["", " ", "has space", "x" * 101, "émoji🙂", None])
def test_idempotency_keys_are_validated(h, key):
    with pytest.raises(errors.IdempotencyKeyInvalid):
        h.pay(h.invoice(), 100, key=key)


def test_a_lost_race_is_retried_then_succeeds():
    h = Harness(stale_commits=2)
    result = h.pay(h.invoice(), 500)
    assert not result.replayed and len(h.store.all("payment")) == 1
    assert len(h.sleeps) == 2 and all(0 <= s <= 0.2 for s in h.sleeps)


def test_endless_races_end_in_a_concurrency_conflict():
    h = Harness(stale_commits=100, max_attempts=4)
    with pytest.raises(errors.ConcurrencyConflict, match="Reload and try again"):
        h.pay(h.invoice(), 500)
    assert h.store.all("payment") == [] and len(h.sleeps) == 3


def test_approving_credits_the_wallet_once(h):
    paid = h.pay(h.invoice(), 10_000)
    approved = h.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="a1")
    assert approved.credited_minor == 1_000 and approved.wallet_available_minor == 1_000
    [entry] = h.store.all("ledger")
    assert (entry.kind, entry.available_delta_minor, entry.available_after_minor) == (
        "commission_credit",
        1_000,
        1_000,
    )
    assert h.summary()["commissions_earned_minor"] == 1_000 and h.summary()["commissions_pending_minor"] == 0
    with pytest.raises(errors.CommissionNotApprovable, match="already credited"):
        h.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="a2")


def test_a_refund_of_a_credited_commission_claws_back_in_proportion(h):
    paid = h.pay(h.invoice(10_000), 10_000)
    h.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="a1")
    refund = h.orchestrator.refund_payment(
        payment_id=paid.payment_id,
        amount_minor=2_500,
        currency="EUR",
        reason="returned",
        idempotency_key="r1",
    )
    assert refund.clawback_minor == -250 and refund.invoice_status == "partially_paid"
    assert refund.payment_status == "partially_refunded"
    assert h.wallet().available_minor == 750
    assert h.store.rows["commission"][paid.commission_id].amount_minor == 1_000, "never edited"


def test_partial_refunds_claw_back_exactly_the_commission_in_total(h):
    invoice = h.invoice(1_001)
    paid = h.pay(invoice, 1_001)  # commission 100.1 → 100
    h.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="a")
    total = 0
    for n, amount in enumerate([333, 333, 335]):
        total += h.orchestrator.refund_payment(
            payment_id=paid.payment_id,
            amount_minor=amount,
            currency="EUR",
            reason="r",
            idempotency_key=f"r{n}",
        ).clawback_minor
    assert total == -100 and h.wallet().available_minor == 0
    assert invoice.status == "issued" and invoice.paid_minor == 0


def test_a_refund_before_approval_nets_the_pending_commission(h):
    paid = h.pay(h.invoice(10_000), 10_000)
    h.orchestrator.refund_payment(
        payment_id=paid.payment_id, amount_minor=4_000, currency="EUR", reason="r", idempotency_key="r"
    )
    assert h.summary()["commissions_pending_minor"] == 600
    approved = h.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="a")
    assert approved.credited_minor == 600 and h.wallet().available_minor == 600
    assert [e.kind for e in h.store.all("ledger")] == ["commission_credit", "clawback"]


def test_refund_errors(h):
    paid = h.pay(h.invoice(1_000), 1_000)
    with pytest.raises(errors.RefundExceedsPayment):
        h.orchestrator.refund_payment(
            payment_id=paid.payment_id, amount_minor=1_001, currency="EUR", reason="r", idempotency_key="x"
        )
    with pytest.raises(errors.ReasonRequired):
        h.orchestrator.refund_payment(
            payment_id=paid.payment_id, amount_minor=1, currency="EUR", reason="  ", idempotency_key="x"
        )
    h.orchestrator.refund_payment(
        payment_id=paid.payment_id, amount_minor=1_000, currency="EUR", reason="r", idempotency_key="full"
    )
    with pytest.raises(errors.PaymentNotRefundable):
        h.orchestrator.refund_payment(
            payment_id=paid.payment_id, amount_minor=1, currency="EUR", reason="r", idempotency_key="y"
        )


def test_clawbacks_cannot_be_approved_on_their_own(h):
    paid = h.pay(h.invoice(10_000), 10_000)
    refund = h.orchestrator.refund_payment(
        payment_id=paid.payment_id, amount_minor=100, currency="EUR", reason="r", idempotency_key="r"
    )
    with pytest.raises(errors.CommissionNotApprovable, match="Clawbacks"):
        h.orchestrator.approve_commission(commission_id=refund.clawback_id, idempotency_key="c")


def test_payout_holds_then_approval_debits(h):
    h.credited_wallet(5_000)
    requested = h.orchestrator.request_payout(
        agent_id=h.agent.id, amount_minor=3_000, currency="EUR", idempotency_key="po"
    )
    assert (requested.wallet_available_minor, requested.wallet_held_minor) == (2_000, 3_000)
    decided = h.orchestrator.approve_payout(payout_id=requested.payout_id, idempotency_key="po-ok")
    assert decided.status == "approved" and (decided.wallet_available_minor, decided.wallet_held_minor) == (
        2_000,
        0,
    )
    assert h.orchestrator.mark_payout_paid(payout_id=requested.payout_id, idempotency_key="po-paid").status == "paid"


@pytest.mark.parametrize("decision", ["reject", "cancel"])
def test_rejected_or_cancelled_payouts_release_the_hold(h, decision):
    h.credited_wallet(5_000)
    requested = h.orchestrator.request_payout(
        agent_id=h.agent.id, amount_minor=3_000, currency="EUR", idempotency_key="po"
    )
    if decision == "reject":
        decided = h.orchestrator.reject_payout(payout_id=requested.payout_id, reason="bank", idempotency_key="d")
    else:
        decided = h.orchestrator.cancel_payout(payout_id=requested.payout_id, idempotency_key="d")
    assert (decided.wallet_available_minor, decided.wallet_held_minor) == (5_000, 0)
    with pytest.raises(errors.PayoutNotPending):
        h.orchestrator.approve_payout(payout_id=requested.payout_id, idempotency_key="again")


def test_payout_refusals(h):
    with pytest.raises(errors.BelowMinimumPayout, match="below the minimum payout"):
        h.orchestrator.request_payout(agent_id=h.agent.id, amount_minor=1_000, currency="EUR", idempotency_key="a")
    h.credited_wallet(5_000)
    with pytest.raises(errors.InsufficientFunds, match=r"at most €50\.00"):
        h.orchestrator.request_payout(agent_id=h.agent.id, amount_minor=5_001, currency="EUR", idempotency_key="b")
    with pytest.raises(errors.BelowMinimumPayout, match=r"minimum payout is €10\.00"):
        h.orchestrator.request_payout(agent_id=h.agent.id, amount_minor=999, currency="EUR", idempotency_key="c")
    h.agent.status = "suspended"
    with pytest.raises(errors.AgentSuspended):
        h.orchestrator.request_payout(agent_id=h.agent.id, amount_minor=2_000, currency="EUR", idempotency_key="d")
    assert h.store.all("payout") == []


def test_the_minimum_payout_is_a_setting():
    h = Harness(settings={"minimum_payout_minor": 50})
    h.credited_wallet(100)
    result = h.orchestrator.request_payout(agent_id=h.agent.id, amount_minor=60, currency="EUR", idempotency_key="p")
    assert result.amount_minor == 60


def test_adjustments_need_a_reason_and_may_go_either_way(h):
    with pytest.raises(errors.ReasonRequired):
        h.orchestrator.adjust_wallet(
            agent_id=h.agent.id, amount_minor=500, currency="EUR", reason="", idempotency_key="a"
        )
    with pytest.raises(errors.AmountNotValid):
        h.orchestrator.adjust_wallet(
            agent_id=h.agent.id, amount_minor=0, currency="EUR", reason="x", idempotency_key="a"
        )
    up = h.orchestrator.adjust_wallet(
        agent_id=h.agent.id, amount_minor=500, currency="EUR", reason="goodwill", idempotency_key="a"
    )
    with pytest.raises(errors.NegativeBalanceNeedsConfirmation, match=r"balance at -€3\.00, below zero"):
        h.orchestrator.adjust_wallet(
            agent_id=h.agent.id, amount_minor=-800, currency="EUR", reason="correction", idempotency_key="b"
        )
    down = h.orchestrator.adjust_wallet(
        agent_id=h.agent.id, amount_minor=-800, currency="EUR", reason="correction", idempotency_key="c",
        confirm_negative=True,
    )  # fmt: skip
    assert (up.wallet_available_minor, down.wallet_available_minor) == (500, -300)
    assert [e.reason for e in h.store.all("ledger")] == ["goodwill", "correction"]


def test_maturity_approves_what_is_past_the_holding_period(h):
    invoice = h.invoice(100_000)
    old = h.pay(invoice, 10_000, key="old")
    h.clock_now = NOW + timedelta(days=10)
    young = h.pay(invoice, 10_000, key="young")
    report = h.orchestrator.approve_due_commissions(now=NOW + timedelta(days=15))
    assert (report.due, report.approved) == (1, 1)
    assert h.store.rows["commission"][old.commission_id].status == "credited"
    assert h.store.rows["commission"][young.commission_id].status == "pending"
    again = h.orchestrator.approve_due_commissions(now=NOW + timedelta(days=15))
    assert (again.due, again.approved) == (0, 0)


def test_the_holding_period_is_a_setting():
    h = Harness(settings={"commission_holding_days": 0})
    h.pay(h.invoice(), 1_000)
    assert h.orchestrator.approve_due_commissions(now=NOW).approved == 1
