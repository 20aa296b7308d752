"""A wallet as its agent and staff read it: the balances, and every movement with what caused it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Wallet, WalletTransaction
from portal.models.ledger_rules import LedgerKind
from portal.read.pages import Key, Page, PageRequest, paginate


@dataclass(frozen=True)
class LedgerEntry:
    """One movement of a wallet and the balances after it."""

    id: int
    kind: str
    currency: str
    available_delta_minor: int
    held_delta_minor: int
    available_after_minor: int
    held_after_minor: int
    source_type: str
    source_id: int | None
    reason: str | None
    actor: str
    created_at: datetime

    @property
    def movement_minor(self) -> int:
        """The change an agent sees: to the available balance, or to the held one when only that moved."""
        return self.available_delta_minor or self.held_delta_minor


@dataclass(frozen=True)
class WalletBalance:
    """What a wallet holds now."""

    currency: str
    available_minor: int
    held_minor: int


class WalletLedgerReadRepository:
    """Balances and ledger pages of agents' wallets."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def balance(self, agent_id: int, currency: str) -> WalletBalance:
        """The agent's balance in ``currency``; zero before its wallet exists."""
        row = self.session.execute(
            sa.select(Wallet.available_minor, Wallet.held_minor).where(
                Wallet.agent_id == agent_id, Wallet.currency == currency
            )
        ).first()
        return WalletBalance(currency, row.available_minor, row.held_minor) if row else WalletBalance(currency, 0, 0)

    def page(self, agent_id: int, request: PageRequest, kind: LedgerKind | None = None) -> Page[LedgerEntry]:
        """The agent's movements, newest first; only those of ``kind`` when given."""
        table = WalletTransaction
        query = sa.select(
            table.id,
            table.kind,
            table.currency,
            table.available_delta_minor,
            table.held_delta_minor,
            table.available_after_minor,
            table.held_after_minor,
            table.source_type,
            table.source_id,
            table.reason,
            table.actor,
            table.created_at,
        ).where(table.agent_id == agent_id)
        if kind is not None:
            query = query.where(table.kind == kind)
        return paginate(self.session, query, [Key(table.id, descending=True)], request, lambda row: LedgerEntry(**row))
