"""The wallet as its agent reads it: one line per thing that happened, with balances after it that add up.

The ledger keeps one entry per movement, and a payout makes two: its hold, then its debit or its release. An
agent thinks of one payout, so a line starts at every entry that begins something (a commission credited, a
clawback, an adjustment, a payout requested) and a payout's later entries fold into its line: the line's
changes are the payout's effect today (paid: the amount gone from available, nothing held; rejected or
cancelled: nothing at all; still requested: the amount moved from available to held).

The balances after a line are the sums of the changes of every line up to it, so each line adds its changes
to the line before it and the newest line shows the wallet. They are read, not added up over the wallet's
history: the entry that starts a line stores the ledger's balances after it, and the two differ only by the
debits and releases that came later for payouts requested at or before the line. Those payouts were still
open at the line, so they were requested after the latest entry that left nothing held: a page reads its rows
and the payouts requested since the wallet last held nothing, never the whole ledger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from portal.models import WalletTransaction
from portal.models.ledger_rules import LedgerKind
from portal.models.wallet import LedgerSource
from portal.read.causes import CommissionShare, InvoiceRef, PayoutRef, cause_of, with_causes
from portal.read.pages import Key, Page, PageRequest, paginate

#: the entries that settle a payout: they belong to the payout's line, never start one
SETTLEMENTS = (LedgerKind.PAYOUT_DEBIT, LedgerKind.PAYOUT_RELEASE)


class LineKind(StrEnum):
    """What a line of the wallet is."""

    COMMISSION = "commission"
    CLAWBACK = "clawback"
    PAYOUT = "payout"
    ADJUSTMENT = "adjustment"


_KIND_OF_ENTRY = {
    LedgerKind.COMMISSION_CREDIT: LineKind.COMMISSION,
    LedgerKind.CLAWBACK: LineKind.CLAWBACK,
    LedgerKind.PAYOUT_HOLD: LineKind.PAYOUT,
    LedgerKind.ADJUSTMENT: LineKind.ADJUSTMENT,
}


@dataclass(frozen=True)
class WalletLine:
    """One thing that happened to the wallet: its effect on each balance, and both balances after it."""

    #: the ledger entry the line starts at
    entry_id: int
    kind: LineKind
    currency: str
    at: datetime
    available_change_minor: int
    held_change_minor: int
    available_after_minor: int
    held_after_minor: int
    invoice: InvoiceRef | None = None
    share: CommissionShare | None = None
    payout: PayoutRef | None = None
    #: why staff adjusted the wallet
    reason: str | None = None

    @property
    def title(self) -> str:
        """What the line is, in the words an agent knows: ``Commission on INV-0042 · Acme Ltd``."""
        name = self.kind.value.capitalize()
        if self.invoice is None:
            return name
        return f"{name} on {self.invoice.number} · {self.invoice.customer_name}"


@dataclass(frozen=True)
class _Settlement:
    """A debit or release that came after the hold of its payout."""

    hold_id: int
    entry_id: int
    available_delta_minor: int
    held_delta_minor: int


class WalletLinesReadRepository:
    """Pages of an agent's wallet lines, newest first."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def page(self, agent_id: int, currency: str, request: PageRequest) -> Page[WalletLine]:
        """The lines of the agent's wallet in ``currency``: three queries, whatever the page and the wallet's size."""
        entry = WalletTransaction
        of_wallet = (entry.agent_id == agent_id, entry.currency == currency, entry.kind.not_in(SETTLEMENTS))
        query = with_causes(
            sa.select(
                entry.id.label("entry_id"), entry.kind, entry.currency, entry.created_at, entry.available_delta_minor,
                entry.held_delta_minor, entry.available_after_minor, entry.held_after_minor, entry.reason,
            ).where(*of_wallet)
        )  # fmt: skip
        # Counted on the entries alone: the joins to what they name add no rows.
        count = sa.select(entry.id).where(*of_wallet)
        starts = paginate(self.session, query, [Key(entry.id, descending=True)], request, _start, count)
        if not starts.items:
            return replace(starts, items=[])
        settlements = self._settlements_across(agent_id, currency, starts.items)
        return replace(starts, items=[_line(start, settlements) for start in starts.items])

    def _settlements_across(self, agent_id: int, currency: str, starts: Sequence[WalletLine]) -> list[_Settlement]:
        """Debits and releases after the page's oldest line, of payouts requested at or before its newest."""
        oldest, newest = starts[-1].entry_id, starts[0].entry_id
        entry, hold, settlement = WalletTransaction, aliased(WalletTransaction), aliased(WalletTransaction)
        # Nothing was held after this entry: every payout requested before it had been settled by then.
        last_held_nothing = (
            sa.select(entry.id)
            .where(entry.agent_id == agent_id, entry.currency == currency)
            .where(entry.id <= oldest, entry.held_after_minor == 0)
            .order_by(entry.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        rows = self.session.execute(
            sa.select(
                hold.id.label("hold_id"),
                settlement.id.label("entry_id"),
                settlement.available_delta_minor,
                settlement.held_delta_minor,
            )
            .join(
                settlement,
                sa.and_(
                    settlement.source_type == LedgerSource.PAYOUT,
                    settlement.source_id == hold.source_id,
                    settlement.kind.in_(SETTLEMENTS),
                ),
            )
            .where(
                hold.agent_id == agent_id,
                hold.currency == currency,
                hold.kind == LedgerKind.PAYOUT_HOLD,
                hold.id > sa.func.coalesce(last_held_nothing, 0),
                hold.id <= newest,
                settlement.id > oldest,
            )
        ).mappings()
        return [_Settlement(**row) for row in rows]


def _start(row: Mapping[str, Any]) -> WalletLine:
    """The line an entry starts, as the ledger stored it: its own deltas, and the balances after it."""
    cause = cause_of(row)
    return WalletLine(
        row["entry_id"], _KIND_OF_ENTRY[LedgerKind(row["kind"])], row["currency"], row["created_at"],
        row["available_delta_minor"], row["held_delta_minor"], row["available_after_minor"], row["held_after_minor"],
        cause.invoice, cause.share, cause.payout, row["reason"],
    )  # fmt: skip


def _line(start: WalletLine, settlements: Sequence[_Settlement]) -> WalletLine:
    """The line ``start`` begins: its payout's settlement folded in, and later settlements of payouts open then."""
    own = [s for s in settlements if s.hold_id == start.entry_id]
    open_then = [s for s in settlements if s.hold_id <= start.entry_id < s.entry_id]
    return replace(
        start,
        available_change_minor=start.available_change_minor + sum(s.available_delta_minor for s in own),
        held_change_minor=start.held_change_minor + sum(s.held_delta_minor for s in own),
        available_after_minor=start.available_after_minor + sum(s.available_delta_minor for s in open_then),
        held_after_minor=start.held_after_minor + sum(s.held_delta_minor for s in open_then),
    )
