"""Wallets and their ledger inside a unit of work."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.models import Wallet, WalletTransaction
from portal.models.ledger_rules import LedgerKind
from portal.repositories.base import Repository


class WalletRepository(Repository[Wallet]):
    """Finds or opens wallets and appends ledger entries; never commits."""

    model = Wallet
    noun = "wallet"

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

    def last_adjustment_alike(self, agent_id: int, amount_minor: int, since: datetime) -> datetime | None:
        """When the agent's wallet was last adjusted by this amount, if since ``since``."""
        entry = WalletTransaction
        return self.session.scalar(
            sa.select(sa.func.max(entry.created_at)).where(
                entry.agent_id == agent_id,
                entry.kind == LedgerKind.ADJUSTMENT,
                entry.available_delta_minor == amount_minor,
                entry.created_at >= since,
            )
        )
