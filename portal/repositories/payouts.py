"""Payout requests: changed inside a unit of work, read as plain values for pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, Payout
from portal.models.wallet import PAYOUT_STATUSES
from portal.repositories.base import Repository
from portal.repositories.pages import Page, PageRequest, paginate


class PayoutRepository(Repository[Payout]):
    """Adds and finds payouts; never commits."""

    model = Payout
    noun = "payout"


@dataclass(frozen=True)
class PayoutRow:
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


class PayoutReadRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_id(self, payout_id: int) -> PayoutRow | None:
        row = self.session.execute(self._select().where(Payout.id == payout_id)).mappings().first()
        return PayoutRow(**row) if row else None

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

    def page(self, request: PageRequest, status: str = "", agent_id: int | None = None) -> Page[PayoutRow]:
        query = self._select()
        if status in PAYOUT_STATUSES:
            query = query.where(Payout.status == status)
        if agent_id:
            query = query.where(Payout.agent_id == agent_id)
        order = (Payout.requested_at, Payout.id) if status == "requested" else (Payout.id.desc(),)
        return paginate(self.session, query.order_by(*order), request, lambda row: PayoutRow(**row))
