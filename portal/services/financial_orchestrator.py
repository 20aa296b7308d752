"""The FinancialOrchestrator: every money movement, exactly once, in one unit of work.

Each command validates its input, then changes the payment, invoice,
commission, wallet, ledger, summary and notification rows (the audit trail
follows through the session hook) in one transaction. A command:

- takes an idempotency key: a replay answers the first result and changes
  nothing; the same key with another request is an IdempotencyConflict;
- locks the wallet row it moves (``SELECT … FOR UPDATE``), so requests on a
  busy wallet queue instead of thrashing on retries; everything else is read
  optimistically. The ``version`` columns (the wallet's included) detect any
  writer that changed a row after it was read, and the whole unit of work is
  retried with jittered back-off, then abandoned with ConcurrencyConflict;
- raises a typed DomainError, having changed nothing, when the request is
  refused.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from portal.domain import errors
from portal.domain.money import apply_rate_half_up, format_money, prorate_half_up
from portal.models import Commission, Notification, Payment, Payout, Refund, Wallet, WalletTransaction
from portal.models.base import utcnow
from portal.models.billing import PAYMENT_METHODS
from portal.persistence.unit_of_work import Actor, UnitOfWork
from portal.security.masking import last4, mask_text
from portal.security.secure_settings import setting_value
from portal.services.money_results import (
    CommandResult,
    CommissionApproved,
    PaymentRecorded,
    PaymentRefunded,
    PayoutDecided,
    PayoutRequested,
    WalletAdjusted,
)
from portal.services.retries import retry_lost_races

R = TypeVar("R", bound=CommandResult)
UnitOfWorkFactory = Callable[[str, str | None], UnitOfWork]

MAX_AMOUNT_MINOR = 10**13
MAX_REASON_LENGTH = 500
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")


@dataclass(frozen=True)
class CommandContext:
    """Who runs the commands and for which request."""

    actor: Actor
    correlation_id: str | None = None
    request_ip: str | None = None


@dataclass(frozen=True)
class MaturityReport:
    due: int
    approved: int
    skipped: list[tuple[int, str]]


def request_fingerprint(command: str, request: dict[str, Any]) -> str:
    document = json.dumps({"command": command, "request": request}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(document.encode()).hexdigest()


def _require_key(key: str | None) -> str:
    if not key or not _KEY.fullmatch(key):
        raise errors.IdempotencyKeyInvalid("An idempotency key of 1 to 100 letters, digits or . _ : - is required.")
    return key


def _require_positive(amount_minor: Any) -> int:
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool):
        raise errors.AmountNotValid("The amount must be a whole number of minor units (cents).")
    if amount_minor <= 0:
        raise errors.AmountNotValid("Enter an amount greater than zero.")
    if amount_minor > MAX_AMOUNT_MINOR:
        raise errors.AmountNotValid("That amount is too large.")
    return amount_minor


def _require_reason(reason: str | None) -> str:
    """A non-empty reason, masked: it is kept in the audit trail and shown to people."""
    text = mask_text((reason or "").strip())
    if not text:
        raise errors.ReasonRequired("Give a reason: it is kept in the audit trail.")
    if len(text) > MAX_REASON_LENGTH:
        raise errors.ReasonRequired(f"Keep the reason under {MAX_REASON_LENGTH} characters.")
    return text


def _require_currency(given: str, expected: str, what: str) -> None:
    if given != expected:
        raise errors.CurrencyMismatch(f"{what} is in {expected}; the amount given is in {given}.")


def _money(amount_minor: int, currency: str) -> str:
    return format_money(amount_minor, currency)


def _payout_decided(payout: Payout, wallet: Wallet) -> PayoutDecided:
    return PayoutDecided(
        replayed=False,
        payout_id=payout.id,
        status=payout.status,
        wallet_available_minor=wallet.available_minor,
        wallet_held_minor=wallet.held_minor,
    )


class FinancialOrchestrator:
    """The only way money moves: payments, refunds, commissions, payouts, adjustments."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        max_attempts: int = 10,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._uow_factory = uow_factory
        self._max_attempts = max_attempts
        self._clock = clock
        self._sleep = sleep

    @classmethod
    def for_session(cls, session: Session, context: CommandContext, **options: Any) -> FinancialOrchestrator:
        """An orchestrator whose units of work run on ``session`` for ``context``."""

        def factory(command: str, reason: str | None) -> UnitOfWork:
            return UnitOfWork(
                session,
                command=command,
                actor=context.actor,
                correlation_id=context.correlation_id,
                request_ip=context.request_ip,
                reason=reason,
            )

        return cls(factory, **options)

    # -- the commands ------------------------------------------------------

    def record_payment(
        self,
        *,
        invoice_id: int,
        amount_minor: int,
        currency: str,
        method: str,
        idempotency_key: str,
        instrument: str | None = None,
        external_reference: str | None = None,
    ) -> PaymentRecorded:
        """Money received against an invoice; the agent's commission becomes pending."""
        _require_positive(amount_minor)
        if method not in PAYMENT_METHODS:
            raise errors.InputNotValid(f"Choose a payment method: {', '.join(PAYMENT_METHODS)}.")
        instrument_last4 = last4(instrument)
        reference = mask_text((external_reference or "").strip())[:120] or None
        request = {
            "invoice_id": invoice_id,
            "amount_minor": amount_minor,
            "currency": currency,
            "method": method,
            "instrument_last4": instrument_last4,
            "external_reference": reference,
        }
        return self._run(
            "record_payment",
            idempotency_key,
            request,
            PaymentRecorded,
            lambda uow: self._record_payment(uow, idempotency_key, **request),
        )

    def refund_payment(
        self, *, payment_id: int, amount_minor: int, currency: str, reason: str, idempotency_key: str
    ) -> PaymentRefunded:
        """Give money back on a payment; the commission is clawed back in proportion."""
        _require_positive(amount_minor)
        reason = _require_reason(reason)
        request = {"payment_id": payment_id, "amount_minor": amount_minor, "currency": currency}
        return self._run(
            "refund_payment",
            idempotency_key,
            {**request, "reason": reason},
            PaymentRefunded,
            lambda uow: self._refund_payment(uow, idempotency_key, reason=reason, **request),
            reason=reason,
        )

    def approve_commission(self, *, commission_id: int, idempotency_key: str) -> CommissionApproved:
        """Credit a pending commission (net of any clawbacks waiting on it) to the wallet."""
        return self._run(
            "approve_commission",
            idempotency_key,
            {"commission_id": commission_id},
            CommissionApproved,
            lambda uow: self._approve_commission(uow, commission_id),
        )

    def approve_due_commissions(self, now: datetime | None = None, limit: int = 500) -> MaturityReport:
        """Approve every commission whose holding period has passed, each in its own unit of work."""
        now = now or self._clock()
        with self._uow_factory("plan_commission_maturity", None) as uow:
            holding_days = setting_value(uow.settings, "commission_holding_days")
            due = uow.commissions.due_for_approval(now - timedelta(days=holding_days), limit=limit)
        approved, skipped = 0, []
        for commission_id in due:
            try:
                result = self.approve_commission(commission_id=commission_id, idempotency_key=f"mature:{commission_id}")
            except errors.DomainError as refusal:
                skipped.append((commission_id, refusal.message))
            else:
                approved += not result.replayed
        return MaturityReport(due=len(due), approved=approved, skipped=skipped)

    def request_payout(
        self, *, agent_id: int, amount_minor: int, currency: str, idempotency_key: str
    ) -> PayoutRequested:
        """Hold part of the available balance until staff decide."""
        _require_positive(amount_minor)
        request = {"agent_id": agent_id, "amount_minor": amount_minor, "currency": currency}
        return self._run(
            "request_payout",
            idempotency_key,
            request,
            PayoutRequested,
            lambda uow: self._request_payout(uow, idempotency_key, **request),
        )

    def approve_payout(self, *, payout_id: int, idempotency_key: str) -> PayoutDecided:
        """Pay out a requested payout: the held money leaves the wallet."""
        return self._run(
            "approve_payout",
            idempotency_key,
            {"payout_id": payout_id},
            PayoutDecided,
            lambda uow: self._decide_payout(uow, payout_id, "approved"),
        )

    def reject_payout(self, *, payout_id: int, reason: str, idempotency_key: str) -> PayoutDecided:
        """Refuse a requested payout: the held money becomes available again."""
        reason = _require_reason(reason)
        return self._run(
            "reject_payout",
            idempotency_key,
            {"payout_id": payout_id, "reason": reason},
            PayoutDecided,
            lambda uow: self._decide_payout(uow, payout_id, "rejected", reason),
            reason=reason,
        )

    def cancel_payout(self, *, payout_id: int, idempotency_key: str) -> PayoutDecided:
        """The agent withdraws a request not yet decided: the held money is released."""
        return self._run(
            "cancel_payout",
            idempotency_key,
            {"payout_id": payout_id},
            PayoutDecided,
            lambda uow: self._decide_payout(uow, payout_id, "cancelled"),
        )

    def mark_payout_paid(self, *, payout_id: int, idempotency_key: str) -> PayoutDecided:
        """Record that the bank transfer of an approved payout went out."""
        return self._run(
            "mark_payout_paid",
            idempotency_key,
            {"payout_id": payout_id},
            PayoutDecided,
            lambda uow: self._mark_paid(uow, payout_id),
        )

    def adjust_wallet(
        self, *, agent_id: int, amount_minor: int, currency: str, reason: str, idempotency_key: str
    ) -> WalletAdjusted:
        """An administrator's correction of an available balance, up or down, with a reason."""
        if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor == 0:
            raise errors.AmountNotValid("Enter a non-zero whole number of minor units (negative to debit).")
        if abs(amount_minor) > MAX_AMOUNT_MINOR:
            raise errors.AmountNotValid("That amount is too large.")
        reason = _require_reason(reason)
        request = {"agent_id": agent_id, "amount_minor": amount_minor, "currency": currency}
        return self._run(
            "adjust_wallet",
            idempotency_key,
            {**request, "reason": reason},
            WalletAdjusted,
            lambda uow: self._adjust_wallet(uow, idempotency_key, reason=reason, **request),
            reason=reason,
        )

    # -- exactly once, with retries ---------------------------------------

    def _run(
        self,
        command: str,
        key: str,
        request: dict[str, Any],
        result_type: type[R],
        body: Callable[[UnitOfWork], R],
        reason: str | None = None,
    ) -> R:
        """Run ``body`` exactly once for ``key``, retrying the whole unit of work after a lost race."""
        key = _require_key(key)
        fingerprint = request_fingerprint(command, request)

        def attempt() -> R:
            with self._uow_factory(command, reason) as uow:
                first = uow.idempotency.get(key)
                if first is not None:
                    if first.command != command or first.request_hash != fingerprint:
                        raise errors.IdempotencyConflict(
                            "This request reuses the key of a different earlier request; send it again with a new key."
                        )
                    return result_type.from_json(first.result)
                result = body(uow)
                uow.idempotency.record(key, command, fingerprint, str(uow.actor), result.to_json())
                uow.commit()
                return result

        return retry_lost_races(attempt, name=command, max_attempts=self._max_attempts, sleep=self._sleep)

    # -- the work inside each unit of work --------------------------------

    def _record_payment(
        self,
        uow: UnitOfWork,
        key: str,
        *,
        invoice_id: int,
        amount_minor: int,
        currency: str,
        method: str,
        instrument_last4: str | None,
        external_reference: str | None,
    ) -> PaymentRecorded:
        found = uow.invoices.with_agent(invoice_id)
        if found is None:
            raise errors.NotFound("There is no such invoice.")
        invoice, agent = found
        if invoice.status not in ("issued", "partially_paid"):
            raise errors.InvoiceNotPayable(
                f"Invoice {invoice.number} is {invoice.status.replace('_', ' ')}: "
                "only issued or partially paid invoices take payments."
            )
        _require_currency(currency, invoice.currency, f"Invoice {invoice.number}")
        due = invoice.amount_minor - invoice.paid_minor
        if amount_minor > due:
            raise errors.AmountNotValid(
                f"The payment of {_money(amount_minor, currency)} is more than the "
                f"{_money(due, currency)} still due on invoice {invoice.number}."
            )
        now = self._clock()
        invoice.paid_minor += amount_minor
        invoice.status = "paid" if invoice.paid_minor == invoice.amount_minor else "partially_paid"
        # The invoice's version check first: a payment that lost a race on it stops before writing more.
        uow.flush()
        commission_minor = apply_rate_half_up(amount_minor, agent.commission_rate_bps)
        payment_id = uow.payments.insert(
            invoice_id=invoice.id,
            agent_id=agent.id,
            amount_minor=amount_minor,
            refunded_minor=0,
            currency=currency,
            method=method,
            instrument_last4=instrument_last4,
            external_reference=external_reference,
            idempotency_key=key,
            status="succeeded",
            received_at=now,
            recorded_by=str(uow.actor),
        )
        commission_id = uow.commissions.insert(
            agent_id=agent.id,
            payment_id=payment_id,
            refund_id=None,
            kind="commission",
            rate_bps=agent.commission_rate_bps,
            base_amount_minor=amount_minor,
            amount_minor=commission_minor,
            currency=currency,
            status="pending",
            created_at=now,
            approved_at=None,
            approved_by=None,
            credited_at=None,
        )
        self._notify_agent(
            uow,
            agent.id,
            "payment_received",
            f"Payment received for invoice {invoice.number}",
            f"{_money(amount_minor, currency)} was received for invoice {invoice.number} "
            f"({invoice.customer_name}). Your commission of "
            f"{_money(commission_minor, currency)} is pending approval.",
        )
        uow.summaries.apply(
            agent.id,
            agent.currency,
            last_payment_at=now,
            collected_minor=amount_minor,
            outstanding_minor=-amount_minor,
            commissions_pending_minor=commission_minor,
        )
        return PaymentRecorded(
            replayed=False,
            payment_id=payment_id,
            invoice_id=invoice.id,
            invoice_status=invoice.status,
            commission_id=commission_id,
            commission_minor=commission_minor,
        )

    def _refund_payment(
        self, uow: UnitOfWork, key: str, *, payment_id: int, amount_minor: int, currency: str, reason: str
    ) -> PaymentRefunded:
        payment = uow.payments.get(payment_id)
        if payment is None:
            raise errors.NotFound("There is no such payment.")
        if payment.status == "refunded":
            raise errors.PaymentNotRefundable(f"Payment #{payment.id} has already been refunded in full.")
        _require_currency(currency, payment.currency, f"Payment #{payment.id}")
        refundable = payment.amount_minor - payment.refunded_minor
        if amount_minor > refundable:
            raise errors.RefundExceedsPayment(
                f"The refund of {_money(amount_minor, currency)} is more than the "
                f"{_money(refundable, currency)} left to refund on payment #{payment.id}."
            )
        invoice = uow.invoices.get(payment.invoice_id)
        now = self._clock()
        refund = uow.payments.add_refund(
            Refund(
                payment_id=payment.id,
                amount_minor=amount_minor,
                currency=currency,
                reason=reason,
                idempotency_key=key,
                created_at=now,
                created_by=str(uow.actor),
            )
        )
        payment.refunded_minor += amount_minor
        payment.status = "refunded" if payment.refunded_minor == payment.amount_minor else "partially_refunded"
        invoice.paid_minor -= amount_minor
        invoice.status = "issued" if invoice.paid_minor == 0 else "partially_paid"
        uow.flush()
        clawback = self._claw_back(uow, payment, refund, now)
        clawback_minor = clawback.amount_minor if clawback else 0
        uow.summaries.apply(
            payment.agent_id,
            payment.currency,
            collected_minor=-amount_minor,
            outstanding_minor=amount_minor,
        )
        self._notify_agent(
            uow,
            payment.agent_id,
            "commission_clawed_back" if clawback_minor else "payment_refunded",
            f"Refund on invoice {invoice.number}",
            f"{_money(amount_minor, currency)} of a payment on invoice {invoice.number} was refunded. "
            + (
                f"Your commission is reduced by {_money(-clawback_minor, currency)}."
                if clawback_minor
                else "Your commission is unchanged."
            ),
        )
        uow.flush()
        return PaymentRefunded(
            replayed=False,
            refund_id=refund.id,
            payment_id=payment.id,
            payment_status=payment.status,
            invoice_status=invoice.status,
            clawback_id=clawback.id if clawback else None,
            clawback_minor=clawback_minor,
        )

    def _claw_back(self, uow: UnitOfWork, payment: Payment, refund: Refund, now: datetime) -> Commission | None:
        """The commission's share of the refund, as a new negative commission.

        Computed on the cumulative refund, so the clawbacks of several partial
        refunds add up exactly to the commission once the payment is fully refunded.
        """
        original = uow.commissions.original_for_payment(payment.id)
        if original is None or original.amount_minor == 0:
            return None
        clawed_so_far = uow.commissions.clawed_back_total(payment.id)
        owed_back = prorate_half_up(original.amount_minor, payment.refunded_minor, payment.amount_minor)
        amount = -owed_back - clawed_so_far
        if amount == 0:
            return None
        credited = original.status == "credited"
        clawback = uow.commissions.add(
            Commission(
                agent_id=original.agent_id,
                payment_id=payment.id,
                refund_id=refund.id,
                kind="clawback",
                rate_bps=original.rate_bps,
                base_amount_minor=refund.amount_minor,
                amount_minor=amount,
                currency=original.currency,
                status="credited" if credited else "pending",
                created_at=now,
                approved_at=now if credited else None,
                approved_by=str(uow.actor) if credited else None,
                credited_at=now if credited else None,
            )
        )
        uow.flush()
        if credited:
            wallet = uow.wallets.open(original.agent_id, original.currency, lock=True)
            uow.flush()
            self._move(uow, wallet, "clawback", amount, 0, f"clawback:{clawback.id}", "commission", clawback.id)
            uow.summaries.apply(original.agent_id, original.currency, commissions_earned_minor=amount)
        else:
            uow.summaries.apply(original.agent_id, original.currency, commissions_pending_minor=amount)
        return clawback

    def _approve_commission(self, uow: UnitOfWork, commission_id: int) -> CommissionApproved:
        commission = uow.commissions.get(commission_id)
        if commission is None:
            raise errors.NotFound("There is no such commission.")
        if commission.kind == "clawback":
            raise errors.CommissionNotApprovable("Clawbacks are applied together with the commission they reduce.")
        if commission.status != "pending":
            raise errors.CommissionNotApprovable(f"Commission #{commission.id} is already {commission.status}.")
        now = self._clock()
        wallet = uow.wallets.open(commission.agent_id, commission.currency, lock=True)
        uow.flush()
        credited = 0
        for row in [commission, *uow.commissions.pending_clawbacks(commission.payment_id)]:
            row.status = "credited"
            row.approved_at = row.credited_at = now
            row.approved_by = str(uow.actor)
            if row.amount_minor:
                kind = "commission_credit" if row.kind == "commission" else "clawback"
                key = f"commission-credit:{row.id}" if row.kind == "commission" else f"clawback:{row.id}"
                self._move(uow, wallet, kind, row.amount_minor, 0, key, "commission", row.id)
            credited += row.amount_minor
        uow.summaries.apply(
            commission.agent_id,
            commission.currency,
            commissions_pending_minor=-credited,
            commissions_earned_minor=credited,
        )
        self._notify_agent(
            uow,
            commission.agent_id,
            "commission_credited",
            "Commission credited",
            f"{_money(credited, commission.currency)} was credited to your wallet "
            f"for payment #{commission.payment_id}.",
        )
        uow.flush()
        return CommissionApproved(
            replayed=False,
            commission_id=commission.id,
            credited_minor=credited,
            wallet_available_minor=wallet.available_minor,
        )

    def _request_payout(
        self, uow: UnitOfWork, key: str, *, agent_id: int, amount_minor: int, currency: str
    ) -> PayoutRequested:
        agent = uow.agents.get(agent_id)
        if agent is None:
            raise errors.NotFound("There is no such agent.")
        if agent.status != "active":
            raise errors.AgentSuspended("Payouts are not available while the agent is suspended.")
        _require_currency(currency, agent.currency, "The wallet")
        minimum = setting_value(uow.settings, "minimum_payout_minor")
        wallet = uow.wallets.for_agent(agent.id, currency, lock=True)
        available = wallet.available_minor if wallet else 0
        if available < minimum:
            raise errors.BelowMinimumPayout(
                f"The available balance of {_money(available, currency)} is below the minimum payout "
                f"of {_money(minimum, currency)}."
            )
        if amount_minor < minimum:
            raise errors.BelowMinimumPayout(f"The minimum payout is {_money(minimum, currency)}.")
        if amount_minor > available:
            raise errors.InsufficientFunds(
                f"You can pay out at most {_money(available, currency)}; {_money(amount_minor, currency)} was asked."
            )
        payout = uow.payouts.add(
            Payout(
                agent_id=agent.id,
                wallet_id=wallet.id,
                amount_minor=amount_minor,
                currency=currency,
                status="requested",
                idempotency_key=key,
                requested_by=str(uow.actor),
                requested_at=self._clock(),
            )
        )
        uow.flush()
        self._move(
            uow,
            wallet,
            "payout_hold",
            -amount_minor,
            amount_minor,
            f"payout-hold:{payout.id}",
            "payout",
            payout.id,
        )
        uow.notifications.add(
            Notification(
                audience="staff",
                kind="payout_requested",
                subject=f"Payout requested by {agent.name}",
                body=f"{agent.name} asked for a payout of {_money(amount_minor, currency)}.",
            )
        )
        uow.flush()
        return PayoutRequested(
            replayed=False,
            payout_id=payout.id,
            amount_minor=amount_minor,
            wallet_available_minor=wallet.available_minor,
            wallet_held_minor=wallet.held_minor,
        )

    def _decide_payout(
        self, uow: UnitOfWork, payout_id: int, decision: str, reason: str | None = None
    ) -> PayoutDecided:
        payout = uow.payouts.get(payout_id)
        if payout is None:
            raise errors.NotFound("There is no such payout.")
        if payout.status != "requested":
            raise errors.PayoutNotPending(
                f"Payout #{payout.id} is {payout.status}: only requested payouts can be "
                f"{'cancelled' if decision == 'cancelled' else 'decided'}."
            )
        wallet = uow.wallets.for_agent(payout.agent_id, payout.currency, lock=True)
        amount = payout.amount_minor
        payout.status = decision
        payout.decided_by = str(uow.actor)
        payout.decided_at = self._clock()
        if decision == "approved":
            self._move(uow, wallet, "payout_debit", 0, -amount, f"payout-debit:{payout.id}", "payout", payout.id)
            message = f"Your payout of {_money(amount, payout.currency)} was approved and is on its way."
        else:
            payout.rejection_reason = reason
            self._move(
                uow,
                wallet,
                "payout_release",
                amount,
                -amount,
                f"payout-release:{payout.id}",
                "payout",
                payout.id,
            )
            message = (
                f"Your payout of {_money(amount, payout.currency)} was rejected: {reason}. "
                "The amount is available again."
                if decision == "rejected"
                else f"Your payout request of {_money(amount, payout.currency)} was cancelled."
            )
        self._notify_agent(uow, payout.agent_id, f"payout_{decision}", f"Payout {decision}", message)
        uow.flush()
        return _payout_decided(payout, wallet)

    def _mark_paid(self, uow: UnitOfWork, payout_id: int) -> PayoutDecided:
        payout = uow.payouts.get(payout_id)
        if payout is None:
            raise errors.NotFound("There is no such payout.")
        if payout.status != "approved":
            raise errors.PayoutNotPending(
                f"Payout #{payout.id} is {payout.status}: only approved payouts can be marked paid."
            )
        payout.status = "paid"
        payout.paid_at = self._clock()
        wallet = uow.wallets.for_agent(payout.agent_id, payout.currency)
        uow.flush()
        return _payout_decided(payout, wallet)

    def _adjust_wallet(
        self, uow: UnitOfWork, key: str, *, agent_id: int, amount_minor: int, currency: str, reason: str
    ) -> WalletAdjusted:
        agent = uow.agents.get(agent_id)
        if agent is None:
            raise errors.NotFound("There is no such agent.")
        _require_currency(currency, agent.currency, "The wallet")
        wallet = uow.wallets.open(agent.id, currency, lock=True)
        uow.flush()
        entry = self._move(uow, wallet, "adjustment", amount_minor, 0, f"adjustment:{key}", "adjustment", None, reason)
        self._notify_agent(
            uow,
            agent.id,
            "wallet_adjusted",
            "Wallet adjusted",
            f"Your available balance was adjusted by {_money(amount_minor, currency)}: {reason}",
        )
        uow.flush()
        return WalletAdjusted(
            replayed=False,
            wallet_id=wallet.id,
            entry_id=entry.id,
            wallet_available_minor=wallet.available_minor,
        )

    # -- shared steps -------------------------------------------------------

    def _move(
        self,
        uow: UnitOfWork,
        wallet: Wallet,
        kind: str,
        available_delta: int,
        held_delta: int,
        key: str,
        source_type: str,
        source_id: int | None,
        reason: str | None = None,
    ) -> WalletTransaction:
        """Change the wallet's balances and append the ledger entry that explains it."""
        wallet.available_minor += available_delta
        wallet.held_minor += held_delta
        entry = uow.wallets.append(
            WalletTransaction(
                wallet_id=wallet.id,
                agent_id=wallet.agent_id,
                kind=kind,
                currency=wallet.currency,
                available_delta_minor=available_delta,
                held_delta_minor=held_delta,
                available_after_minor=wallet.available_minor,
                held_after_minor=wallet.held_minor,
                idempotency_key=key,
                source_type=source_type,
                source_id=source_id,
                reason=reason,
                actor=str(uow.actor),
                correlation_id=uow.correlation_id,
                created_at=self._clock(),
            )
        )
        uow.summaries.apply(
            wallet.agent_id,
            wallet.currency,
            wallet_available_minor=available_delta,
            wallet_held_minor=held_delta,
        )
        return entry

    def _notify_agent(self, uow: UnitOfWork, agent_id: int, kind: str, subject: str, body: str) -> None:
        uow.notifications.add(Notification(audience="agent", agent_id=agent_id, kind=kind, subject=subject, body=body))
