"""The money commands: each a frozen value that checks itself when built.

A command refused here changed nothing and never reached the database; the
rules that need the stored rows (what is still due, what is available) are on
the models and run inside the command's unit of work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from portal.commands.base import (
    PERMISSION,
    Command,
    require_id,
    require_nonzero_amount,
    require_positive_amount,
    require_reason,
)
from portal.domain import errors
from portal.domain.text import within
from portal.models.base import column_length
from portal.models.billing import PAYMENT_METHODS, Payment
from portal.models.wallet import PayoutDecision
from portal.security.masking import mask_text
from portal.services.money.results import (
    CommissionApproved,
    PaymentRecorded,
    PaymentRefunded,
    PayoutDecided,
    PayoutRequested,
    WalletAdjusted,
)

MAX_REFERENCE_LENGTH = column_length(Payment.external_reference)
_LAST4 = re.compile(r"[0-9]{4}")


@dataclass(frozen=True, kw_only=True)
class RecordPayment(Command[PaymentRecorded]):
    """Money received against an invoice; the agent's commission becomes pending."""

    name = "record_payment"
    result_type = PaymentRecorded

    invoice_id: int
    amount_minor: int
    currency: str
    method: str
    instrument_last4: str | None = None
    external_reference: str | None = None
    #: The person confirmed that this repeats a payment of the same amount minutes ago on purpose.
    confirm_repeat: bool = field(default=False, metadata=PERMISSION)

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.invoice_id, "invoice")
        require_positive_amount(self.amount_minor)
        if self.method not in PAYMENT_METHODS:
            raise errors.InputNotValid(f"Choose a payment method: {', '.join(PAYMENT_METHODS)}.", field="method")
        if self.instrument_last4 is not None and not _LAST4.fullmatch(self.instrument_last4):
            raise errors.InputNotValid("Only the last four digits of the card or account are kept.", "instrument")
        reference = within(
            mask_text((self.external_reference or "").strip()),
            MAX_REFERENCE_LENGTH,
            "The payment reference",
            "reference",
        )
        self._set("external_reference", reference or None)


@dataclass(frozen=True, kw_only=True)
class RefundPayment(Command[PaymentRefunded]):
    """Give money back on a payment; the commission is clawed back in proportion."""

    name = "refund_payment"
    result_type = PaymentRefunded

    payment_id: int
    amount_minor: int
    currency: str
    reason: str
    confirm_repeat: bool = field(default=False, metadata=PERMISSION)

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.payment_id, "payment")
        require_positive_amount(self.amount_minor)
        self._set("reason", require_reason(self.reason))


@dataclass(frozen=True, kw_only=True)
class ApproveCommission(Command[CommissionApproved]):
    """Credit a pending commission (net of any clawbacks waiting on it) to the wallet."""

    name = "approve_commission"
    result_type = CommissionApproved

    commission_id: int

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.commission_id, "commission")


@dataclass(frozen=True, kw_only=True)
class RequestPayout(Command[PayoutRequested]):
    """Hold part of the available balance until staff decide."""

    name = "request_payout"
    result_type = PayoutRequested

    agent_id: int
    amount_minor: int
    currency: str
    confirm_repeat: bool = field(default=False, metadata=PERMISSION)

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.agent_id, "agent")
        require_positive_amount(self.amount_minor)


@dataclass(frozen=True, kw_only=True)
class DecidePayout(Command[PayoutDecided]):
    """Staff approve a requested payout (the held money leaves) or reject it (the money is released)."""

    name = "decide_payout"
    result_type = PayoutDecided

    payout_id: int
    decision: PayoutDecision
    reason: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.payout_id, "payout")
        if self.decision not in (PayoutDecision.APPROVE, PayoutDecision.REJECT):
            raise errors.InputNotValid("Staff approve or reject a payout; the agent cancels it.")
        self._set("decision", PayoutDecision(self.decision))
        self._set("reason", require_reason(self.reason) if self.decision == PayoutDecision.REJECT else None)

    @property
    def audit_name(self) -> str:
        return "approve_payout" if self.decision == PayoutDecision.APPROVE else "reject_payout"


@dataclass(frozen=True, kw_only=True)
class CancelPayout(Command[PayoutDecided]):
    """The agent withdraws a request not yet decided: the held money is released."""

    name = "cancel_payout"
    result_type = PayoutDecided

    payout_id: int
    #: The agent cancelling: another agent's payout is not found.
    agent_id: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.payout_id, "payout")


@dataclass(frozen=True, kw_only=True)
class MarkPayoutPaid(Command[PayoutDecided]):
    """Record that the bank transfer of an approved payout went out."""

    name = "mark_payout_paid"
    result_type = PayoutDecided

    payout_id: int

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.payout_id, "payout")


@dataclass(frozen=True, kw_only=True)
class AdjustWallet(Command[WalletAdjusted]):
    """An administrator's correction of an available balance, up or down, with a reason."""

    name = "adjust_wallet"
    result_type = WalletAdjusted

    agent_id: int
    amount_minor: int
    currency: str
    reason: str
    confirm_repeat: bool = field(default=False, metadata=PERMISSION)
    #: The administrator confirmed that the available balance may go below zero.
    confirm_negative: bool = field(default=False, metadata=PERMISSION)

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.agent_id, "agent")
        require_nonzero_amount(self.amount_minor)
        self._set("reason", require_reason(self.reason))
