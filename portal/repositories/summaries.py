"""The per-agent financial summary, moved by deltas inside the writing unit of work."""

from __future__ import annotations

import functools
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import AgentFinancialSummary
from portal.models.base import utcnow

SUMMARY_FIGURES = (
    "invoiced_minor",
    "collected_minor",
    "outstanding_minor",
    "commissions_earned_minor",
    "commissions_pending_minor",
    "wallet_available_minor",
    "wallet_held_minor",
)


@functools.cache
def _increment_statement(figures: frozenset[str], moves_last_payment: bool) -> sa.Update:
    """``UPDATE … SET x = x + :d_x …`` for one set of figures, built once and reused."""
    table = AgentFinancialSummary.__table__
    values = {name: table.c[name] + sa.bindparam(f"d_{name}") for name in sorted(figures)}
    if moves_last_payment:
        moment = sa.bindparam("moment", type_=table.c.last_payment_at.type)
        values["last_payment_at"] = sa.case(
            (sa.or_(table.c.last_payment_at.is_(None), table.c.last_payment_at < moment), moment),
            else_=table.c.last_payment_at,
        )
    values["updated_at"] = sa.bindparam("now", type_=table.c.updated_at.type)
    return sa.update(table).where(table.c.agent_id == sa.bindparam("agent")).values(values)


class SummaryRepository:
    """Moves the read model by deltas, in the writing transaction; never commits.

    Increments are applied by the database (``x = x + d``), so concurrent
    commands on one agent never overwrite each other's figures.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def open(self, agent_id: int, currency: str) -> None:
        """The zeroed summary of a new agent."""
        self.session.add(AgentFinancialSummary(agent_id=agent_id, currency=currency))

    def apply(self, agent_id: int, currency: str, last_payment_at: datetime | None = None, **deltas: int) -> None:
        unknown = set(deltas) - set(SUMMARY_FIGURES)
        if unknown:
            raise ValueError(f"not summary figures: {sorted(unknown)}")
        figures = {name: delta for name, delta in deltas.items() if delta}
        if not figures and last_payment_at is None:
            return
        statement = _increment_statement(frozenset(figures), last_payment_at is not None)
        updated = self.session.connection().execute(
            statement,
            {
                "agent": agent_id,
                "moment": last_payment_at,
                "now": utcnow(),
                **{f"d_{k}": v for k, v in figures.items()},
            },
        )
        if updated.rowcount == 0:
            self.session.execute(
                sa.insert(AgentFinancialSummary.__table__).values(
                    agent_id=agent_id,
                    currency=currency,
                    last_payment_at=last_payment_at,
                    **{name: deltas.get(name, 0) for name in SUMMARY_FIGURES},
                )
            )
