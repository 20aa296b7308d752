"""Which handler runs which money command."""

from __future__ import annotations

from collections.abc import Mapping

from portal.commands.base import Command
from portal.commands.runner import Handler
from portal.services.money import adjustments, commissions, payments, payouts
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

MONEY_HANDLERS: Mapping[type[Command], Handler] = {
    RecordPayment: payments.record_payment,
    RefundPayment: payments.refund_payment,
    ApproveCommission: commissions.approve_commission,
    RequestPayout: payouts.request_payout,
    DecidePayout: payouts.decide_payout,
    CancelPayout: payouts.cancel_payout,
    MarkPayoutPaid: payouts.mark_payout_paid,
    AdjustWallet: adjustments.adjust_wallet,
}
