"""An administrator's correction of a wallet's available balance, with a reason the agent is told."""

from __future__ import annotations

from portal.domain import errors
from portal.domain.money import format_money, require_currency
from portal.models.wallet import Movement
from portal.persistence.protocols import UnitOfWork
from portal.services.money import notices
from portal.services.money.commands import AdjustWallet
from portal.services.money.ledger import post
from portal.services.money.repeats import check_not_a_repeat, since
from portal.services.money.results import WalletAdjusted


def adjust_wallet(uow: UnitOfWork, command: AdjustWallet) -> WalletAdjusted:
    agent = uow.agents.require(command.agent_id)
    require_currency(command.currency, agent.currency, "The wallet")
    wallet = uow.wallets.open(agent.id, command.currency, lock=True)
    if not command.confirm_repeat:
        check_not_a_repeat(
            uow.wallets.last_adjustment_alike(agent.id, command.amount_minor, since(uow.now)), uow.now,
            f"{agent.name}'s wallet was adjusted by {format_money(command.amount_minor, command.currency)}",
            "adjust it again?",
        )  # fmt: skip
    after = wallet.available_minor + command.amount_minor
    if command.amount_minor < 0 and after < 0 and not command.confirm_negative:
        raise errors.NegativeBalanceNeedsConfirmation(
            f"This leaves {agent.name}'s available balance at {format_money(after, command.currency)}, below zero. "
            "Tick the box to confirm."
        )
    uow.flush()
    entry = post(uow, wallet, Movement.adjustment(command.amount_minor, command.idempotency_key, command.reason))
    uow.notifications.add(notices.wallet_adjusted(agent.id, command.amount_minor, command.currency, command.reason))
    uow.flush()
    return WalletAdjusted(
        replayed=False, wallet_id=wallet.id, entry_id=entry.id, amount_minor=command.amount_minor,
        currency=command.currency, wallet_available_minor=wallet.available_minor,
    )  # fmt: skip
