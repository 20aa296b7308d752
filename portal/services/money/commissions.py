"""Commission approval: one by one, or every commission whose holding period has passed."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.models.commission import CommissionKind
from portal.models.wallet import Movement
from portal.persistence.protocols import UnitOfWork
from portal.security.secure_settings import setting_value
from portal.services.money import notices
from portal.services.money.commands import ApproveCommission
from portal.services.money.ledger import post
from portal.services.money.results import CommissionApproved

MATURITY_BATCH = 500


def approve_commission(uow: UnitOfWork, command: ApproveCommission) -> CommissionApproved:
    commission = uow.commissions.require(command.commission_id)
    wallet = uow.wallets.open(commission.agent_id, commission.currency, lock=True)
    # Read again under the wallet's lock: an approval that committed while this one waited shows.
    uow.commissions.refresh(commission)
    commission.check_approvable()
    uow.flush()
    credited = 0
    for row in [commission, *uow.commissions.pending_clawbacks(commission.payment_id)]:
        row.credit(str(uow.actor), uow.now)
        if row.amount_minor:
            is_credit = row.kind == CommissionKind.COMMISSION
            movement = (Movement.credit if is_credit else Movement.clawback)(row.id, row.amount_minor)
            post(uow, wallet, movement)
        credited += row.amount_minor
    uow.summaries.apply(
        commission.agent_id, commission.currency, commissions_pending_minor=-credited, commissions_earned_minor=credited
    )
    uow.notifications.add(notices.commission_credited(commission, credited))
    uow.flush()
    return CommissionApproved(
        replayed=False, commission_id=commission.id, credited_minor=credited, currency=commission.currency,
        wallet_available_minor=wallet.available_minor,
    )  # fmt: skip


def due_for_approval(uow: UnitOfWork, now: datetime, limit: int = MATURITY_BATCH) -> list[int]:
    """Pending commissions whose holding period (a setting) has passed, oldest first."""
    holding_days = setting_value(uow.settings, "commission_holding_days")
    return uow.commissions.due_for_approval(now - timedelta(days=holding_days), limit=limit)
