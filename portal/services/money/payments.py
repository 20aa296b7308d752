"""Payments received against invoices, and refunds with their clawbacks."""

from __future__ import annotations

from portal.domain import errors
from portal.domain.money import format_money
from portal.models import Commission, Payment, Refund
from portal.models.billing import PaymentStatus
from portal.models.commission import CommissionStatus
from portal.models.wallet import Movement
from portal.persistence.protocols import UnitOfWork
from portal.services.money import notices
from portal.services.money.commands import RecordPayment, RefundPayment
from portal.services.money.ledger import post
from portal.services.money.repeats import check_not_a_repeat, since
from portal.services.money.results import PaymentRecorded, PaymentRefunded


def record_payment(uow: UnitOfWork, command: RecordPayment) -> PaymentRecorded:
    found = uow.invoices.with_agent(command.invoice_id)
    if found is None:
        raise errors.NotFound("There is no such invoice.")
    invoice, agent = found
    if not command.confirm_repeat:
        check_not_a_repeat(
            uow.payments.last_alike(invoice.id, command.amount_minor, since(uow.now)), uow.now,
            f"A payment of {format_money(command.amount_minor, command.currency)} was recorded on {invoice.number}",
            "record another?",
        )  # fmt: skip
    invoice.take_payment(command.amount_minor, command.currency)
    # The invoice's version check first: a payment that lost a race on it stops before writing more.
    uow.flush()
    payment_id = uow.payments.insert(
        Payment(
            invoice_id=invoice.id, agent_id=agent.id, amount_minor=command.amount_minor, refunded_minor=0,
            currency=command.currency, method=command.method, instrument_last4=command.instrument_last4,
            external_reference=command.external_reference, idempotency_key=command.idempotency_key,
            status=PaymentStatus.SUCCEEDED, received_at=uow.now, recorded_by=str(uow.actor),
        )
    )  # fmt: skip
    commission = Commission.on_payment(
        agent_id=agent.id, payment_id=payment_id, amount_minor=command.amount_minor, currency=command.currency,
        rate_bps=agent.commission_rate_bps, now=uow.now,
    )  # fmt: skip
    commission_id = uow.commissions.insert(commission)
    uow.notifications.add(notices.payment_received(invoice, command.amount_minor, commission))
    uow.summaries.apply(
        agent.id,
        agent.currency,
        last_payment_at=uow.now,
        collected_minor=command.amount_minor,
        outstanding_minor=-command.amount_minor,
        commissions_pending_minor=commission.amount_minor,
    )
    return PaymentRecorded(
        replayed=False, payment_id=payment_id, invoice_id=invoice.id, invoice_number=invoice.number,
        invoice_status=invoice.status, amount_minor=command.amount_minor, currency=command.currency,
        commission_id=commission_id, commission_minor=commission.amount_minor,
    )  # fmt: skip


def refund_payment(uow: UnitOfWork, command: RefundPayment) -> PaymentRefunded:
    payment = uow.payments.require(command.payment_id)
    if not command.confirm_repeat:
        check_not_a_repeat(
            uow.payments.last_refund_alike(payment.id, command.amount_minor, since(uow.now)), uow.now,
            f"A refund of {format_money(command.amount_minor, command.currency)} was made on payment #{payment.id}",
            "refund as much again?",
        )  # fmt: skip
    payment.refund(command.amount_minor, command.currency)
    invoice = uow.invoices.require(payment.invoice_id)
    invoice.take_refund(command.amount_minor)
    refund = uow.payments.add_refund(
        Refund(
            payment_id=payment.id, amount_minor=command.amount_minor, currency=command.currency,
            reason=command.reason, idempotency_key=command.idempotency_key, created_at=uow.now,
            created_by=str(uow.actor),
        )
    )  # fmt: skip
    uow.flush()
    clawback = _claw_back(uow, payment, refund)
    clawback_minor = clawback.amount_minor if clawback else 0
    uow.summaries.apply(
        payment.agent_id,
        payment.currency,
        collected_minor=-command.amount_minor,
        outstanding_minor=command.amount_minor,
    )
    uow.notifications.add(notices.payment_refunded(invoice, command.amount_minor, clawback_minor))
    uow.flush()
    return PaymentRefunded(
        replayed=False, refund_id=refund.id, payment_id=payment.id, invoice_number=invoice.number,
        amount_minor=command.amount_minor, currency=command.currency, payment_status=payment.status,
        invoice_status=invoice.status, clawback_id=clawback.id if clawback else None, clawback_minor=clawback_minor,
    )  # fmt: skip


def _claw_back(uow: UnitOfWork, payment: Payment, refund: Refund) -> Commission | None:
    """The commission's share of the refund, as a new negative commission (credited at once if it was)."""
    original = uow.commissions.original_for_payment(payment.id)
    if original is None or original.amount_minor == 0:
        return None
    amount = original.owed_back(
        payment.refunded_minor, payment.amount_minor, uow.commissions.clawed_back_total(payment.id)
    )
    if amount == 0:
        return None
    clawback = uow.commissions.add(
        original.clawback(
            refund_id=refund.id, refund_minor=refund.amount_minor, amount_minor=amount, actor=str(uow.actor),
            now=uow.now,
        )
    )  # fmt: skip
    uow.flush()
    if clawback.status == CommissionStatus.CREDITED:
        wallet = uow.wallets.open(original.agent_id, original.currency, lock=True)
        uow.flush()
        post(uow, wallet, Movement.clawback(clawback.id, amount))
        uow.summaries.apply(original.agent_id, original.currency, commissions_earned_minor=amount)
    else:
        uow.summaries.apply(original.agent_id, original.currency, commissions_pending_minor=amount)
    return clawback
