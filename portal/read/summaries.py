"""The per-agent financial summary (the read model row) as a plain value."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, AgentFinancialSummary, Commission, Invoice, Payment, Wallet, WalletTransaction

BILLED_STATUSES = ("issued", "partially_paid", "paid")
OPEN_STATUSES = ("issued", "partially_paid")
PENDING_COMMISSION_STATUSES = ("pending", "approved")
#: The figures of a summary, in the read model's column names.
FIGURES = (
    "invoiced_minor", "collected_minor", "outstanding_minor", "commissions_earned_minor", "commissions_pending_minor",
    "wallet_available_minor", "wallet_held_minor",
)  # fmt: skip


@dataclass(frozen=True)
class FinancialSummary:
    """What an agent has invoiced, collected, earned and holds, in its currency."""

    agent_id: int
    currency: str
    invoiced_minor: int
    collected_minor: int
    outstanding_minor: int
    commissions_earned_minor: int
    commissions_pending_minor: int
    wallet_available_minor: int
    wallet_held_minor: int
    last_payment_at: datetime | None

    @classmethod
    def empty(cls, agent_id: int, currency: str) -> FinancialSummary:
        """The summary of an agent nothing has happened to yet."""
        return cls(agent_id, currency, 0, 0, 0, 0, 0, 0, 0, None)


class AgentFinancialSummaryReadRepository:
    """The read model row of one agent, as a plain value."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def for_agent(self, agent_id: int, currency: str) -> FinancialSummary:
        """The agent's summary; zeroes when it has no row yet."""
        row = self.session.get(AgentFinancialSummary, agent_id)
        if row is None:
            return FinancialSummary.empty(agent_id, currency)
        return FinancialSummary(
            agent_id=row.agent_id,
            currency=row.currency,
            invoiced_minor=row.invoiced_minor,
            collected_minor=row.collected_minor,
            outstanding_minor=row.outstanding_minor,
            commissions_earned_minor=row.commissions_earned_minor,
            commissions_pending_minor=row.commissions_pending_minor,
            wallet_available_minor=row.wallet_available_minor,
            wallet_held_minor=row.wallet_held_minor,
            last_payment_at=row.last_payment_at,
        )


def _sum_when(condition, value) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


def live_summaries(agent_ids: list[int] | None = None) -> sa.Subquery:
    """Every agent's figures computed from the source rows: invoices, payments, commissions and the ledger.

    The same columns as the read model (``agent_id``, ``currency``, the figures,
    ``last_payment_at``), so a page can read either. Wallet balances are the sums of
    ledger entries, not the wallet rows, so a drift between the two shows up.
    ``agent_ids`` narrows every part to those agents.
    """

    def only(query: sa.Select, column: Any) -> sa.Select:
        return query if agent_ids is None else query.where(column.in_(agent_ids))

    invoices = only(
        sa.select(
            Invoice.agent_id,
            _sum_when(Invoice.status.in_(BILLED_STATUSES), Invoice.amount_minor).label("invoiced"),
            _sum_when(Invoice.status.in_(OPEN_STATUSES), Invoice.amount_minor - Invoice.paid_minor).label(
                "outstanding"
            ),
        ).group_by(Invoice.agent_id),
        Invoice.agent_id,
    ).subquery()
    payments = only(
        sa.select(
            Payment.agent_id,
            sa.func.sum(Payment.amount_minor - Payment.refunded_minor).label("collected"),
            sa.func.max(Payment.received_at).label("last_payment_at"),
        ).group_by(Payment.agent_id),
        Payment.agent_id,
    ).subquery()
    commissions = only(
        sa.select(
            Commission.agent_id,
            _sum_when(Commission.status == "credited", Commission.amount_minor).label("earned"),
            _sum_when(Commission.status.in_(PENDING_COMMISSION_STATUSES), Commission.amount_minor).label("pending"),
        ).group_by(Commission.agent_id),
        Commission.agent_id,
    ).subquery()
    ledger = only(
        sa.select(
            Wallet.agent_id,
            Wallet.currency,
            sa.func.sum(WalletTransaction.available_delta_minor).label("available"),
            sa.func.sum(WalletTransaction.held_delta_minor).label("held"),
        )
        .join(WalletTransaction, WalletTransaction.wallet_id == Wallet.id)
        .group_by(Wallet.agent_id, Wallet.currency),
        Wallet.agent_id,
    ).subquery()
    zero = sa.literal(0)
    figures = (invoices.c.invoiced, payments.c.collected, invoices.c.outstanding, commissions.c.earned,
               commissions.c.pending, ledger.c.available, ledger.c.held)  # fmt: skip
    query = (
        sa.select(
            Agent.id.label("agent_id"),
            Agent.currency.label("currency"),
            *(sa.func.coalesce(value, zero).label(name) for name, value in zip(FIGURES, figures, strict=True)),
            payments.c.last_payment_at.label("last_payment_at"),
        )
        .outerjoin(invoices, invoices.c.agent_id == Agent.id)
        .outerjoin(payments, payments.c.agent_id == Agent.id)
        .outerjoin(commissions, commissions.c.agent_id == Agent.id)
        .outerjoin(ledger, sa.and_(ledger.c.agent_id == Agent.id, ledger.c.currency == Agent.currency))
    )
    return only(query, Agent.id).subquery("live_summary")


class LiveSummaryReadRepository:
    """The figures computed live from the source rows: the read model's transitional adapter and its check."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self, agent_ids: Iterable[int] | None = None) -> dict[int, FinancialSummary]:
        source = live_summaries(None if agent_ids is None else list(agent_ids))
        query = sa.select(source).order_by(source.c.agent_id)
        return {row.agent_id: _summary(row) for row in self.session.execute(query)}

    def for_agent(self, agent_id: int, currency: str) -> FinancialSummary:
        return self.all([agent_id]).get(agent_id) or FinancialSummary.empty(agent_id, currency)


def _summary(row) -> FinancialSummary:
    return FinancialSummary(
        agent_id=row.agent_id, currency=row.currency, last_payment_at=row.last_payment_at,
        **{name: int(getattr(row, name)) for name in FIGURES},
    )  # fmt: skip
