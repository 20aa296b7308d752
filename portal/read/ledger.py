"""A wallet as its agent and staff read it: the balances, and every movement with what caused it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Wallet, WalletTransaction
from portal.models.ledger_rules import LedgerKind
from portal.read.causes import Cause, cause_of, with_causes
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
class NamedLedgerEntry(LedgerEntry):
    """A ledger entry and what caused it, as staff know it: an invoice and its customer, a payout, a reason."""

    cause: Cause


@dataclass(frozen=True)
class WalletBalance:
    """What a wallet holds now."""

    currency: str
    available_minor: int
    held_minor: int


_NEWEST_FIRST = [Key(WalletTransaction.id, descending=True)]
_ENTRY_FIELDS = tuple(field.name for field in fields(LedgerEntry))


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
        return paginate(self.session, _entries(agent_id, kind), _NEWEST_FIRST, request, lambda row: LedgerEntry(**row))

    def named_page(self, agent_id: int, request: PageRequest) -> Page[NamedLedgerEntry]:
        """The agent's movements, newest first, each with its cause: two queries, whatever the page."""
        entries = _entries(agent_id)
        # Counted on the entries alone: the joins to their causes add no rows.
        return paginate(self.session, with_causes(entries), _NEWEST_FIRST, request, _named, count=entries)


def _entries(agent_id: int, kind: LedgerKind | None = None) -> sa.Select:
    """The agent's entries as they were written; only those of ``kind`` when given."""
    table = WalletTransaction
    query = sa.select(
        table.id, table.kind, table.currency, table.available_delta_minor, table.held_delta_minor,
        table.available_after_minor, table.held_after_minor, table.source_type, table.source_id, table.reason,
        table.actor, table.created_at,
    ).where(table.agent_id == agent_id)  # fmt: skip
    return query if kind is None else query.where(table.kind == kind)


def _named(row: Mapping[str, Any]) -> NamedLedgerEntry:
    """The entry of a row of :func:`with_causes`, and the cause its other columns name."""
    return NamedLedgerEntry(**{name: row[name] for name in _ENTRY_FIELDS}, cause=cause_of(row))
