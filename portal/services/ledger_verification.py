"""Check the money invariants over the whole database and name every violation.

1. a wallet's balances equal the sums of its ledger entries, each entry's
   ``*_after`` balances follow from the one before, and no entry differs from
   what the audit trail recorded when it was inserted (none edited or deleted);
2. no payout hold took the available balance below zero;
3. an invoice's paid amount equals its payments net of refunds (never above
   its amount), and a payment's refunded amount equals its refunds;
6. every stored summary equals a rebuild from the ledger;
7. the audit chain verifies end to end.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import (
    AgentFinancialSummary,
    AuditEvent,
    Invoice,
    Payment,
    Refund,
    Wallet,
    WalletTransaction,
)
from portal.persistence.audit_chain import verify_chain
from portal.persistence.audit_events import audited_values, column_keys
from portal.services.financial_summary import compute_summaries

BATCH = 5000
# What the audit trail's insert event must agree with, for each ledger entry: every column.
LEDGER_FIELDS = tuple(key for key in column_keys(WalletTransaction) if key != "id")


@dataclass(frozen=True)
class Violation:
    invariant: int
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"invariant {self.invariant}: {self.subject}: {self.detail}"


@dataclass
class LedgerReport:
    checked: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not self.violations

    def violate(self, invariant: int, subject: str, detail: str) -> None:
        self.violations.append(Violation(invariant, subject, detail))


def verify_ledger(session: Session, chain_key: bytes) -> LedgerReport:
    report = LedgerReport()
    _check_wallets(session, report)
    _check_ledger_against_audit(session, report)
    _check_payout_holds(session, report)
    _check_invoices_and_payments(session, report)
    _check_summaries(session, report)
    chain = verify_chain(session, chain_key)
    report.checked.append(f"invariant 7: audit chain of {chain.checked} events")
    if not chain.holds:
        report.violate(7, "audit chain", str(chain.first_break))
    return report


def _check_wallets(session: Session, report: LedgerReport) -> None:
    wallets = session.execute(sa.select(Wallet.id, Wallet.agent_id, Wallet.available_minor, Wallet.held_minor)).all()
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    running: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    entries = 0
    table = WalletTransaction.__table__
    rows = session.execute(
        sa.select(
            table.c.id,
            table.c.wallet_id,
            table.c.available_delta_minor,
            table.c.held_delta_minor,
            table.c.available_after_minor,
            table.c.held_after_minor,
        )
        .order_by(table.c.wallet_id, table.c.id)
        .execution_options(yield_per=BATCH)
    )
    try:
        for entry_id, wallet_id, d_available, d_held, after_available, after_held in rows:
            entries += 1
            totals[wallet_id][0] += d_available
            totals[wallet_id][1] += d_held
            expected = [running[wallet_id][0] + d_available, running[wallet_id][1] + d_held]
            if expected != [after_available, after_held]:
                report.violate(
                    1,
                    f"ledger entry #{entry_id} (wallet #{wallet_id})",
                    f"records {after_available} available / {after_held} held after it, "
                    f"but the entries up to it give {expected[0]} / {expected[1]}",
                )
            running[wallet_id] = [after_available, after_held]
    finally:
        rows.close()
    for wallet_id, agent_id, available, held in wallets:
        ledger_available, ledger_held = totals[wallet_id]
        if (available, held) != (ledger_available, ledger_held):
            report.violate(
                1,
                f"wallet #{wallet_id} (agent #{agent_id})",
                f"holds {available} available / {held} held; its ledger adds up to {ledger_available} / {ledger_held}",
            )
    report.checked.append(f"invariant 1: {len(wallets)} wallets against {entries} ledger entries")


def _digest(values: dict) -> bytes:
    """A short fingerprint of an entry's audited columns: a million of them fit in memory."""
    document = json.dumps([values.get(name) for name in LEDGER_FIELDS], separators=(",", ":"), default=str)
    return hashlib.blake2b(document.encode(), digest_size=16).digest()


def _check_ledger_against_audit(session: Session, report: LedgerReport) -> None:
    recorded: dict[str, tuple[bytes, int]] = {}
    changed: list[tuple[str, str, int]] = []
    events = session.execute(
        sa.select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.after, AuditEvent.seq)
        .where(AuditEvent.entity_type == WalletTransaction.__name__)
        .execution_options(yield_per=BATCH)
    )
    try:
        for entity_id, action, after, seq in events:
            if action == "insert":
                recorded[entity_id] = (_digest(after or {}), seq)
            else:
                changed.append((entity_id, action, seq))
    finally:
        events.close()
    for entity_id, action, seq in changed:
        report.violate(1, f"ledger entry #{entity_id}", f"was {action}d (audit event seq={seq})")
    table = WalletTransaction.__table__
    rows = session.execute(
        sa.select(table.c.id, *(table.c[name] for name in LEDGER_FIELDS)).execution_options(yield_per=BATCH)
    )
    present = set()
    edited: list[tuple[str, dict, int]] = []
    try:
        for row in rows:
            entry = row._asdict()
            entry_id = str(entry.pop("id"))
            present.add(entry_id)
            audited = recorded.get(entry_id)
            if audited is None:
                report.violate(1, f"ledger entry #{entry_id}", "has no audited insert: written behind the app")
                continue
            stored = audited_values(WalletTransaction, entry)
            if _digest(stored) != audited[0]:
                edited.append((entry_id, stored, audited[1]))
    finally:
        rows.close()
    for entry_id, stored, seq in edited:
        snapshot = session.scalar(sa.select(AuditEvent.after).where(AuditEvent.seq == seq)) or {}
        differing = [name for name in LEDGER_FIELDS if snapshot.get(name) != stored[name]]
        report.violate(
            1,
            f"ledger entry #{entry_id}",
            f"differs from its audited insert in {', '.join(differing)}: edited after the fact",
        )
    for entry_id in sorted(set(recorded) - present, key=int):
        report.violate(1, f"ledger entry #{entry_id}", "was audited when inserted but is gone: deleted")
    report.checked.append(f"invariant 1: {len(present)} ledger entries against their audited inserts")


def _check_payout_holds(session: Session, report: LedgerReport) -> None:
    below = session.execute(
        sa.select(WalletTransaction.id, WalletTransaction.wallet_id, WalletTransaction.available_after_minor).where(
            WalletTransaction.kind == "payout_hold", WalletTransaction.available_after_minor < 0
        )
    ).all()
    holds = session.scalar(
        sa.select(sa.func.count(WalletTransaction.id)).where(WalletTransaction.kind == "payout_hold")
    )
    for entry_id, wallet_id, after in below:
        report.violate(2, f"payout hold #{entry_id} (wallet #{wallet_id})", f"left {after} available")
    report.checked.append(f"invariant 2: {holds} payout holds")


def _check_invoices_and_payments(session: Session, report: LedgerReport) -> None:
    net_paid = (
        sa.select(
            Payment.invoice_id,
            sa.func.sum(Payment.amount_minor - Payment.refunded_minor).label("net"),
        )
        .group_by(Payment.invoice_id)
        .subquery()
    )
    invoices = session.execute(
        sa.select(Invoice.id, Invoice.number, Invoice.amount_minor, Invoice.paid_minor, net_paid.c.net).outerjoin(
            net_paid, net_paid.c.invoice_id == Invoice.id
        )
    ).all()
    for invoice_id, number, amount, paid, net in invoices:
        net = int(net or 0)
        if paid != net:
            report.violate(3, f"invoice {number} (#{invoice_id})", f"records {paid} paid; its payments net {net}")
        if paid > amount:
            report.violate(3, f"invoice {number} (#{invoice_id})", f"paid {paid} is above its amount {amount}")
    refunded = sa.select(Refund.payment_id, sa.func.sum(Refund.amount_minor).label("total")).group_by(Refund.payment_id)
    refunds = {payment_id: int(total) for payment_id, total in session.execute(refunded)}
    payments = session.execute(sa.select(Payment.id, Payment.refunded_minor)).all()
    for payment_id, recorded in payments:
        if recorded != refunds.get(payment_id, 0):
            report.violate(
                3,
                f"payment #{payment_id}",
                f"records {recorded} refunded; its refunds add up to {refunds.get(payment_id, 0)}",
            )
    report.checked.append(f"invariant 3: {len(invoices)} invoices and {len(payments)} payments")


def _check_summaries(session: Session, report: LedgerReport) -> None:
    computed = compute_summaries(session)
    stored = {row.agent_id: row for row in session.scalars(sa.select(AgentFinancialSummary))}
    for agent_id, expected in computed.items():
        row = stored.get(agent_id)
        if row is None:
            if any(value for name, value in asdict(expected).items() if name.endswith("_minor")):
                report.violate(6, f"agent #{agent_id}", "has activity but no summary row")
            continue
        differing = [
            f"{name} {getattr(row, name)} ≠ {value}"
            for name, value in asdict(expected).items()
            if name not in ("agent_id", "currency") and getattr(row, name) != value
        ]
        if differing:
            report.violate(6, f"summary of agent #{agent_id}", "; ".join(differing))
    report.checked.append(f"invariant 6: {len(stored)} summaries against a rebuild from the ledger")
