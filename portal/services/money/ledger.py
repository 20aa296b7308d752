"""The one step every money handler shares: post a movement to a wallet's ledger and its summary."""

from __future__ import annotations

from portal.models import Wallet, WalletTransaction
from portal.models.wallet import Movement, Stamp
from portal.persistence.protocols import UnitOfWork


def post(uow: UnitOfWork, wallet: Wallet, movement: Movement) -> WalletTransaction:
    """Move the wallet's balances, append the ledger entry that explains it, move the summary with it."""
    entry = uow.wallets.append(wallet.move(movement, Stamp(str(uow.actor), uow.correlation_id, uow.now)))
    uow.summaries.apply(
        wallet.agent_id,
        wallet.currency,
        wallet_available_minor=movement.available_delta_minor,
        wallet_held_minor=movement.held_delta_minor,
    )
    return entry
