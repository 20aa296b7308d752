"""Payouts: an agent's request holds the money; staff approve (debit) or reject it, the agent may cancel."""

from __future__ import annotations

from portal.domain import errors
from portal.domain.money import format_money, require_currency
from portal.models import Payout, Wallet
from portal.models.wallet import Movement, PayoutDecision, PayoutStatus
from portal.persistence.protocols import UnitOfWork
from portal.security.secure_settings import setting_value
from portal.services.money import notices
from portal.services.money.commands import CancelPayout, DecidePayout, MarkPayoutPaid, RequestPayout
from portal.services.money.ledger import post
from portal.services.money.repeats import check_not_a_repeat, since
from portal.services.money.results import PayoutDecided, PayoutRequested


def request_payout(uow: UnitOfWork, command: RequestPayout) -> PayoutRequested:
    agent = uow.agents.require(command.agent_id)
    agent.check_can_request_payouts()
    require_currency(command.currency, agent.currency, "The wallet")
    wallet = uow.wallets.open(agent.id, command.currency, lock=True)
    wallet.check_payout(command.amount_minor, setting_value(uow.settings, "minimum_payout_minor"))
    if not command.confirm_repeat:
        check_not_a_repeat(
            uow.payouts.last_alike(agent.id, command.amount_minor, since(uow.now)), uow.now,
            f"A payout of {format_money(command.amount_minor, command.currency)} was requested", "request another?",
        )  # fmt: skip
    uow.flush()
    payout = uow.payouts.add(
        Payout(
            agent_id=agent.id, wallet_id=wallet.id, amount_minor=command.amount_minor, currency=command.currency,
            status=PayoutStatus.REQUESTED, idempotency_key=command.idempotency_key, requested_by=str(uow.actor),
            requested_at=uow.now,
        )
    )  # fmt: skip
    uow.flush()
    post(uow, wallet, Movement.hold(payout))
    uow.notifications.add(notices.payout_requested(agent, payout))
    uow.flush()
    return PayoutRequested(
        replayed=False, payout_id=payout.id, amount_minor=payout.amount_minor, currency=payout.currency,
        wallet_available_minor=wallet.available_minor, wallet_held_minor=wallet.held_minor,
    )  # fmt: skip


def decide_payout(uow: UnitOfWork, command: DecidePayout) -> PayoutDecided:
    return _decide(uow, uow.payouts.require(command.payout_id), command.decision, command.reason)


def cancel_payout(uow: UnitOfWork, command: CancelPayout) -> PayoutDecided:
    payout = uow.payouts.require(command.payout_id)
    if command.agent_id is not None and payout.agent_id != command.agent_id:
        # Another agent's payout is not even confirmed to exist.
        raise errors.NotFound("There is no such payout.")
    return _decide(uow, payout, PayoutDecision.CANCEL, None)


def mark_payout_paid(uow: UnitOfWork, command: MarkPayoutPaid) -> PayoutDecided:
    payout = uow.payouts.require(command.payout_id)
    payout.mark_paid(uow.now)
    wallet = _wallet_of(uow, payout, lock=False)
    uow.notifications.add(notices.payout_decided(payout))
    uow.flush()
    return _decided(payout, wallet)


def _wallet_of(uow: UnitOfWork, payout: Payout, lock: bool) -> Wallet:
    wallet = uow.wallets.for_agent(payout.agent_id, payout.currency, lock=lock)
    if wallet is None:
        raise errors.NotFound("The payout's wallet is missing.")
    return wallet


def _decide(uow: UnitOfWork, payout: Payout, decision: PayoutDecision, reason: str | None) -> PayoutDecided:
    # The wallet's lock first, as every money command takes it: decisions on one wallet queue. Then the
    # payout is read again: a decision that committed while this one waited for the lock shows.
    wallet = _wallet_of(uow, payout, lock=True)
    uow.payouts.refresh(payout)
    post(uow, wallet, payout.decide(decision, str(uow.actor), uow.now, reason))
    uow.notifications.add(notices.payout_decided(payout))
    uow.flush()
    return _decided(payout, wallet)


def _decided(payout: Payout, wallet: Wallet) -> PayoutDecided:
    return PayoutDecided(
        replayed=False, payout_id=payout.id, status=payout.status, amount_minor=payout.amount_minor,
        currency=payout.currency, wallet_available_minor=wallet.available_minor, wallet_held_minor=wallet.held_minor,
    )  # fmt: skip
