"""The per-agent financial summary (the read model row) as a plain value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from portal.models import AgentFinancialSummary


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
