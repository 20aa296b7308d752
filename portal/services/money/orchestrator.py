"""The FinancialOrchestrator: every money movement, exactly once, in one unit of work.

The name the product is known by, kept as a thin facade: each method builds
one command (which checks itself) and hands it to the command runner, which
owns exactly-once and the retries of lost races. The rules are on the models;
the handlers, one module per family, apply them. Each command:

- takes an idempotency key: a replay answers the first result and changes
  nothing; the same key with another request is an IdempotencyConflict;
- locks the wallet row it moves (``SELECT … FOR UPDATE``), so requests on a
  busy wallet queue instead of thrashing on retries; everything else is read
  optimistically, and the ``version`` columns detect a writer that changed a
  row after it was read: the whole unit of work is retried, then abandoned
  with ConcurrencyConflict;
- raises a typed DomainError, having changed nothing, when it is refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, scoped_session

from portal.commands.base import Command
from portal.commands.runner import CommandObserver, CommandRunner, UnitOfWorkSource
from portal.domain import errors
from portal.models.base import utcnow
from portal.models.wallet import PayoutDecision
from portal.observability.command_metrics import app_command_metrics
from portal.persistence.context import CommandContext
from portal.persistence.unit_of_work import UnitOfWorkFactory
from portal.security.masking import last4
from portal.services.money import commands
from portal.services.money.commissions import due_for_approval
from portal.services.money.drill import guard_money
from portal.services.money.handlers import MONEY_HANDLERS
from portal.services.money.results import (
    CommissionApproved,
    MaturityReport,
    PaymentRecorded,
    PaymentRefunded,
    PayoutDecided,
    PayoutRequested,
    WalletAdjusted,
)


def _meant(fields: dict[str, Any]) -> dict[str, Any]:
    return {"confirm_repeat": True, **fields}


class FinancialOrchestrator:
    """The only way money moves: payments, refunds, commissions, payouts, adjustments.

    Its callers are programs that carry their own idempotency keys, so a repeat of the
    same amount is taken as meant (``confirm_repeat``); the pages ask a person instead.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkSource,
        *,
        max_attempts: int = 10,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        fingerprint_key: bytes = b"",
        guard: Callable[[Command], None] | None = None,
        observer: CommandObserver | None = None,
    ) -> None:
        self._units = uow_factory
        self._clock = clock
        self._runner = CommandRunner(
            uow_factory, MONEY_HANDLERS, fingerprint_key=fingerprint_key, max_attempts=max_attempts, clock=clock,
            sleep=sleep, guard=guard, observer=observer,
        )  # fmt: skip

    @classmethod
    def for_session(
        cls, session: Session | scoped_session, context: CommandContext, **options: Any
    ) -> FinancialOrchestrator:
        """Units of work on ``session`` for ``context``, stopped by the kill switch, measured."""
        return cls(UnitOfWorkFactory(session, context), guard=guard_money, observer=app_command_metrics(),
                   **options)  # fmt: skip

    def record_payment(self, *, instrument: str | None = None, **fields: Any) -> PaymentRecorded:
        """Money received against an invoice; only the instrument's last four digits are kept."""
        return self._runner.run(commands.RecordPayment(instrument_last4=last4(instrument), **_meant(fields)))

    def refund_payment(self, **fields: Any) -> PaymentRefunded:
        """Give money back on a payment; the commission is clawed back in proportion."""
        return self._runner.run(commands.RefundPayment(**_meant(fields)))

    def approve_commission(self, **fields: Any) -> CommissionApproved:
        """Credit a pending commission (net of any clawbacks waiting on it) to the wallet."""
        return self._runner.run(commands.ApproveCommission(**fields))

    def request_payout(self, **fields: Any) -> PayoutRequested:
        """Hold part of the available balance until staff decide."""
        return self._runner.run(commands.RequestPayout(**_meant(fields)))

    def approve_payout(self, **fields: Any) -> PayoutDecided:
        """Pay out a requested payout: the held money leaves the wallet."""
        return self._runner.run(commands.DecidePayout(decision=PayoutDecision.APPROVE, **fields))

    def reject_payout(self, **fields: Any) -> PayoutDecided:
        """Refuse a requested payout: the held money becomes available again."""
        return self._runner.run(commands.DecidePayout(decision=PayoutDecision.REJECT, **fields))

    def cancel_payout(self, **fields: Any) -> PayoutDecided:
        """The agent withdraws a request not yet decided: the held money is released."""
        return self._runner.run(commands.CancelPayout(**fields))

    def mark_payout_paid(self, **fields: Any) -> PayoutDecided:
        """Record that the bank transfer of an approved payout went out."""
        return self._runner.run(commands.MarkPayoutPaid(**fields))

    def adjust_wallet(self, **fields: Any) -> WalletAdjusted:
        """An administrator's correction of an available balance, up or down, with a reason."""
        return self._runner.run(commands.AdjustWallet(**_meant(fields)))

    def approve_due_commissions(self, now: datetime | None = None, limit: int = 500) -> MaturityReport:
        """Approve every commission whose holding period has passed, each in its own unit of work."""
        with self._units("plan_commission_maturity", None) as uow:
            due = due_for_approval(uow, now or self._clock(), limit)
        approved, skipped = 0, []
        for commission_id in due:
            try:
                result = self.approve_commission(commission_id=commission_id, idempotency_key=f"mature:{commission_id}")
            except errors.DomainError as refusal:
                skipped.append((commission_id, refusal.message))
            else:
                approved += not result.replayed
        return MaturityReport(due=len(due), approved=approved, skipped=skipped)
