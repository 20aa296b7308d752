"""Payout requests as the payout queue, an agent's tab and the portal list them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, Payout
from portal.models.wallet import PayoutStatus
from portal.read.pages import Key, Page, PageRequest, paginate


@dataclass(frozen=True)
class PayoutRow:
    """A payout request, its agent and how it was decided."""

    id: int
    agent_id: int
    agent_name: str
    amount_minor: int
    currency: str
    status: str
    requested_at: datetime
    requested_by: str
    decided_at: datetime | None
    decided_by: str | None
    rejection_reason: str | None
    paid_at: datetime | None

    @property
    def decidable(self) -> bool:
        """Staff can approve or reject it."""
        return PayoutStatus(self.status).decidable

    @property
    def cancellable(self) -> bool:
        """Its agent can still take the request back."""
        return PayoutStatus(self.status).decidable

    @property
    def awaiting_transfer(self) -> bool:
        """Approved; staff mark it paid once the transfer went out."""
        return PayoutStatus(self.status).awaiting_transfer


class PayoutReadRepository:
    """Payouts, one at a time or a page at once."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _select(self):
        return sa.select(
            Payout.id,
            Payout.agent_id,
            Agent.name.label("agent_name"),
            Payout.amount_minor,
            Payout.currency,
            Payout.status,
            Payout.requested_at,
            Payout.requested_by,
            Payout.decided_at,
            Payout.decided_by,
            Payout.rejection_reason,
            Payout.paid_at,
        ).join(Agent, Agent.id == Payout.agent_id)

    def by_id(self, payout_id: int) -> PayoutRow | None:
        """One payout, or None."""
        row = self.session.execute(self._select().where(Payout.id == payout_id)).mappings().first()
        return PayoutRow(**row) if row else None

    def page(
        self, request: PageRequest, status: PayoutStatus | None = None, agent_id: int | None = None
    ) -> Page[PayoutRow]:
        """Newest first; requested ones oldest first, the order they wait in."""
        query = self._select()
        if status is not None:
            query = query.where(Payout.status == status)
        if agent_id is not None:
            query = query.where(Payout.agent_id == agent_id)
        waiting = status == PayoutStatus.REQUESTED
        order = [Key(Payout.requested_at), Key(Payout.id)] if waiting else [Key(Payout.id, descending=True)]
        return paginate(self.session, query, order, request, lambda row: PayoutRow(**row))
