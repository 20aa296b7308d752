"""Wallets and their ledger inside a unit of work."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Wallet, WalletTransaction


class WalletRepository:
    """Finds or opens wallets and appends ledger entries; never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def for_agent(self, agent_id: int, currency: str, lock: bool = False) -> Wallet | None:
        """The agent's wallet; ``lock`` holds its row until commit (PostgreSQL), read fresh."""
        query = sa.select(Wallet).where(Wallet.agent_id == agent_id, Wallet.currency == currency)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.session.scalar(query)

    def open(self, agent_id: int, currency: str, lock: bool = False) -> Wallet:
        """The agent's wallet in ``currency``, created empty when missing."""
        wallet = self.for_agent(agent_id, currency, lock=lock)
        if wallet is None:
            wallet = Wallet(agent_id=agent_id, currency=currency, available_minor=0, held_minor=0)
            self.session.add(wallet)
        return wallet

    def append(self, entry: WalletTransaction) -> WalletTransaction:
        self.session.add(entry)
        return entry

    def entry_by_idempotency_key(self, key: str) -> WalletTransaction | None:
        return self.session.scalar(sa.select(WalletTransaction).where(WalletTransaction.idempotency_key == key))

    def ledger_totals(self, wallet_id: int) -> tuple[int, int]:
        """Sums of the available and held deltas of every entry of the wallet."""
        available, held = self.session.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(WalletTransaction.available_delta_minor), 0),
                sa.func.coalesce(sa.func.sum(WalletTransaction.held_delta_minor), 0),
            ).where(WalletTransaction.wallet_id == wallet_id)
        ).one()
        return int(available), int(held)
