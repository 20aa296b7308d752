"""The per-agent read model computed from the source rows and the ledger."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import (
    Agent,
    AgentFinancialSummary,
    Commission,
    Invoice,
    Payment,
    Wallet,
    WalletTransaction,
)
from portal.read.summaries import FinancialSummary
from portal.repositories.summaries import SUMMARY_FIGURES

BILLED_STATUSES = ("issued", "partially_paid", "paid")
OPEN_STATUSES = ("issued", "partially_paid")
PENDING_COMMISSION_STATUSES = ("pending", "approved")


def _sum_when(condition, value) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


def compute_summaries(session: Session, agent_ids: Iterable[int] | None = None) -> dict[int, FinancialSummary]:
    """Every agent's summary figures, from invoices, payments, commissions and the ledger.

    One query whatever the number of agents. Wallet balances are the sums of
    ledger entries, not the wallet rows, so a drift between the two shows up.
    """
    invoices = (
        sa.select(
            Invoice.agent_id,
            _sum_when(Invoice.status.in_(BILLED_STATUSES), Invoice.amount_minor).label("invoiced"),
            _sum_when(Invoice.status.in_(OPEN_STATUSES), Invoice.amount_minor - Invoice.paid_minor).label(
                "outstanding"
            ),
        )
        .group_by(Invoice.agent_id)
        .subquery()
    )
    payments = (
        sa.select(
            Payment.agent_id,
            sa.func.sum(Payment.amount_minor - Payment.refunded_minor).label("collected"),
            sa.func.max(Payment.received_at).label("last_payment_at"),
        )
        .group_by(Payment.agent_id)
        .subquery()
    )
    commissions = (
        sa.select(
            Commission.agent_id,
            _sum_when(Commission.status == "credited", Commission.amount_minor).label("earned"),
            _sum_when(Commission.status.in_(PENDING_COMMISSION_STATUSES), Commission.amount_minor).label("pending"),
        )
        .group_by(Commission.agent_id)
        .subquery()
    )
    ledger = (
        sa.select(
            Wallet.agent_id,
            Wallet.currency,
            sa.func.sum(WalletTransaction.available_delta_minor).label("available"),
            sa.func.sum(WalletTransaction.held_delta_minor).label("held"),
        )
        .join(WalletTransaction, WalletTransaction.wallet_id == Wallet.id)
        .group_by(Wallet.agent_id, Wallet.currency)
        .subquery()
    )
    zero = sa.literal(0)
    query = (
        sa.select(
            Agent.id,
            Agent.currency,
            sa.func.coalesce(invoices.c.invoiced, zero),
            sa.func.coalesce(payments.c.collected, zero),
            sa.func.coalesce(invoices.c.outstanding, zero),
            sa.func.coalesce(commissions.c.earned, zero),
            sa.func.coalesce(commissions.c.pending, zero),
            sa.func.coalesce(ledger.c.available, zero),
            sa.func.coalesce(ledger.c.held, zero),
            payments.c.last_payment_at,
        )
        .outerjoin(invoices, invoices.c.agent_id == Agent.id)
        .outerjoin(payments, payments.c.agent_id == Agent.id)
        .outerjoin(commissions, commissions.c.agent_id == Agent.id)
        .outerjoin(ledger, sa.and_(ledger.c.agent_id == Agent.id, ledger.c.currency == Agent.currency))
        .order_by(Agent.id)
    )
    if agent_ids is not None:
        query = query.where(Agent.id.in_(list(agent_ids)))
    summaries = {}
    for agent_id, currency, *figures, last_payment_at in session.execute(query):
        values = dict(zip(SUMMARY_FIGURES, (int(value) for value in figures), strict=True))
        summaries[agent_id] = FinancialSummary(
            agent_id=agent_id, currency=currency, last_payment_at=last_payment_at, **values
        )
    return summaries


def rebuild_summaries(session: Session, agent_ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Overwrite summary rows with freshly computed figures; returns (rows, rows that differed)."""
    computed = compute_summaries(session, agent_ids)
    existing = {
        row.agent_id: row
        for row in session.scalars(
            sa.select(AgentFinancialSummary).where(AgentFinancialSummary.agent_id.in_(list(computed)))
        )
    }
    changed = 0
    for agent_id, figures in computed.items():
        summary = existing.get(agent_id)
        if summary is None:
            summary = AgentFinancialSummary(agent_id=agent_id)
            session.add(summary)
        values = {name: value for name, value in asdict(figures).items() if name != "agent_id"}
        if any(getattr(summary, name) != value for name, value in values.items()):
            changed += 1
            for name, value in values.items():
                setattr(summary, name, value)
    return len(computed), changed
