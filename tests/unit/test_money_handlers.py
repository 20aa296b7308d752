"""Each money command's whole effect, exactly: its answer, the rows it writes, its ledger entries, summaries,
notices, the wallet locks it takes, and its idempotency (replay and conflict) — on the in-memory unit of work.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from portal.domain import errors
from portal.models import Agent, Payment
from portal.services.money.commands import ApproveCommission
from portal.services.money.orchestrator import FinancialOrchestrator
from portal.services.money.results import (
    CommissionApproved,
    MaturityReport,
    PaymentRecorded,
    PaymentRefunded,
    PayoutDecided,
    PayoutRequested,
    WalletAdjusted,
)
from tests.unit.fakes import FakeStore, FakeUnitOfWork
from tests.unit.money_harness import NOW, Harness

LATER = NOW + timedelta(hours=3)
ACTOR = "user:1"
CORRELATION = "fake-correlation-id"
CONFLICT = "This request reuses the key of a different earlier request; send it again with a new key."

PAYMENT_COLUMNS = (
    "invoice_id", "agent_id", "amount_minor", "refunded_minor", "currency", "method", "instrument_last4",
    "external_reference", "idempotency_key", "status", "received_at", "recorded_by", "version",
)  # fmt: skip
COMMISSION_COLUMNS = (
    "agent_id", "payment_id", "refund_id", "kind", "rate_bps", "base_amount_minor", "amount_minor", "currency",
    "status", "created_at", "approved_at", "approved_by", "credited_at",
)  # fmt: skip
ENTRY_COLUMNS = (
    "wallet_id", "agent_id", "kind", "currency", "available_delta_minor", "held_delta_minor",
    "available_after_minor", "held_after_minor", "idempotency_key", "source_type", "source_id", "reason", "actor",
    "correlation_id", "created_at",
)  # fmt: skip
PAYOUT_COLUMNS = (
    "agent_id", "wallet_id", "amount_minor", "currency", "status", "idempotency_key", "requested_by", "requested_at",
    "decided_by", "decided_at", "rejection_reason", "paid_at",
)  # fmt: skip
NOTICE_COLUMNS = ("audience", "agent_id", "kind", "subject", "body")


def cols(row, names) -> dict:
    return {name: getattr(row, name) for name in names}


def entry(h: Harness, **values) -> dict:
    """A ledger entry of the harness's one wallet, with the stamp every command gives it."""
    wallet = h.wallet()
    base = dict(wallet_id=wallet.id, agent_id=h.agent.id, currency="EUR", reason=None, actor=ACTOR,
                correlation_id=CORRELATION, created_at=NOW)  # fmt: skip
    return base | values


def entries(h: Harness) -> list[dict]:
    return [cols(row, ENTRY_COLUMNS) for row in h.store.all("ledger")]


def notices(h: Harness) -> list[dict]:
    return [cols(row, NOTICE_COLUMNS) for row in h.store.all("notification")]


def to_agent(h: Harness, kind: str, subject: str, body: str) -> dict:
    return {"audience": "agent", "agent_id": h.agent.id, "kind": kind, "subject": subject, "body": body}


def changes(h: Harness, command: str) -> list[tuple]:
    """The summary changes one command committed, as (agent, currency, last payment at, deltas)."""
    return [change[1:] for change in h.store.summary_changes if change[0] == command]


def refund(h: Harness, payment_id: int, amount: int, key: str = "r1", reason: str = "returned"):
    return h.orchestrator.refund_payment(
        payment_id=payment_id, amount_minor=amount, currency="EUR", reason=reason, idempotency_key=key
    )


def request(h: Harness, amount: int = 3_000, key: str = "po"):
    return h.orchestrator.request_payout(agent_id=h.agent.id, amount_minor=amount, currency="EUR", idempotency_key=key)


@pytest.fixture
def h() -> Harness:
    return Harness()


# --- record_payment -----------------------------------------------------------------------------------------------


def test_record_payment_exactly(h):
    invoice = h.invoice(10_000)
    result = h.orchestrator.record_payment(
        invoice_id=invoice.id, amount_minor=4_000, currency="EUR", method="bank_transfer", instrument="DE44 1234 5678",
        external_reference="  TX-77 ", idempotency_key="pay-1",
    )  # fmt: skip
    assert result == PaymentRecorded(
        replayed=False, payment_id=result.payment_id, invoice_id=invoice.id, invoice_number="N-0",
        invoice_status="partially_paid", amount_minor=4_000, currency="EUR", commission_id=result.commission_id,
        commission_minor=400,
    )  # fmt: skip
    assert (invoice.paid_minor, invoice.status) == (4_000, "partially_paid")
    payment = h.store.rows["payment"][result.payment_id]
    assert cols(payment, PAYMENT_COLUMNS) == {
        "invoice_id": invoice.id, "agent_id": h.agent.id, "amount_minor": 4_000, "refunded_minor": 0,
        "currency": "EUR", "method": "bank_transfer", "instrument_last4": "5678", "external_reference": "TX-77",
        "idempotency_key": "pay-1", "status": "succeeded", "received_at": NOW, "recorded_by": ACTOR, "version": 1,
    }  # fmt: skip
    commission = h.store.rows["commission"][result.commission_id]
    assert cols(commission, COMMISSION_COLUMNS) == {
        "agent_id": h.agent.id, "payment_id": result.payment_id, "refund_id": None, "kind": "commission",
        "rate_bps": 1_000, "base_amount_minor": 4_000, "amount_minor": 400, "currency": "EUR", "status": "pending",
        "created_at": NOW, "approved_at": None, "approved_by": None, "credited_at": None,
    }  # fmt: skip
    assert notices(h) == [
        to_agent(
            h, "payment_received", "Payment received for invoice N-0",
            "€40.00 was received for invoice N-0 (Customer). Your commission of €4.00 is pending approval.",
        )
    ]  # fmt: skip
    assert changes(h, "record_payment") == [
        (h.agent.id, "EUR", NOW, {"collected_minor": 4_000, "outstanding_minor": -4_000,
                                  "commissions_pending_minor": 400}),
    ]  # fmt: skip
    assert h.store.locks == [] and h.store.all("ledger") == []
    record = h.store.rows["idempotency"]["pay-1"]
    assert (record.command, record.actor, record.result) == ("record_payment", ACTOR, result.to_json())


def test_a_payment_without_instrument_or_reference(h):
    invoice = h.invoice(500)
    result = h.orchestrator.record_payment(
        invoice_id=invoice.id, amount_minor=500, currency="EUR", method="cash", idempotency_key="cash-1"
    )
    payment = h.store.rows["payment"][result.payment_id]
    assert (payment.instrument_last4, payment.external_reference, payment.method) == (None, None, "cash")
    assert result.invoice_status == "paid" and invoice.status == "paid"


def test_the_second_payment_on_a_partly_paid_invoice_is_checked_against_what_is_left(h):
    invoice = h.invoice(10_000)
    h.pay(invoice, 4_000, key="p1")
    with pytest.raises(errors.AmountNotValid) as raised:
        h.pay(invoice, 6_001, key="p2")
    assert raised.value.message == "The payment of €60.01 is more than the €60.00 still due on invoice N-0."
    assert raised.value.field == "amount"
    assert h.pay(invoice, 6_000, key="p3").invoice_status == "paid"


def test_a_missing_invoice(h):
    with pytest.raises(errors.NotFound) as raised:
        h.orchestrator.record_payment(invoice_id=999, amount_minor=1, currency="EUR", method="card",
                                      idempotency_key="k")  # fmt: skip
    assert raised.value.message == "There is no such invoice."


# --- refund_payment -----------------------------------------------------------------------------------------------


def test_a_refund_of_a_credited_commission_exactly(h):
    paid = h.pay(h.invoice(10_000), 10_000)
    h.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="a1")
    h.clock_now = LATER
    result = refund(h, paid.payment_id, 2_500, reason="  goods returned ")
    assert result == PaymentRefunded(
        replayed=False, refund_id=result.refund_id, payment_id=paid.payment_id, invoice_number="N-0",
        amount_minor=2_500, currency="EUR", payment_status="partially_refunded", invoice_status="partially_paid",
        clawback_id=result.clawback_id, clawback_minor=-250,
    )  # fmt: skip
    assert result.clawback_id is not None
    stored = h.store.rows["refund"][result.refund_id]
    assert cols(stored, ("payment_id", "amount_minor", "currency", "reason", "idempotency_key", "created_at",
                         "created_by")) == {
        "payment_id": paid.payment_id, "amount_minor": 2_500, "currency": "EUR", "reason": "goods returned",
        "idempotency_key": "r1", "created_at": LATER, "created_by": ACTOR,
    }  # fmt: skip
    clawback = h.store.rows["commission"][result.clawback_id]
    assert cols(clawback, COMMISSION_COLUMNS) == {
        "agent_id": h.agent.id, "payment_id": paid.payment_id, "refund_id": result.refund_id, "kind": "clawback",
        "rate_bps": 1_000, "base_amount_minor": 2_500, "amount_minor": -250, "currency": "EUR", "status": "credited",
        "created_at": LATER, "approved_at": LATER, "approved_by": ACTOR, "credited_at": LATER,
    }  # fmt: skip
    assert entries(h)[-1] == entry(
        h, kind="clawback", available_delta_minor=-250, held_delta_minor=0, available_after_minor=750,
        held_after_minor=0, idempotency_key=f"clawback:{result.clawback_id}", source_type="commission",
        source_id=result.clawback_id, created_at=LATER,
    )  # fmt: skip
    assert changes(h, "refund_payment") == [
        (h.agent.id, "EUR", None, {"wallet_available_minor": -250, "wallet_held_minor": 0}),
        (h.agent.id, "EUR", None, {"commissions_earned_minor": -250}),
        (h.agent.id, "EUR", None, {"collected_minor": -2_500, "outstanding_minor": 2_500}),
    ]
    assert ("refund_payment", h.agent.id, "EUR") in h.store.locks
    assert notices(h)[-1] == to_agent(
        h, "commission_clawed_back", "Refund on invoice N-0",
        "€25.00 of a payment on invoice N-0 was refunded. Your commission is reduced by €2.50.",
    )  # fmt: skip


def test_a_refund_before_approval_claws_back_a_pending_commission_exactly(h):
    paid = h.pay(h.invoice(10_000), 10_000)
    result = refund(h, paid.payment_id, 4_000)
    clawback = h.store.rows["commission"][result.clawback_id]
    assert (clawback.status, clawback.amount_minor, clawback.approved_at, clawback.approved_by) == (
        "pending", -400, None, None,
    )  # fmt: skip
    assert changes(h, "refund_payment") == [
        (h.agent.id, "EUR", None, {"commissions_pending_minor": -400}),
        (h.agent.id, "EUR", None, {"collected_minor": -4_000, "outstanding_minor": 4_000}),
    ]
    assert h.store.locks == [] and h.store.all("ledger") == []
    # The approval credits the commission net of it, and credits the clawback with it.
    h.clock_now = LATER
    approved = h.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="a")
    assert approved == CommissionApproved(
        replayed=False, commission_id=paid.commission_id, credited_minor=600, currency="EUR", wallet_available_minor=600
    )
    assert (clawback.status, clawback.approved_at, clawback.approved_by, clawback.credited_at) == (
        "credited", LATER, ACTOR, LATER,
    )  # fmt: skip
    assert entries(h) == [
        entry(h, kind="commission_credit", available_delta_minor=1_000, held_delta_minor=0, available_after_minor=1_000,
              held_after_minor=0, idempotency_key=f"commission-credit:{paid.commission_id}", source_type="commission",
              source_id=paid.commission_id, created_at=LATER),
        entry(h, kind="clawback", available_delta_minor=-400, held_delta_minor=0, available_after_minor=600,
              held_after_minor=0, idempotency_key=f"clawback:{result.clawback_id}", source_type="commission",
              source_id=result.clawback_id, created_at=LATER),
    ]  # fmt: skip
    assert changes(h, "approve_commission") == [
        (h.agent.id, "EUR", None, {"wallet_available_minor": 1_000, "wallet_held_minor": 0}),
        (h.agent.id, "EUR", None, {"wallet_available_minor": -400, "wallet_held_minor": 0}),
        (h.agent.id, "EUR", None, {"commissions_pending_minor": -600, "commissions_earned_minor": 600}),
    ]
    assert notices(h)[-1]["body"] == f"€6.00 was credited to your wallet for payment #{paid.payment_id}."


def no_clawback(h: Harness, result, amount: int, payment_status: str) -> None:
    assert (result.clawback_id, result.clawback_minor, result.payment_status) == (None, 0, payment_status)
    assert [c.kind for c in h.store.all("commission")] == ["commission"]
    assert changes(h, "refund_payment") == [
        (h.agent.id, "EUR", None, {"collected_minor": -amount, "outstanding_minor": amount}),
    ]
    assert notices(h)[-1] == to_agent(
        h, "payment_refunded", "Refund on invoice N-0",
        f"€{amount / 100:.2f} of a payment on invoice N-0 was refunded. Your commission is unchanged.",
    )  # fmt: skip
    assert not [lock for lock in h.store.locks if lock[0] == "refund_payment"]


def test_a_refund_with_no_commission_to_claw_back(h):
    h.agent.commission_rate_bps = 0
    paid = h.pay(h.invoice(1_000), 1_000)
    assert paid.commission_minor == 0
    no_clawback(h, refund(h, paid.payment_id, 1), 1, "partially_refunded")


def test_a_full_refund_with_no_commission_to_claw_back(h):
    h.agent.commission_rate_bps = 0
    paid = h.pay(h.invoice(1_000), 1_000)
    h.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="a")
    no_clawback(h, refund(h, paid.payment_id, 1_000), 1_000, "refunded")


def test_a_clawback_that_rounds_to_zero_is_not_written(h):
    paid = h.pay(h.invoice(10_000), 10_000)  # commission 1 000
    h.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="a")
    no_clawback(h, refund(h, paid.payment_id, 4), 4, "partially_refunded")  # 0.4 → 0
    assert h.wallet().available_minor == 1_000


def test_a_pending_clawback_that_rounds_to_zero_is_not_written(h):
    paid = h.pay(h.invoice(10_000), 10_000)
    no_clawback(h, refund(h, paid.payment_id, 1), 1, "partially_refunded")


def test_a_one_cent_commission_is_clawed_back(h):
    paid = h.pay(h.invoice(10), 10)  # commission 1
    assert paid.commission_minor == 1
    h.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="a")
    result = refund(h, paid.payment_id, 5)  # 0.5 → 1, half-up
    assert (result.clawback_minor, h.wallet().available_minor) == (-1, 0)
    assert notices(h)[-1]["body"] == (
        "€0.05 of a payment on invoice N-0 was refunded. Your commission is reduced by €0.01."
    )
    second = refund(h, paid.payment_id, 5, key="r2")
    assert (second.clawback_id, second.clawback_minor, h.wallet().available_minor) == (None, 0, 0)


def test_a_payment_with_no_commission_row_is_refunded_without_clawback(h):
    invoice = h.invoice(1_000)
    invoice.paid_minor, invoice.status = 1_000, "paid"
    payment = Payment(id=next(h.store.ids), invoice_id=invoice.id, agent_id=h.agent.id, amount_minor=1_000,
                      refunded_minor=0, currency="EUR", method="card", status="succeeded")  # fmt: skip
    h.store.rows["payment"][payment.id] = payment
    result = refund(h, payment.id, 300)
    assert (result.clawback_id, result.clawback_minor, result.invoice_status) == (None, 0, "partially_paid")
    assert h.store.all("commission") == []


def test_an_over_refund_after_a_partial_refund_is_refused(h):
    paid = h.pay(h.invoice(1_000), 1_000)
    refund(h, paid.payment_id, 400)
    with pytest.raises(errors.RefundExceedsPayment) as raised:
        refund(h, paid.payment_id, 601, key="r2")
    assert raised.value.message == (
        f"The refund of €6.01 is more than the €6.00 left to refund on payment #{paid.payment_id}."
    )
    assert refund(h, paid.payment_id, 600, key="r3").payment_status == "refunded"


def test_a_missing_payment_or_invoice(h):
    with pytest.raises(errors.NotFound) as raised:
        refund(h, 999, 1)
    assert raised.value.message == "There is no such payment."
    invoice = h.invoice(1_000)
    paid = h.pay(invoice, 1_000)
    del h.store.rows["invoice"][invoice.id]
    with pytest.raises(errors.NotFound) as raised:
        refund(h, paid.payment_id, 1, key="r2")
    assert raised.value.message == "There is no such invoice."


# --- approve_commission -------------------------------------------------------------------------------------------


def test_approve_commission_exactly(h):
    paid = h.pay(h.invoice(10_000), 10_000)
    h.clock_now = LATER
    result = h.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="a1")
    assert result == CommissionApproved(
        replayed=False, commission_id=paid.commission_id, credited_minor=1_000, currency="EUR",
        wallet_available_minor=1_000,
    )  # fmt: skip
    commission = h.store.rows["commission"][paid.commission_id]
    assert cols(commission, ("status", "approved_at", "approved_by", "credited_at", "created_at")) == {
        "status": "credited", "approved_at": LATER, "approved_by": ACTOR, "credited_at": LATER, "created_at": NOW,
    }  # fmt: skip
    assert entries(h) == [
        entry(h, kind="commission_credit", available_delta_minor=1_000, held_delta_minor=0, available_after_minor=1_000,
              held_after_minor=0, idempotency_key=f"commission-credit:{paid.commission_id}", source_type="commission",
              source_id=paid.commission_id, created_at=LATER),
    ]  # fmt: skip
    assert changes(h, "approve_commission") == [
        (h.agent.id, "EUR", None, {"wallet_available_minor": 1_000, "wallet_held_minor": 0}),
        (h.agent.id, "EUR", None, {"commissions_pending_minor": -1_000, "commissions_earned_minor": 1_000}),
    ]
    assert h.store.locks == [("approve_commission", h.agent.id, "EUR")]
    assert h.store.refreshes == [("approve_commission", "Commission")]
    assert notices(h)[-1] == to_agent(
        h, "commission_credited", "Commission credited",
        f"€10.00 was credited to your wallet for payment #{paid.payment_id}.",
    )  # fmt: skip
    wallet = h.wallet()
    assert (wallet.agent_id, wallet.currency, wallet.available_minor, wallet.held_minor) == (
        h.agent.id,
        "EUR",
        1_000,
        0,
    )


def test_approving_a_commission_of_nothing_writes_no_ledger_entry(h):
    h.agent.commission_rate_bps = 0
    paid = h.pay(h.invoice(1_000), 1_000)
    result = h.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="a")
    assert (result.credited_minor, result.wallet_available_minor) == (0, 0)
    assert h.store.rows["commission"][paid.commission_id].status == "credited"
    assert h.store.all("ledger") == []
    assert changes(h, "approve_commission") == [
        (h.agent.id, "EUR", None, {"commissions_pending_minor": 0, "commissions_earned_minor": 0})
    ]


def test_a_missing_commission(h):
    with pytest.raises(errors.NotFound) as raised:
        h.orchestrator.approve_commission(commission_id=999, idempotency_key="a")
    assert raised.value.message == "There is no such commission."


# --- payouts ------------------------------------------------------------------------------------------------------


def test_request_payout_exactly(h):
    h.credited_wallet(5_000)
    h.clock_now = LATER
    result = request(h, 3_000)
    assert result == PayoutRequested(
        replayed=False, payout_id=result.payout_id, amount_minor=3_000, currency="EUR", wallet_available_minor=2_000,
        wallet_held_minor=3_000,
    )  # fmt: skip
    payout = h.store.rows["payout"][result.payout_id]
    assert cols(payout, PAYOUT_COLUMNS) == {
        "agent_id": h.agent.id, "wallet_id": h.wallet().id, "amount_minor": 3_000, "currency": "EUR",
        "status": "requested", "idempotency_key": "po", "requested_by": ACTOR, "requested_at": LATER,
        "decided_by": None, "decided_at": None, "rejection_reason": None, "paid_at": None,
    }  # fmt: skip
    assert entries(h)[-1] == entry(
        h, kind="payout_hold", available_delta_minor=-3_000, held_delta_minor=3_000, available_after_minor=2_000,
        held_after_minor=3_000, idempotency_key=f"payout-hold:{result.payout_id}", source_type="payout",
        source_id=result.payout_id, created_at=LATER,
    )  # fmt: skip
    assert changes(h, "request_payout") == [
        (h.agent.id, "EUR", None, {"wallet_available_minor": -3_000, "wallet_held_minor": 3_000}),
    ]
    assert h.store.locks[-1] == ("request_payout", h.agent.id, "EUR")
    assert cols(h.store.all("notification")[-1], NOTICE_COLUMNS) == {
        "audience": "staff", "agent_id": None, "kind": "payout_requested", "subject": "Payout requested by A",
        "body": "A asked for a payout of €30.00.",
    }  # fmt: skip


def test_a_balance_exactly_at_the_minimum_payout_may_be_paid_out(h):
    h.credited_wallet(1_000)
    result = request(h, 1_000)
    assert (result.wallet_available_minor, result.wallet_held_minor) == (0, 1_000)


def test_a_balance_one_cent_below_the_minimum_payout_is_refused(h):
    h.credited_wallet(999)
    with pytest.raises(errors.BelowMinimumPayout) as raised:
        request(h, 999)
    assert raised.value.message == "The available balance of €9.99 is below the minimum payout of €10.00."
    assert h.store.all("payout") == []


def test_payout_request_refusals(h):
    with pytest.raises(errors.NotFound) as raised:
        h.orchestrator.request_payout(agent_id=999, amount_minor=1_000, currency="EUR", idempotency_key="a")
    assert raised.value.message == "There is no such agent."
    with pytest.raises(errors.CurrencyMismatch) as raised:
        h.orchestrator.request_payout(agent_id=h.agent.id, amount_minor=1_000, currency="USD", idempotency_key="b")
    assert (raised.value.message, raised.value.field) == ("The wallet is in EUR; the amount given is in USD.", "amount")
    h.agent.status = "suspended"
    with pytest.raises(errors.AgentSuspended) as raised:
        request(h, 1_000, key="c")
    assert raised.value.message == "Payouts are not available while the agent is suspended."


@pytest.mark.parametrize(
    ("decision", "status", "available", "kind", "body"),
    [
        ("approve", "approved", 2_000, "payout_debit", "Your payout of €30.00 was approved and is on its way."),
        ("reject", "rejected", 5_000, "payout_release",
         "Your payout of €30.00 was rejected: bank details missing. The amount is available again."),
        ("cancel", "cancelled", 5_000, "payout_release", "Your payout request of €30.00 was cancelled."),
    ],
)  # fmt: skip
def test_deciding_a_payout_exactly(h, decision, status, available, kind, body):
    h.credited_wallet(5_000)
    requested = request(h)
    h.clock_now = LATER
    if decision == "approve":
        result = h.orchestrator.approve_payout(payout_id=requested.payout_id, idempotency_key="d")
    elif decision == "reject":
        result = h.orchestrator.reject_payout(payout_id=requested.payout_id, reason=" bank details missing ",
                                              idempotency_key="d")  # fmt: skip
    else:
        result = h.orchestrator.cancel_payout(payout_id=requested.payout_id, agent_id=h.agent.id, idempotency_key="d")
    assert result == PayoutDecided(
        replayed=False, payout_id=requested.payout_id, status=status, amount_minor=3_000, currency="EUR",
        wallet_available_minor=available, wallet_held_minor=0,
    )  # fmt: skip
    payout = h.store.rows["payout"][requested.payout_id]
    assert cols(payout, ("status", "requested_at", "decided_by", "decided_at", "rejection_reason", "paid_at")) == {
        "status": status, "requested_at": NOW, "decided_by": ACTOR, "decided_at": LATER,
        "rejection_reason": "bank details missing" if decision == "reject" else None, "paid_at": None,
    }  # fmt: skip
    moved = -3_000 if decision == "approve" else 3_000
    assert entries(h)[-1] == entry(
        h, kind=kind, available_delta_minor=0 if decision == "approve" else 3_000, held_delta_minor=-3_000,
        available_after_minor=available, held_after_minor=0,
        idempotency_key=f"{kind.replace('_', '-')}:{requested.payout_id}", source_type="payout",
        source_id=requested.payout_id, created_at=LATER,
    )  # fmt: skip
    name = f"{decision}_payout"
    assert changes(h, name) == [
        (h.agent.id, "EUR", None, {"wallet_available_minor": 0 if moved < 0 else 3_000, "wallet_held_minor": -3_000}),
    ]
    assert h.store.locks[-1] == (name, h.agent.id, "EUR")
    assert h.store.refreshes[-1] == (name, "Payout")
    assert notices(h)[-1] == to_agent(h, f"payout_{status}", f"Payout {status}", body)


def test_mark_payout_paid_exactly(h):
    h.credited_wallet(5_000)
    requested = request(h)
    h.orchestrator.approve_payout(payout_id=requested.payout_id, idempotency_key="ok")
    locks, ledger = list(h.store.locks), len(h.store.all("ledger"))
    h.clock_now = LATER
    result = h.orchestrator.mark_payout_paid(payout_id=requested.payout_id, idempotency_key="paid")
    assert result == PayoutDecided(
        replayed=False, payout_id=requested.payout_id, status="paid", amount_minor=3_000, currency="EUR",
        wallet_available_minor=2_000, wallet_held_minor=0,
    )  # fmt: skip
    payout = h.store.rows["payout"][requested.payout_id]
    assert (payout.status, payout.paid_at, payout.decided_at) == ("paid", LATER, NOW)
    assert h.store.locks == locks, "marking paid moves no money: it takes no wallet lock"
    assert len(h.store.all("ledger")) == ledger
    assert notices(h)[-1] == to_agent(
        h, "payout_paid", "Payout paid", "Your payout of €30.00 was paid out to your bank account."
    )
    with pytest.raises(errors.PayoutNotPending) as raised:
        h.orchestrator.mark_payout_paid(payout_id=requested.payout_id, idempotency_key="paid-again")
    assert raised.value.message == f"Payout #{requested.payout_id} is paid: only approved payouts can be marked paid."


def test_another_agent_cannot_cancel_a_payout(h):
    h.credited_wallet(5_000)
    requested = request(h)
    with pytest.raises(errors.NotFound) as raised:
        h.orchestrator.cancel_payout(payout_id=requested.payout_id, agent_id=h.agent.id + 100, idempotency_key="x")
    assert raised.value.message == "There is no such payout."
    assert h.store.rows["payout"][requested.payout_id].status == "requested"
    assert h.orchestrator.cancel_payout(payout_id=requested.payout_id, idempotency_key="y").status == "cancelled"


@pytest.mark.parametrize("command", ["approve_payout", "cancel_payout", "mark_payout_paid"])
def test_a_missing_payout(h, command):
    with pytest.raises(errors.NotFound) as raised:
        getattr(h.orchestrator, command)(payout_id=999, idempotency_key="x")
    assert raised.value.message == "There is no such payout."


@pytest.mark.parametrize("command", ["approve_payout", "mark_payout_paid"])
def test_a_payout_whose_wallet_is_missing(h, command):
    h.credited_wallet(5_000)
    requested = request(h)
    h.store.rows["payout"][requested.payout_id].status = "approved" if command == "mark_payout_paid" else "requested"
    h.store.rows["wallet"].clear()
    with pytest.raises(errors.NotFound) as raised:
        getattr(h.orchestrator, command)(payout_id=requested.payout_id, idempotency_key="x")
    assert raised.value.message == "The payout's wallet is missing."


# --- adjust_wallet ------------------------------------------------------------------------------------------------


def test_adjust_wallet_exactly(h):
    with pytest.raises(errors.NegativeBalanceNeedsConfirmation) as refused:
        h.orchestrator.adjust_wallet(
            agent_id=h.agent.id, amount_minor=-300, currency="EUR", reason=" correction ", idempotency_key="adj-0"
        )
    assert refused.value.message == (
        "This leaves A's available balance at -€3.00, below zero. Tick the box to confirm."
    )
    assert refused.value.field == "confirm_negative" and h.store.all("ledger") == []
    h.store.locks.clear()
    result = h.orchestrator.adjust_wallet(
        agent_id=h.agent.id, amount_minor=-300, currency="EUR", reason=" correction ", idempotency_key="adj-1",
        confirm_negative=True,
    )  # fmt: skip
    wallet = h.wallet()
    [ledger] = h.store.all("ledger")
    assert result == WalletAdjusted(
        replayed=False, wallet_id=wallet.id, entry_id=ledger.id, amount_minor=-300, currency="EUR",
        wallet_available_minor=-300,
    )  # fmt: skip
    assert (wallet.agent_id, wallet.currency) == (h.agent.id, "EUR")
    assert entries(h) == [
        entry(h, kind="adjustment", available_delta_minor=-300, held_delta_minor=0, available_after_minor=-300,
              held_after_minor=0, idempotency_key="adjustment:adj-1", source_type="adjustment", source_id=None,
              reason="correction"),
    ]  # fmt: skip
    assert changes(h, "adjust_wallet") == [
        (h.agent.id, "EUR", None, {"wallet_available_minor": -300, "wallet_held_minor": 0}),
    ]
    assert h.store.locks == [("adjust_wallet", h.agent.id, "EUR")]
    assert notices(h) == [
        to_agent(h, "wallet_adjusted", "Wallet adjusted", "Your available balance was adjusted by -€3.00: correction")
    ]


@pytest.mark.parametrize("amount", [1.5, True, False, 0, "5", 10**13 + 1, -(10**13) - 1])
def test_adjust_wallet_refuses_amounts_that_are_not_whole_or_too_large(h, amount):
    with pytest.raises(errors.AmountNotValid):
        h.orchestrator.adjust_wallet(
            agent_id=h.agent.id, amount_minor=amount, currency="EUR", reason="r", idempotency_key="a"
        )
    assert h.store.units == 0


@pytest.mark.parametrize("amount", [10**13, -(10**13)])
def test_adjust_wallet_takes_ten_to_the_thirteen(h, amount):
    result = h.orchestrator.adjust_wallet(
        agent_id=h.agent.id, amount_minor=amount, currency="EUR", reason="r", idempotency_key="a",
        confirm_negative=True,
    )  # fmt: skip
    assert result.wallet_available_minor == amount


def test_adjust_wallet_refusals(h):
    with pytest.raises(errors.NotFound) as raised:
        h.orchestrator.adjust_wallet(agent_id=999, amount_minor=5, currency="EUR", reason="r", idempotency_key="a")
    assert raised.value.message == "There is no such agent."
    with pytest.raises(errors.CurrencyMismatch) as raised:
        h.orchestrator.adjust_wallet(agent_id=h.agent.id, amount_minor=5, currency="GBP", reason="r",
                                     idempotency_key="b")  # fmt: skip
    assert raised.value.message == "The wallet is in EUR; the amount given is in GBP."
    assert h.store.all("wallet") == [] and h.store.locks == []


# --- the wallet lock ----------------------------------------------------------------------------------------------


def test_every_command_that_moves_a_wallet_takes_its_lock_first_and_reads_again_under_it(h):
    paid = h.pay(h.invoice(100_000), 100_000)
    h.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="approve")
    refund(h, paid.payment_id, 10_000)  # claws back a credited commission: moves the wallet
    first = request(h, 2_000, key="po-1")
    h.orchestrator.approve_payout(payout_id=first.payout_id, idempotency_key="approve-po")
    h.orchestrator.mark_payout_paid(payout_id=first.payout_id, idempotency_key="paid-po")
    second = request(h, 2_000, key="po-2")
    h.orchestrator.reject_payout(payout_id=second.payout_id, reason="no", idempotency_key="reject-po")
    third = request(h, 2_000, key="po-3")
    h.orchestrator.cancel_payout(payout_id=third.payout_id, idempotency_key="cancel-po")
    h.orchestrator.adjust_wallet(agent_id=h.agent.id, amount_minor=5, currency="EUR", reason="r", idempotency_key="adj")
    me = (h.agent.id, "EUR")
    assert h.store.locks == [
        ("approve_commission", *me), ("refund_payment", *me), ("request_payout", *me), ("approve_payout", *me),
        ("request_payout", *me), ("reject_payout", *me), ("request_payout", *me), ("cancel_payout", *me),
        ("adjust_wallet", *me),
    ]  # fmt: skip
    assert h.store.refreshes == [
        ("approve_commission", "Commission"), ("approve_payout", "Payout"), ("reject_payout", "Payout"),
        ("cancel_payout", "Payout"),
    ]  # fmt: skip
    assert {e.kind for e in h.store.all("ledger")} == {
        "commission_credit", "clawback", "payout_hold", "payout_debit", "payout_release", "adjustment",
    }  # fmt: skip


# --- idempotency: every command -----------------------------------------------------------------------------------


def _record_payment(h: Harness):
    invoice = h.invoice(10_000)
    args = dict(invoice_id=invoice.id, amount_minor=1_000, currency="EUR", method="card")
    return h.orchestrator.record_payment, args, {"amount_minor": 2_000}


def _refund_payment(h: Harness):
    paid = h.pay(h.invoice(10_000), 10_000, key="setup-pay")
    h.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key="setup-approve")
    args = dict(payment_id=paid.payment_id, amount_minor=1_000, currency="EUR", reason="returned")
    return h.orchestrator.refund_payment, args, {"amount_minor": 1_001}


def _approve_commission(h: Harness):
    first = h.pay(h.invoice(10_000), 10_000, key="setup-1")
    other = h.pay(h.invoice(10_000), 10_000, key="setup-2")
    return (
        h.orchestrator.approve_commission,
        {"commission_id": first.commission_id},
        {"commission_id": other.commission_id},
    )


def _request_payout(h: Harness):
    h.credited_wallet(5_000)
    return (
        h.orchestrator.request_payout,
        dict(agent_id=h.agent.id, amount_minor=2_000, currency="EUR"),
        {"amount_minor": 2_001},
    )


def _two_payouts(h: Harness) -> tuple[int, int]:
    h.credited_wallet(5_000)
    return request(h, 2_000, key="setup-po-1").payout_id, request(h, 2_000, key="setup-po-2").payout_id


def _approve_payout(h: Harness):
    first, other = _two_payouts(h)
    return h.orchestrator.approve_payout, {"payout_id": first}, {"payout_id": other}


def _reject_payout(h: Harness):
    first, _ = _two_payouts(h)
    return h.orchestrator.reject_payout, {"payout_id": first, "reason": "bank"}, {"reason": "other reason"}


def _cancel_payout(h: Harness):
    first, other = _two_payouts(h)
    return h.orchestrator.cancel_payout, {"payout_id": first}, {"payout_id": other}


def _mark_payout_paid(h: Harness):
    first, other = _two_payouts(h)
    h.orchestrator.approve_payout(payout_id=first, idempotency_key="setup-ok-1")
    h.orchestrator.approve_payout(payout_id=other, idempotency_key="setup-ok-2")
    return h.orchestrator.mark_payout_paid, {"payout_id": first}, {"payout_id": other}


def _adjust_wallet(h: Harness):
    args = dict(agent_id=h.agent.id, amount_minor=500, currency="EUR", reason="goodwill")
    return h.orchestrator.adjust_wallet, args, {"amount_minor": -500}


EVERY_COMMAND = {
    "record_payment": _record_payment,
    "refund_payment": _refund_payment,
    "approve_commission": _approve_commission,
    "request_payout": _request_payout,
    "approve_payout": _approve_payout,
    "reject_payout": _reject_payout,
    "cancel_payout": _cancel_payout,
    "mark_payout_paid": _mark_payout_paid,
    "adjust_wallet": _adjust_wallet,
}


def state(h: Harness):
    """Everything a second run could change."""
    rows = {kind: len(rows) for kind, rows in h.store.rows.items() if rows}
    money = [(w.available_minor, w.held_minor) for w in h.store.all("wallet")]
    statuses = [(p.status, p.decided_at) for p in h.store.all("payout")]
    invoices = [(i.paid_minor, i.status) for i in h.store.all("invoice")]
    return (rows, money, statuses, invoices, h.store.commits, len(h.store.locks), len(h.store.summary_changes))


@pytest.mark.parametrize("command", list(EVERY_COMMAND))
def test_every_command_replays_its_first_answer_and_changes_nothing(h, command):
    call, args, _ = EVERY_COMMAND[command](h)
    first = call(**args, idempotency_key="the-key")
    before = state(h)
    h.clock_now = LATER
    again = call(**args, idempotency_key="the-key")
    assert not first.replayed and again.replayed
    assert again == dataclasses.replace(first, replayed=True)
    assert state(h) == before
    record = h.store.rows["idempotency"]["the-key"]
    assert (record.command, record.actor, record.result) == (command, ACTOR, first.to_json())


@pytest.mark.parametrize("command", list(EVERY_COMMAND))
def test_every_command_refuses_its_key_for_another_request(h, command):
    call, args, other = EVERY_COMMAND[command](h)
    call(**args, idempotency_key="the-key")
    before = state(h)
    with pytest.raises(errors.IdempotencyConflict) as raised:
        call(**(args | other), idempotency_key="the-key")
    assert (raised.value.message, raised.value.http_status) == (CONFLICT, 409)
    assert state(h) == before


def test_a_payout_key_used_to_approve_cannot_reject(h):
    first, _ = _two_payouts(h)
    h.orchestrator.approve_payout(payout_id=first, idempotency_key="decide-1")
    with pytest.raises(errors.IdempotencyConflict):
        h.orchestrator.reject_payout(payout_id=first, reason="r", idempotency_key="decide-1")
    assert h.store.rows["payout"][first].status == "approved"


# --- maturity -----------------------------------------------------------------------------------------------------


def aged_payments(h: Harness, count: int) -> list[int]:
    invoice = h.invoice(100_000)
    return [h.pay(invoice, 1_000, key=f"aged-{n}").commission_id for n in range(count)]


def test_maturity_runs_on_the_clock_with_the_holding_setting_and_a_batch_of_500(h):
    commissions = aged_payments(h, 2)
    h.clock_now = NOW + timedelta(days=20)
    opened = len(h.store.opened)
    report = h.orchestrator.approve_due_commissions()
    assert report == MaturityReport(due=2, approved=2, skipped=[])
    assert h.store.due_queries == [(NOW + timedelta(days=6), 500)]
    assert h.store.opened[opened:] == [
        ("plan_commission_maturity", None), ("approve_commission", None), ("approve_commission", None),
    ]  # fmt: skip
    assert [h.store.rows["commission"][c].status for c in commissions] == ["credited", "credited"]
    assert set(h.store.rows["idempotency"]) >= {f"mature:{c}" for c in commissions}


def test_maturity_takes_a_limit(h):
    aged_payments(h, 3)
    report = h.orchestrator.approve_due_commissions(now=NOW + timedelta(days=30), limit=2)
    assert (report.due, report.approved) == (2, 2)
    assert h.store.due_queries == [(NOW + timedelta(days=16), 2)]


def test_maturity_skips_a_refused_commission_and_does_not_count_a_replay(h):
    refused, replayed, fresh = aged_payments(h, 3)
    record = type("Record", (), {})
    conflicting = record()
    conflicting.command, conflicting.request_hash, conflicting.result = "adjust_wallet", "x", {}
    h.store.rows["idempotency"][f"mature:{refused}"] = conflicting
    earlier = record()
    earlier.command = "approve_commission"
    earlier.request_hash = ApproveCommission(idempotency_key=f"mature:{replayed}", commission_id=replayed).fingerprint()
    earlier.result = {"commission_id": replayed, "credited_minor": 100, "currency": "EUR", "wallet_available_minor": 0}
    h.store.rows["idempotency"][f"mature:{replayed}"] = earlier
    report = h.orchestrator.approve_due_commissions(now=NOW + timedelta(days=15))
    assert report == MaturityReport(due=3, approved=1, skipped=[(refused, CONFLICT)])
    assert h.store.rows["commission"][fresh].status == "credited"


# --- the orchestrator's own defaults ------------------------------------------------------------------------------


def test_the_orchestrator_tries_ten_times_by_default():
    store = FakeStore()
    sleeps: list[float] = []
    agent = Agent(id=1, slug="a", name="A", status="active", commission_rate_bps=1_000, currency="EUR")
    store.rows["agent"][1] = agent
    orchestrator = FinancialOrchestrator(
        lambda command, reason: FakeUnitOfWork(store, command, reason, None, stale_commits=100), sleep=sleeps.append
    )
    with pytest.raises(errors.ConcurrencyConflict):
        orchestrator.adjust_wallet(agent_id=1, amount_minor=5, currency="EUR", reason="r", idempotency_key="k")
    assert store.commits == 10 and len(sleeps) == 9
