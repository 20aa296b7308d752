"""An agent's monthly statement, read from its wallet's ledger: what it held, what came in and went out, what it holds.

The balance is what the wallet owes the agent, available and held together: a payout request moves money from
one to the other and changes nothing owed, so holds and releases are no lines of a statement; the money leaves
when the payout is approved (its debit). The opening balance is the ledger's balance after its last entry before
the month began, the closing balance the same at the month's end; the lines are the entries in between that change
the balance (commissions credited, clawbacks, payout debits, adjustments), so opening plus lines is closing. Entries
are ordered by their time, then their id, as the ledger wrote them. Three queries, whatever the ledger's depth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Commission, Invoice, Payment, Payout, Refund, Wallet, WalletTransaction
from portal.models.ledger_rules import LedgerKind
from portal.models.wallet import LedgerSource

#: the entries that change what the wallet owes the agent, in the order a statement shows their sections
STATEMENT_KINDS = (LedgerKind.COMMISSION_CREDIT, LedgerKind.CLAWBACK, LedgerKind.PAYOUT_DEBIT, LedgerKind.ADJUSTMENT)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, in UTC."""

    year: int
    month: int

    @classmethod
    def containing(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def key(self) -> str:
        """``2025-01``, as the month picker sends it."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.following.first_day - timedelta(days=1)

    @property
    def starts(self) -> datetime:
        return datetime.combine(self.first_day, time.min, UTC)

    @property
    def ends(self) -> datetime:
        """The first instant after the month (the next month's start)."""
        return self.following.starts

    @property
    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    @property
    def following(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)


@dataclass(frozen=True)
class Balance:
    """What the wallet owed the agent at one moment: available to pay out, and held for payout requests."""

    available_minor: int
    held_minor: int

    @property
    def total_minor(self) -> int:
        return self.available_minor + self.held_minor


@dataclass(frozen=True)
class StatementLine:
    """One ledger entry of the month that changed the balance, with what the agent knows it by."""

    entry_id: int
    kind: LedgerKind
    at: datetime
    #: its change to the balance (available and held together)
    amount_minor: int
    invoice_id: int | None
    invoice_number: str | None
    customer_name: str | None
    payout_id: int | None
    payout_requested_at: datetime | None
    #: why: the refund's reason for a clawback, staff's reason for an adjustment
    reason: str | None


@dataclass(frozen=True)
class Statement:
    """An agent's month: the balance it began with, every line, and the balance it ended with."""

    agent_id: int
    currency: str
    month: Month
    opening: Balance
    closing: Balance
    lines: tuple[StatementLine, ...]

    def _of(self, kind: LedgerKind) -> tuple[StatementLine, ...]:
        return tuple(line for line in self.lines if line.kind == kind)

    @property
    def commissions(self) -> tuple[StatementLine, ...]:
        return self._of(LedgerKind.COMMISSION_CREDIT)

    @property
    def clawbacks(self) -> tuple[StatementLine, ...]:
        return self._of(LedgerKind.CLAWBACK)

    @property
    def payouts(self) -> tuple[StatementLine, ...]:
        return self._of(LedgerKind.PAYOUT_DEBIT)

    @property
    def adjustments(self) -> tuple[StatementLine, ...]:
        return self._of(LedgerKind.ADJUSTMENT)

    @property
    def commissions_minor(self) -> int:
        return sum(line.amount_minor for line in self.commissions)

    @property
    def clawbacks_minor(self) -> int:
        return sum(line.amount_minor for line in self.clawbacks)

    @property
    def payouts_minor(self) -> int:
        return sum(line.amount_minor for line in self.payouts)

    @property
    def adjustments_minor(self) -> int:
        return sum(line.amount_minor for line in self.adjustments)

    @property
    def lines_minor(self) -> int:
        """The month's change to the balance: closing minus opening."""
        return sum(line.amount_minor for line in self.lines)

    @property
    def empty(self) -> bool:
        """Nothing changed the balance this month."""
        return not self.lines


class StatementReadRepository:
    """Monthly statements of agents' wallets."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def statement(self, agent_id: int, currency: str, month: Month) -> Statement:
        """The agent's statement for ``month`` of its wallet in ``currency`` (all zero before the wallet exists)."""
        wallet = sa.select(Wallet.id).where(Wallet.agent_id == agent_id, Wallet.currency == currency).scalar_subquery()
        return Statement(
            agent_id=agent_id,
            currency=currency,
            month=month,
            opening=self._balance_before(wallet, month.starts),
            closing=self._balance_before(wallet, month.ends),
            lines=self._lines(wallet, month),
        )

    def _balance_before(self, wallet, moment: datetime) -> Balance:
        """The balances after the wallet's last entry before ``moment`` (its index on wallet and time seeks it)."""
        entry = WalletTransaction
        row = self.session.execute(
            sa.select(entry.available_after_minor, entry.held_after_minor)
            .where(entry.wallet_id == wallet, entry.created_at < moment)
            .order_by(entry.created_at.desc(), entry.id.desc())
            .limit(1)
        ).first()
        return Balance(row.available_after_minor, row.held_after_minor) if row else Balance(0, 0)

    def _lines(self, wallet, month: Month) -> tuple[StatementLine, ...]:
        entry = WalletTransaction
        rows = self.session.execute(
            sa.select(
                entry.id.label("entry_id"),
                entry.kind,
                entry.created_at.label("at"),
                (entry.available_delta_minor + entry.held_delta_minor).label("amount_minor"),
                Invoice.id.label("invoice_id"),
                Invoice.number.label("invoice_number"),
                Invoice.customer_name,
                Payout.id.label("payout_id"),
                Payout.requested_at.label("payout_requested_at"),
                sa.func.coalesce(Refund.reason, entry.reason).label("reason"),
            )
            .outerjoin(
                Commission, sa.and_(entry.source_type == LedgerSource.COMMISSION, Commission.id == entry.source_id)
            )
            .outerjoin(Payment, Payment.id == Commission.payment_id)
            .outerjoin(Invoice, Invoice.id == Payment.invoice_id)
            .outerjoin(Refund, Refund.id == Commission.refund_id)
            .outerjoin(Payout, sa.and_(entry.source_type == LedgerSource.PAYOUT, Payout.id == entry.source_id))
            .where(entry.wallet_id == wallet, entry.created_at >= month.starts, entry.created_at < month.ends)
            .where(entry.kind.in_(STATEMENT_KINDS))
            .order_by(entry.created_at, entry.id)
        ).mappings()
        return tuple(StatementLine(**{**row, "kind": LedgerKind(row["kind"])}) for row in rows)
