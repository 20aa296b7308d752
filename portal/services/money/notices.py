"""What agents and staff are told when money moves: every text in one place.

Each function returns the notification to add (its text is masked when it is
stored). Every text repeats the amount and its currency.
"""

from __future__ import annotations

from portal.domain.money import format_money
from portal.models import Commission, Invoice, Notification, Payout
from portal.models.agent import Agent
from portal.models.notification import Audience
from portal.models.wallet import PayoutStatus


def _to_agent(agent_id: int, kind: str, subject: str, body: str) -> Notification:
    return Notification(audience=Audience.AGENT, agent_id=agent_id, kind=kind, subject=subject, body=body)


def payment_received(invoice: Invoice, amount_minor: int, commission: Commission) -> Notification:
    currency = invoice.currency
    return _to_agent(
        invoice.agent_id,
        "payment_received",
        f"Payment received for invoice {invoice.number}",
        f"{format_money(amount_minor, currency)} was received for invoice {invoice.number} ({invoice.customer_name}). "
        f"Your commission of {format_money(commission.amount_minor, currency)} is pending approval.",
    )


def payment_refunded(invoice: Invoice, amount_minor: int, clawback_minor: int) -> Notification:
    currency = invoice.currency
    effect = (
        f"Your commission is reduced by {format_money(-clawback_minor, currency)}."
        if clawback_minor
        else "Your commission is unchanged."
    )
    return _to_agent(
        invoice.agent_id,
        "commission_clawed_back" if clawback_minor else "payment_refunded",
        f"Refund on invoice {invoice.number}",
        f"{format_money(amount_minor, currency)} of a payment on invoice {invoice.number} was refunded. {effect}",
    )


def commission_credited(commission: Commission, credited_minor: int) -> Notification:
    return _to_agent(
        commission.agent_id,
        "commission_credited",
        "Commission credited",
        f"{format_money(credited_minor, commission.currency)} was credited to your wallet "
        f"for payment #{commission.payment_id}.",
    )


def payout_requested(agent: Agent, payout: Payout) -> Notification:
    return Notification(
        audience=Audience.STAFF,
        kind="payout_requested",
        subject=f"Payout requested by {agent.name}",
        body=f"{agent.name} asked for a payout of {format_money(payout.amount_minor, payout.currency)}.",
    )


def payout_decided(payout: Payout) -> Notification:
    amount = format_money(payout.amount_minor, payout.currency)
    status = PayoutStatus(payout.status)
    body = {
        PayoutStatus.APPROVED: f"Your payout of {amount} was approved and is on its way.",
        PayoutStatus.REJECTED: f"Your payout of {amount} was rejected: {payout.rejection_reason}. "
        "The amount is available again.",
        PayoutStatus.CANCELLED: f"Your payout request of {amount} was cancelled.",
        PayoutStatus.PAID: f"Your payout of {amount} was paid out to your bank account.",
    }[status]
    return _to_agent(payout.agent_id, f"payout_{status}", f"Payout {status}", body)


def wallet_adjusted(agent_id: int, amount_minor: int, currency: str, reason: str) -> Notification:
    return _to_agent(
        agent_id,
        "wallet_adjusted",
        "Wallet adjusted",
        f"Your available balance was adjusted by {format_money(amount_minor, currency)}: {reason}",
    )
