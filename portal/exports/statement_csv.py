"""A monthly statement as CSV: the opening balance, a row per line in the order they happened, the closing balance.

The amounts column adds up: the opening balance plus every line is the closing balance.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from portal.exports.cells import money, number, text, when
from portal.models.ledger_rules import LedgerKind
from portal.read.statements import Balance, Statement

#: what each kind of line is called on a statement
LINE_NAMES = {
    LedgerKind.COMMISSION_CREDIT: "Commission",
    LedgerKind.CLAWBACK: "Clawback",
    LedgerKind.PAYOUT_DEBIT: "Payout",
    LedgerKind.ADJUSTMENT: "Adjustment",
}


@dataclass(frozen=True)
class StatementRow:
    line: str
    at: datetime
    amount_minor: int
    currency: str
    entry_id: int | None = None
    invoice_number: str | None = None
    customer_name: str | None = None
    payout_id: int | None = None
    details: str | None = None
    #: the balance's two parts, on the opening and closing rows
    available_minor: int | None = None
    held_minor: int | None = None


COLUMNS = (
    text("Line", "line"), when("When", "at"), number("Entry ID", "entry_id"), text("Invoice", "invoice_number"),
    text("Customer", "customer_name"), number("Payout ID", "payout_id"), text("Details", "details"),
    money("Amount", "amount_minor"), text("Currency", "currency"), money("Available", "available_minor"),
    money("Held", "held_minor"),
)  # fmt: skip


def statement_rows(statement: Statement) -> Iterator[StatementRow]:
    """The rows of ``statement``'s CSV."""
    currency = statement.currency
    yield _balance_row("Opening balance", statement.month.starts, statement.opening, currency)
    for line in statement.lines:
        yield StatementRow(
            LINE_NAMES[line.kind], line.at, line.amount_minor, currency, entry_id=line.entry_id,
            invoice_number=line.invoice_number, customer_name=line.customer_name, payout_id=line.payout_id,
            details=line.reason,
        )  # fmt: skip
    yield _balance_row("Closing balance", statement.month.ends, statement.closing, currency)


def _balance_row(name: str, at: datetime, balance: Balance, currency: str) -> StatementRow:
    return StatementRow(name, at, balance.total_minor, currency, available_minor=balance.available_minor,
                        held_minor=balance.held_minor)  # fmt: skip
