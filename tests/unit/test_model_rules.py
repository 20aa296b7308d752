"""The money rules on the models, with no database: every transition, every refusal and its exact text.

Each model is built in memory as the unit of work would hand it over; nothing is flushed. A refusal is
checked for its type, the field it names and its whole message (people read it as it is).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.domain import errors
from portal.domain.money import prorate_half_up
from portal.models import Commission, Invoice, Payment, Payout, Wallet, WalletTransaction
from portal.models.billing import (
    INVOICE_STATUSES,
    PAYMENT_METHODS,
    InvoiceStatus,
    PaymentMethod,
    PaymentStatus,
    still_due_minor,
)
from portal.models.commission import CommissionKind, CommissionStatus
from portal.models.ledger_rules import LEDGER_RULES, LedgerKind, LedgerRule, Sign, deltas_match_kind_sql
from portal.models.wallet import Movement, PayoutDecision, PayoutStatus, Stamp

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def refusal(raised: pytest.ExceptionInfo) -> tuple[type, str | None, str]:
    """A refusal as (type, field, message), so one assertion pins all three."""
    return type(raised.value), raised.value.field, raised.value.message


# --- invoices -----------------------------------------------------------------------------------------------------


def invoice(status: str = "issued", amount: int = 10_000, paid: int = 0, currency: str = "EUR") -> Invoice:
    return Invoice(
        id=3, agent_id=4, number="ACME-00001", customer_name="Customer", amount_minor=amount, paid_minor=paid,
        currency=currency, status=status,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("status", "payable", "billed", "voidable", "label"),
    [
        ("draft", False, False, True, "draft"),
        ("issued", True, True, True, "issued"),
        ("partially_paid", True, True, False, "partially paid"),
        ("paid", False, True, False, "paid"),
        ("void", False, False, False, "void"),
    ],
)
def test_invoice_status_properties(status, payable, billed, voidable, label):
    value = InvoiceStatus(status)
    assert (value.payable, value.billed, value.voidable, value.label) == (payable, billed, voidable, label)


def test_the_invoice_statuses_in_order():
    assert INVOICE_STATUSES == ("draft", "issued", "partially_paid", "paid", "void")


@pytest.mark.parametrize(
    ("paid", "amount", "status"),
    [(0, 100, "issued"), (1, 100, "partially_paid"), (99, 100, "partially_paid"), (100, 100, "paid")],
)
def test_invoice_status_after_payments(paid, amount, status):
    assert InvoiceStatus.after_payments(paid, amount) == status


@pytest.mark.parametrize(
    ("status", "amount", "paid", "due"),
    [
        ("issued", 10_000, 0, 10_000),
        ("partially_paid", 10_000, 4_000, 6_000),
        ("partially_paid", 10_000, 9_999, 1),
        ("draft", 10_000, 0, 0),
        ("void", 10_000, 0, 0),
        ("paid", 10_000, 10_000, 0),
    ],
)
def test_what_is_still_due(status, amount, paid, due):
    assert still_due_minor(status, amount, paid) == due
    assert invoice(status, amount, paid).still_due_minor == due


def test_issuing_a_draft():
    draft = invoice("draft")
    draft.issue(NOW)
    assert (draft.status, draft.issued_at) == ("issued", NOW)


@pytest.mark.parametrize(
    ("status", "label"),
    [("issued", "issued"), ("partially_paid", "partially paid"), ("paid", "paid"), ("void", "void")],
)
def test_only_drafts_are_issued(status, label):
    issued = invoice(status)
    with pytest.raises(errors.InvoiceStateConflict) as raised:
        issued.issue(NOW)
    assert refusal(raised) == (
        errors.InvoiceStateConflict,
        None,
        f"Invoice ACME-00001 is {label}: only drafts can be issued.",
    )
    assert (issued.status, issued.issued_at) == (status, None)


@pytest.mark.parametrize(("status", "counted"), [("draft", False), ("issued", True)])
def test_voiding_an_unpaid_invoice_says_whether_it_was_counted(status, counted):
    unpaid = invoice(status)
    assert unpaid.void(NOW) is counted
    assert (unpaid.status, unpaid.voided_at) == ("void", NOW)


@pytest.mark.parametrize(
    ("status", "label"), [("partially_paid", "partially paid"), ("paid", "paid"), ("void", "void")]
)
def test_a_paid_or_void_invoice_is_not_voided(status, label):
    paid = invoice(status, paid=5_000 if status == "partially_paid" else 0)
    with pytest.raises(errors.InvoiceStateConflict) as raised:
        paid.void(NOW)
    assert refusal(raised) == (
        errors.InvoiceStateConflict,
        None,
        f"Invoice ACME-00001 is {label}: refund its payments before voiding it.",
    )
    assert (paid.status, paid.voided_at) == (status, None)


def test_taking_payments_until_paid():
    bill = invoice(amount=10_000)
    bill.take_payment(4_000, "EUR")
    assert (bill.paid_minor, bill.status) == (4_000, "partially_paid")
    bill.take_payment(5_999, "EUR")
    assert (bill.paid_minor, bill.status) == (9_999, "partially_paid")
    bill.take_payment(1, "EUR")
    assert (bill.paid_minor, bill.status) == (10_000, "paid")


def test_a_fresh_invoice_takes_its_whole_amount_and_not_a_cent_more():
    fresh = invoice(amount=1_000)
    with pytest.raises(errors.AmountNotValid) as raised:
        fresh.take_payment(1_001, "EUR")
    assert refusal(raised) == (
        errors.AmountNotValid,
        "amount",
        "The payment of €10.01 is more than the €10.00 still due on invoice ACME-00001.",
    )
    assert (fresh.paid_minor, fresh.status) == (0, "issued")
    fresh.take_payment(1_000, "EUR")
    assert (fresh.paid_minor, fresh.status) == (1_000, "paid")


def test_a_partly_paid_invoice_takes_what_is_left_and_not_a_cent_more():
    """The guard compares with amount − paid: a partly paid invoice shows it (on a fresh one paid is 0)."""
    partly = invoice("partially_paid", amount=10_000, paid=4_000)
    with pytest.raises(errors.AmountNotValid) as raised:
        partly.take_payment(6_001, "EUR")
    assert refusal(raised) == (
        errors.AmountNotValid,
        "amount",
        "The payment of €60.01 is more than the €60.00 still due on invoice ACME-00001.",
    )
    assert (partly.paid_minor, partly.status) == (4_000, "partially_paid")
    partly.take_payment(6_000, "EUR")
    assert (partly.paid_minor, partly.status) == (10_000, "paid")


def test_the_over_payment_message_is_in_the_invoice_currency():
    yen = invoice(amount=500, currency="JPY")
    with pytest.raises(errors.AmountNotValid) as raised:
        yen.take_payment(501, "JPY")
    assert raised.value.message == "The payment of ¥501 is more than the ¥500 still due on invoice ACME-00001."


@pytest.mark.parametrize(("status", "label"), [("draft", "draft"), ("paid", "paid"), ("void", "void")])
def test_only_issued_or_partly_paid_invoices_take_payments(status, label):
    closed = invoice(status, paid=10_000 if status == "paid" else 0)
    with pytest.raises(errors.InvoiceNotPayable) as raised:
        closed.take_payment(1, "EUR")
    assert refusal(raised) == (
        errors.InvoiceNotPayable,
        None,
        f"Invoice ACME-00001 is {label}: only issued or partially paid invoices take payments.",
    )


def test_a_payment_in_another_currency_is_refused():
    bill = invoice()
    with pytest.raises(errors.CurrencyMismatch) as raised:
        bill.take_payment(100, "USD")
    assert refusal(raised) == (
        errors.CurrencyMismatch,
        "amount",
        "Invoice ACME-00001 is in EUR; the amount given is in USD.",
    )
    assert bill.paid_minor == 0


def test_refunds_make_the_invoice_owed_again():
    bill = invoice("paid", amount=10_000, paid=10_000)
    bill.take_refund(2_500)
    assert (bill.paid_minor, bill.status) == (7_500, "partially_paid")
    bill.take_refund(7_499)
    assert (bill.paid_minor, bill.status) == (1, "partially_paid")
    bill.take_refund(1)
    assert (bill.paid_minor, bill.status) == (0, "issued")


def test_an_invoice_refunds_at_most_what_is_paid_after_a_partial_refund():
    bill = invoice("paid", amount=10_000, paid=10_000)
    bill.take_refund(6_000)
    with pytest.raises(errors.RefundExceedsPayment) as raised:
        bill.take_refund(4_001)
    assert refusal(raised) == (
        errors.RefundExceedsPayment,
        "amount",
        "Invoice ACME-00001 has €40.00 paid; €40.01 cannot be refunded on it.",
    )
    assert (bill.paid_minor, bill.status) == (4_000, "partially_paid")
    bill.take_refund(4_000)
    assert (bill.paid_minor, bill.status) == (0, "issued")


@pytest.mark.parametrize("amount", [0, -1])
def test_an_invoice_refund_is_positive(amount):
    bill = invoice("paid", amount=500, paid=500, currency="USD")
    with pytest.raises(errors.RefundExceedsPayment) as raised:
        bill.take_refund(amount)
    assert raised.value.message == (
        f"Invoice ACME-00001 has $5.00 paid; {'$0.00' if amount == 0 else '-$0.01'} cannot be refunded on it."
    )
    assert bill.paid_minor == 500


# --- payments -----------------------------------------------------------------------------------------------------


def payment(amount: int = 1_000, refunded: int = 0, status: str = "succeeded", currency: str = "EUR") -> Payment:
    return Payment(id=7, invoice_id=3, agent_id=4, amount_minor=amount, refunded_minor=refunded, currency=currency,
                   method="card", status=status)  # fmt: skip


@pytest.mark.parametrize(
    ("refunded", "amount", "status"),
    [(0, 100, "succeeded"), (1, 100, "partially_refunded"), (99, 100, "partially_refunded"), (100, 100, "refunded")],
)
def test_payment_status_after_refunds(refunded, amount, status):
    assert PaymentStatus.after_refunds(refunded, amount) == status


@pytest.mark.parametrize(
    ("method", "label"), [("card", "Card"), ("bank_transfer", "Bank transfer"), ("cash", "Cash"), ("other", "Other")]
)
def test_payment_methods_and_labels(method, label):
    assert PaymentMethod(method).label == label
    assert method in PAYMENT_METHODS


def test_partial_refunds_then_the_rest():
    paid = payment(1_000)
    assert paid.refundable_minor == 1_000
    paid.refund(1, "EUR")
    assert (paid.refunded_minor, paid.status, paid.refundable_minor) == (1, "partially_refunded", 999)
    paid.refund(399, "EUR")
    assert (paid.refunded_minor, paid.status) == (400, "partially_refunded")
    paid.refund(600, "EUR")
    assert (paid.refunded_minor, paid.status, paid.refundable_minor) == (1_000, "refunded", 0)


def test_a_payment_refunds_at_most_what_is_left_after_a_partial_refund():
    paid = payment(1_000)
    paid.refund(400, "EUR")
    with pytest.raises(errors.RefundExceedsPayment) as raised:
        paid.refund(601, "EUR")
    assert refusal(raised) == (
        errors.RefundExceedsPayment,
        "amount",
        "The refund of €6.01 is more than the €6.00 left to refund on payment #7.",
    )
    assert (paid.refunded_minor, paid.status) == (400, "partially_refunded")


def test_a_fresh_payment_refunds_at_most_its_amount():
    paid = payment(250, currency="USD")
    with pytest.raises(errors.RefundExceedsPayment) as raised:
        paid.refund(251, "USD")
    assert raised.value.message == "The refund of $2.51 is more than the $2.50 left to refund on payment #7."
    assert (paid.refunded_minor, paid.status) == (0, "succeeded")


def test_a_fully_refunded_payment_is_not_refunded_again():
    done = payment(1_000, refunded=1_000, status="refunded")
    with pytest.raises(errors.PaymentNotRefundable) as raised:
        done.refund(1, "EUR")
    assert refusal(raised) == (errors.PaymentNotRefundable, None, "Payment #7 has already been refunded in full.")
    assert done.refunded_minor == 1_000


def test_a_refund_in_another_currency_is_refused():
    paid = payment()
    with pytest.raises(errors.CurrencyMismatch) as raised:
        paid.refund(100, "GBP")
    assert refusal(raised) == (errors.CurrencyMismatch, "amount", "Payment #7 is in EUR; the amount given is in GBP.")
    assert (paid.refunded_minor, paid.status) == (0, "succeeded")


# --- commissions --------------------------------------------------------------------------------------------------


def commission(amount: int = 1_000, status: str = "pending", kind: str = "commission") -> Commission:
    return Commission(
        id=5, agent_id=4, payment_id=7, refund_id=None if kind == "commission" else 8, kind=kind, rate_bps=1_000,
        base_amount_minor=10_000, amount_minor=amount, currency="EUR", status=status, created_at=NOW,
    )  # fmt: skip


def columns(row, *names: str) -> dict:
    return {name: getattr(row, name) for name in names}


COMMISSION_COLUMNS = (
    "id", "agent_id", "payment_id", "refund_id", "kind", "rate_bps", "base_amount_minor", "amount_minor", "currency",
    "status", "created_at", "approved_at", "approved_by", "credited_at",
)  # fmt: skip


def test_awaiting_credit():
    assert [CommissionStatus(s).awaiting_credit for s in ("pending", "approved", "credited")] == [True, True, False]


@pytest.mark.parametrize(
    ("amount", "rate_bps", "share"),
    [(10_000, 1_000, 1_000), (5, 1_000, 1), (4, 1_000, 0), (15, 1_000, 2), (1_001, 1_000, 100), (999, 0, 0)],
)
def test_a_payment_earns_a_pending_commission_rounded_half_up(amount, rate_bps, share):
    earned = Commission.on_payment(agent_id=4, payment_id=7, amount_minor=amount, currency="USD", rate_bps=rate_bps,
                                   now=NOW)  # fmt: skip
    assert columns(earned, *COMMISSION_COLUMNS) == {
        "id": None, "agent_id": 4, "payment_id": 7, "refund_id": None, "kind": "commission", "rate_bps": rate_bps,
        "base_amount_minor": amount, "amount_minor": share, "currency": "USD", "status": "pending", "created_at": NOW,
        "approved_at": None, "approved_by": None, "credited_at": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("amount", "refunded", "paid", "so_far", "owed"),
    [
        (1_000, 2_500, 10_000, 0, -250),
        (1_000, 10_000, 10_000, 0, -1_000),
        (1_000, 10_000, 10_000, -250, -750),
        # the cumulative refund is prorated, then what was clawed already is taken off
        (100, 333, 1_001, 0, -33),  # 33.27
        (100, 666, 1_001, -33, -34),  # 66.53 → 67, 67 − 33
        (100, 1_001, 1_001, -67, -33),
        # exact .5 ties round away from zero
        (1, 1, 2, 0, -1),  # 0.5 → 1
        (3, 1, 2, 0, -2),  # 1.5 → 2
        (5, 1, 2, -2, -1),  # 2.5 → 3, then 3 − 2
        (1, 1, 4, 0, 0),  # 0.25 → 0: nothing to claw back
        (1, 1, 3, 0, 0),  # 0.33 → 0
        (0, 500, 1_000, 0, 0),
        # a negative cumulative refund (never sent, but the arithmetic stays symmetric)
        (3, -1, 2, 0, 2),  # −1.5 → −2, negated
    ],
)
def test_what_a_refund_claws_back(amount, refunded, paid, so_far, owed):
    assert commission(amount).owed_back(refunded, paid, so_far) == owed


def test_a_one_cent_commission_is_clawed_back_whole():
    assert commission(1).owed_back(1, 1, 0) == -1
    assert commission(1).owed_back(5_000, 10_000, 0) == -1  # 0.5 → 1
    assert commission(1).owed_back(4_999, 10_000, 0) == 0


def test_the_clawback_of_a_pending_commission_waits_for_approval():
    pending = commission(1_000, "pending")
    clawback = pending.clawback(refund_id=8, refund_minor=2_500, amount_minor=-250, actor="user:2", now=NOW)
    assert columns(clawback, *COMMISSION_COLUMNS) == {
        "id": None, "agent_id": 4, "payment_id": 7, "refund_id": 8, "kind": "clawback", "rate_bps": 1_000,
        "base_amount_minor": 2_500, "amount_minor": -250, "currency": "EUR", "status": "pending", "created_at": NOW,
        "approved_at": None, "approved_by": None, "credited_at": None,
    }  # fmt: skip
    assert pending.amount_minor == 1_000, "the original is never edited"


@pytest.mark.parametrize("status", ["approved", "pending"])
def test_only_a_credited_commission_has_its_clawback_credited_at_once(status):
    assert (
        commission(status=status).clawback(refund_id=8, refund_minor=1, amount_minor=-1, actor="user:2", now=NOW).status
        == "pending"
    )


def test_the_clawback_of_a_credited_commission_is_credited_at_once():
    credited = commission(1_000, "credited")
    clawback = credited.clawback(refund_id=9, refund_minor=100, amount_minor=-10, actor="user:2", now=NOW)
    assert columns(clawback, *COMMISSION_COLUMNS) == {
        "id": None, "agent_id": 4, "payment_id": 7, "refund_id": 9, "kind": "clawback", "rate_bps": 1_000,
        "base_amount_minor": 100, "amount_minor": -10, "currency": "EUR", "status": "credited", "created_at": NOW,
        "approved_at": NOW, "approved_by": "user:2", "credited_at": NOW,
    }  # fmt: skip


def test_a_pending_commission_is_approvable():
    commission(status="pending").check_approvable()


@pytest.mark.parametrize("status", ["approved", "credited"])
def test_a_decided_commission_is_not_approved_again(status):
    with pytest.raises(errors.CommissionNotApprovable) as raised:
        commission(status=status).check_approvable()
    assert refusal(raised) == (errors.CommissionNotApprovable, None, f"Commission #5 is already {status}.")


@pytest.mark.parametrize("status", ["pending", "credited"])
def test_a_clawback_is_never_approved_on_its_own(status):
    with pytest.raises(errors.CommissionNotApprovable) as raised:
        commission(-10, status, kind="clawback").check_approvable()
    assert refusal(raised) == (
        errors.CommissionNotApprovable,
        None,
        "Clawbacks are applied together with the commission they reduce.",
    )


def test_crediting_approves_and_credits_in_one_step():
    pending = commission()
    pending.credit("user:2", NOW)
    assert columns(pending, "status", "approved_at", "approved_by", "credited_at", "amount_minor") == {
        "status": "credited", "approved_at": NOW, "approved_by": "user:2", "credited_at": NOW, "amount_minor": 1_000,
    }  # fmt: skip


def test_the_commission_kinds():
    assert tuple(CommissionKind) == ("commission", "clawback")


# --- ledger rules -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sign", "sql", "holds"),
    [
        (Sign.POSITIVE, "> 0", [False, False, False, True, True]),
        (Sign.NEGATIVE, "< 0", [True, True, False, False, False]),
        (Sign.ZERO, "= 0", [False, False, True, False, False]),
        (Sign.NONZERO, "<> 0", [True, True, False, True, True]),
    ],
)
def test_signs_as_python_and_sql_read_them(sign, sql, holds):
    assert sign == sql
    assert [sign.holds_for(value) for value in (-2, -1, 0, 1, 2)] == holds


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("commission_credit", "Commission credit"),
        ("clawback", "Clawback"),
        ("payout_hold", "Payout hold"),
        ("payout_release", "Payout release"),
        ("payout_debit", "Payout debit"),
        ("adjustment", "Adjustment"),
    ],
)
def test_ledger_kind_labels(kind, label):
    assert LedgerKind(kind).label == label


#: For each kind, the (available, held) deltas it allows and some it refuses.
ALLOWED = {
    LedgerKind.COMMISSION_CREDIT: ([(1, 0), (500, 0)], [(0, 0), (-1, 0), (1, 1), (1, -1)]),
    LedgerKind.CLAWBACK: ([(-1, 0), (-500, 0)], [(0, 0), (1, 0), (-1, 1), (-1, -1)]),
    LedgerKind.PAYOUT_HOLD: ([(-1, 1), (-500, 500)], [(0, 0), (-1, 2), (-2, 1), (1, -1), (1, 1), (0, 1)]),
    LedgerKind.PAYOUT_RELEASE: ([(1, -1), (500, -500)], [(0, 0), (1, -2), (2, -1), (-1, 1), (-1, -1), (0, -1)]),
    LedgerKind.PAYOUT_DEBIT: ([(0, -1), (0, -500)], [(0, 0), (0, 1), (1, -1), (-1, -1)]),
    LedgerKind.ADJUSTMENT: ([(1, 0), (-1, 0), (-500, 0)], [(0, 0), (1, 1), (-1, -1)]),
}


@pytest.mark.parametrize("kind", list(LedgerKind))
def test_each_ledger_rule_allows_its_deltas_and_no_others(kind):
    allowed, refused = ALLOWED[kind]
    rule = LEDGER_RULES[kind]
    assert [rule.allows(a, h) for a, h in allowed] == [True] * len(allowed)
    assert [rule.allows(a, h) for a, h in refused] == [False] * len(refused)


def test_the_ledger_rules_table():
    assert {
        LedgerKind.COMMISSION_CREDIT: LedgerRule(available=Sign.POSITIVE, held=Sign.ZERO, mirrored=False),
        LedgerKind.CLAWBACK: LedgerRule(available=Sign.NEGATIVE, held=Sign.ZERO, mirrored=False),
        LedgerKind.PAYOUT_HOLD: LedgerRule(available=None, held=Sign.POSITIVE, mirrored=True),
        LedgerKind.PAYOUT_RELEASE: LedgerRule(available=None, held=Sign.NEGATIVE, mirrored=True),
        LedgerKind.PAYOUT_DEBIT: LedgerRule(available=Sign.ZERO, held=Sign.NEGATIVE, mirrored=False),
        LedgerKind.ADJUSTMENT: LedgerRule(available=Sign.NONZERO, held=Sign.ZERO, mirrored=False),
    } == LEDGER_RULES
    assert list(LEDGER_RULES) == list(LedgerKind)


def test_a_rule_is_not_mirrored_unless_it_says_so():
    assert LedgerRule(available=None, held=Sign.POSITIVE).mirrored is False
    assert LedgerRule(available=None, held=Sign.POSITIVE).allows(5, 5)
    assert not LedgerRule(available=None, held=Sign.POSITIVE, mirrored=True).allows(5, 5)


@pytest.mark.parametrize(
    ("rule", "kind", "sql"),
    [
        (LedgerRule(Sign.POSITIVE, Sign.ZERO), LedgerKind.COMMISSION_CREDIT,
         "(kind = 'commission_credit' AND available_delta_minor > 0 AND held_delta_minor = 0)"),
        (LedgerRule(None, Sign.POSITIVE, mirrored=True), LedgerKind.PAYOUT_HOLD,
         "(kind = 'payout_hold' AND held_delta_minor > 0 AND available_delta_minor = -held_delta_minor)"),
        (LedgerRule(None, Sign.NEGATIVE), LedgerKind.PAYOUT_RELEASE,
         "(kind = 'payout_release' AND held_delta_minor < 0)"),
        (LedgerRule(Sign.NONZERO, Sign.ZERO, mirrored=True), LedgerKind.ADJUSTMENT,
         "(kind = 'adjustment' AND available_delta_minor <> 0 AND held_delta_minor = 0"
         " AND available_delta_minor = -held_delta_minor)"),
    ],
)  # fmt: skip
def test_a_rule_as_sql(rule, kind, sql):
    assert rule.sql(kind) == sql


def test_the_generated_check_constraint():
    assert deltas_match_kind_sql() == (
        "(kind = 'commission_credit' AND available_delta_minor > 0 AND held_delta_minor = 0)"
        " OR (kind = 'clawback' AND available_delta_minor < 0 AND held_delta_minor = 0)"
        " OR (kind = 'payout_hold' AND held_delta_minor > 0 AND available_delta_minor = -held_delta_minor)"
        " OR (kind = 'payout_release' AND held_delta_minor < 0 AND available_delta_minor = -held_delta_minor)"
        " OR (kind = 'payout_debit' AND available_delta_minor = 0 AND held_delta_minor < 0)"
        " OR (kind = 'adjustment' AND available_delta_minor <> 0 AND held_delta_minor = 0)"
    )


# --- movements and wallets ----------------------------------------------------------------------------------------


def payout(status: str = "requested", amount: int = 3_000) -> Payout:
    return Payout(id=9, agent_id=4, wallet_id=2, amount_minor=amount, currency="EUR", status=status,
                  idempotency_key="po", requested_by="user:4", requested_at=NOW)  # fmt: skip


def as_tuple(movement: Movement) -> tuple:
    return (
        movement.kind, movement.available_delta_minor, movement.held_delta_minor, movement.idempotency_key,
        movement.source_type, movement.source_id, movement.reason,
    )  # fmt: skip


def test_the_named_movements():
    assert as_tuple(Movement.credit(5, 1_000)) == ("commission_credit", 1_000, 0, "commission-credit:5", "commission",
                                                   5, None)  # fmt: skip
    assert as_tuple(Movement.clawback(6, -250)) == ("clawback", -250, 0, "clawback:6", "commission", 6, None)
    assert as_tuple(Movement.hold(payout())) == ("payout_hold", -3_000, 3_000, "payout-hold:9", "payout", 9, None)
    assert as_tuple(Movement.release(payout())) == (
        "payout_release", 3_000, -3_000, "payout-release:9", "payout", 9, None,
    )  # fmt: skip
    assert as_tuple(Movement.debit(payout())) == ("payout_debit", 0, -3_000, "payout-debit:9", "payout", 9, None)
    assert as_tuple(Movement.adjustment(-300, "key-1", "correction")) == (
        "adjustment", -300, 0, "adjustment:key-1", "adjustment", None, "correction",
    )  # fmt: skip
    assert Movement(LedgerKind.CLAWBACK, -1, 0, "k", "commission", 1).reason is None


@pytest.mark.parametrize(
    ("kind", "available", "held"),
    [
        (LedgerKind.COMMISSION_CREDIT, 0, 0),
        (LedgerKind.CLAWBACK, 5, 0),
        (LedgerKind.PAYOUT_HOLD, -5, 4),
        (LedgerKind.PAYOUT_RELEASE, 5, 5),
        (LedgerKind.PAYOUT_DEBIT, -5, -5),
        (LedgerKind.ADJUSTMENT, 0, 0),
    ],
)
def test_a_movement_the_database_would_refuse_is_refused_when_built(kind, available, held):
    with pytest.raises(ValueError) as raised:
        Movement(kind, available, held, "k", "test", None)
    assert str(raised.value) == f"a {kind.value} cannot move {available} available and {held} held"


@pytest.mark.parametrize("amount", [0, -1])
def test_a_credit_of_nothing_or_less_is_no_movement(amount):
    with pytest.raises(ValueError, match="a commission_credit cannot move"):
        Movement.credit(5, amount)


def wallet(available: int = 5_000, held: int = 0, currency: str = "EUR") -> Wallet:
    return Wallet(id=2, agent_id=4, currency=currency, available_minor=available, held_minor=held)


def test_a_move_changes_the_balances_and_returns_the_entry_that_explains_it():
    purse = wallet(5_000, 1_000)
    entry = purse.move(Movement.hold(payout(amount=3_000)), Stamp("user:4", "corr-1", NOW))
    assert (purse.available_minor, purse.held_minor) == (2_000, 4_000)
    assert columns(
        entry, "id", "wallet_id", "agent_id", "kind", "currency", "available_delta_minor", "held_delta_minor",
        "available_after_minor", "held_after_minor", "idempotency_key", "source_type", "source_id", "reason", "actor",
        "correlation_id", "created_at",
    ) == {
        "id": None, "wallet_id": 2, "agent_id": 4, "kind": "payout_hold", "currency": "EUR",
        "available_delta_minor": -3_000, "held_delta_minor": 3_000, "available_after_minor": 2_000,
        "held_after_minor": 4_000, "idempotency_key": "payout-hold:9", "source_type": "payout", "source_id": 9,
        "reason": None, "actor": "user:4", "correlation_id": "corr-1", "created_at": NOW,
    }  # fmt: skip


def test_an_adjustment_entry_keeps_its_reason():
    purse = wallet(100, 0, "USD")
    entry = purse.move(Movement.adjustment(-300, "k", "correction"), Stamp("user:1", "c", NOW))
    assert (purse.available_minor, entry.available_after_minor, entry.currency, entry.reason) == (
        -200, -200, "USD", "correction",
    )  # fmt: skip


@pytest.mark.parametrize(("available", "amount"), [(1_000, 1_000), (5_000, 1_000), (5_000, 5_000), (5_000, 4_999)])
def test_a_payout_may_take_the_balance_to_zero_from_the_minimum_up(available, amount):
    wallet(available).check_payout(amount, 1_000)


def test_a_balance_exactly_at_the_minimum_may_be_paid_out_whole():
    wallet(1_000).check_payout(1_000, 1_000)
    with pytest.raises(errors.InsufficientFunds):
        wallet(1_000).check_payout(1_001, 1_000)


def test_a_balance_below_the_minimum_pays_nothing_out():
    with pytest.raises(errors.BelowMinimumPayout) as raised:
        wallet(999).check_payout(999, 1_000)
    assert refusal(raised) == (
        errors.BelowMinimumPayout,
        "amount",
        "The available balance of €9.99 is below the minimum payout of €10.00.",
    )


def test_a_payout_below_the_minimum_is_refused():
    with pytest.raises(errors.BelowMinimumPayout) as raised:
        wallet(5_000, currency="USD").check_payout(999, 1_000)
    assert refusal(raised) == (errors.BelowMinimumPayout, "amount", "The minimum payout is $10.00.")


def test_a_payout_above_the_balance_is_refused():
    with pytest.raises(errors.InsufficientFunds) as raised:
        wallet(5_000).check_payout(5_001, 1_000)
    assert refusal(raised) == (
        errors.InsufficientFunds,
        "amount",
        "You can pay out at most €50.00; €50.01 was asked.",
    )


def test_a_negative_balance_is_below_any_minimum():
    with pytest.raises(errors.BelowMinimumPayout) as raised:
        wallet(-1, currency="USD").check_payout(1, 0)
    assert raised.value.message == "The available balance of -$0.01 is below the minimum payout of $0.00."


# --- payouts ------------------------------------------------------------------------------------------------------


PAYOUT_COLUMNS = ("status", "decided_by", "decided_at", "rejection_reason", "paid_at")


def test_approving_a_payout_debits_the_held_money():
    requested = payout()
    movement = requested.decide(PayoutDecision.APPROVE, "user:1", NOW)
    assert columns(requested, *PAYOUT_COLUMNS) == {
        "status": "approved", "decided_by": "user:1", "decided_at": NOW, "rejection_reason": None, "paid_at": None,
    }  # fmt: skip
    assert movement == Movement.debit(requested)


def test_rejecting_a_payout_releases_the_money_and_keeps_the_reason():
    requested = payout()
    movement = requested.decide(PayoutDecision.REJECT, "user:1", NOW, "bank details missing")
    assert columns(requested, *PAYOUT_COLUMNS) == {
        "status": "rejected", "decided_by": "user:1", "decided_at": NOW, "rejection_reason": "bank details missing",
        "paid_at": None,
    }  # fmt: skip
    assert movement == Movement.release(requested)


def test_a_cancelled_payout_is_stored_as_cancelled_and_releases_the_money():
    requested = payout()
    movement = requested.decide(PayoutDecision.CANCEL, "user:4", NOW, "ignored: only a rejection keeps a reason")
    assert columns(requested, *PAYOUT_COLUMNS) == {
        "status": "cancelled", "decided_by": "user:4", "decided_at": NOW, "rejection_reason": None, "paid_at": None,
    }  # fmt: skip
    assert requested.status == PayoutStatus.CANCELLED
    assert movement == Movement.release(requested)


@pytest.mark.parametrize("reason", [None, ""])
def test_a_rejection_needs_a_reason(reason):
    requested = payout()
    with pytest.raises(errors.ReasonRequired) as raised:
        requested.decide(PayoutDecision.REJECT, "user:1", NOW, reason)
    assert refusal(raised) == (errors.ReasonRequired, "reason", "Tell the agent why the payout is rejected.")
    assert columns(requested, *PAYOUT_COLUMNS) == dict.fromkeys(PAYOUT_COLUMNS) | {"status": "requested"}


@pytest.mark.parametrize(
    ("decision", "verb"),
    [(PayoutDecision.APPROVE, "decided"), (PayoutDecision.REJECT, "decided"), (PayoutDecision.CANCEL, "cancelled")],
)
@pytest.mark.parametrize("status", ["approved", "paid", "rejected", "cancelled"])
def test_only_a_requested_payout_is_decided(status, decision, verb):
    decided = payout(status)
    with pytest.raises(errors.PayoutNotPending) as raised:
        decided.decide(decision, "user:1", NOW, "reason")
    assert refusal(raised) == (
        errors.PayoutNotPending,
        None,
        f"Payout #9 is {status}: only requested payouts can be {verb}.",
    )
    assert columns(decided, *PAYOUT_COLUMNS) == dict.fromkeys(PAYOUT_COLUMNS) | {"status": status}


def test_check_pending_passes_a_requested_payout():
    for decision in PayoutDecision:
        payout().check_pending(decision)


def test_marking_an_approved_payout_paid():
    approved = payout("approved")
    approved.mark_paid(NOW)
    assert (approved.status, approved.paid_at) == ("paid", NOW)


@pytest.mark.parametrize("status", ["requested", "paid", "rejected", "cancelled"])
def test_only_an_approved_payout_is_marked_paid(status):
    other = payout(status)
    with pytest.raises(errors.PayoutNotPending) as raised:
        other.mark_paid(NOW)
    assert refusal(raised) == (
        errors.PayoutNotPending,
        None,
        f"Payout #9 is {status}: only approved payouts can be marked paid.",
    )
    assert (other.status, other.paid_at) == (status, None)


def test_payout_statuses_and_decisions():
    assert [status.label for status in PayoutStatus] == ["requested", "approved", "paid", "rejected", "cancelled"]
    assert [decision.value for decision in PayoutDecision] == ["approved", "rejected", "cancelled"]


def test_the_ledger_table_carries_the_generated_check():
    name = "ck_wallet_transaction_deltas_match_kind"
    [check] = [c for c in WalletTransaction.__table__.constraints if c.name == name]
    assert str(check.sqltext) == deltas_match_kind_sql()


@pytest.mark.parametrize(
    ("amount", "part", "whole", "share"),
    [
        (1, 1, 2, 1),
        (3, 1, 2, 2),
        (5, 1, 2, 3),
        (-1, 1, 2, -1),
        (-3, 1, 2, -2),
        (1, -1, 2, -1),
        (7, 1, 4, 2),
        (5, 1, 4, 1),
    ],
)
def test_prorating_rounds_exact_ties_away_from_zero(amount, part, whole, share):
    """What owed_back builds on: ``amount × part / whole`` half-up, negative values included."""
    assert prorate_half_up(amount, part, whole) == share
