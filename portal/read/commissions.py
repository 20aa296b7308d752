"""Commissions and clawbacks as the dashboard lists them, and an agent's credited commission per day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, Commission, Invoice, Payment
from portal.models.base import utcnow
from portal.models.commission import CommissionKind, CommissionStatus
from portal.read.pages import Key, Page, PageRequest, paginate
from portal.read.sql import utc_day


@dataclass(frozen=True)
class CommissionRow:
    """A commission (or clawback) with its agent and the invoice it was earned on."""

    id: int
    agent_id: int
    agent_name: str
    payment_id: int
    invoice_id: int
    invoice_number: str
    kind: str
    rate_bps: int
    base_amount_minor: int
    amount_minor: int
    currency: str
    status: str
    created_at: datetime
    credited_at: datetime | None

    @property
    def approvable(self) -> bool:
        """Staff can approve it now: a commission, not a clawback, still pending."""
        return CommissionKind(self.kind).approvable and CommissionStatus(self.status).approvable


class CommissionReadRepository:
    """Pages of commissions, and the portal's commission chart."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def page(
        self,
        request: PageRequest,
        status: CommissionStatus | None = None,
        agent_id: int | None = None,
        kind: CommissionKind | None = None,
    ) -> Page[CommissionRow]:
        """Newest first; pending ones oldest first, the order they wait in."""
        query = (
            sa.select(
                Commission.id,
                Commission.agent_id,
                Agent.name.label("agent_name"),
                Commission.payment_id,
                Payment.invoice_id,
                Invoice.number.label("invoice_number"),
                Commission.kind,
                Commission.rate_bps,
                Commission.base_amount_minor,
                Commission.amount_minor,
                Commission.currency,
                Commission.status,
                Commission.created_at,
                Commission.credited_at,
            )
            .join(Agent, Agent.id == Commission.agent_id)
            .join(Payment, Payment.id == Commission.payment_id)
            .join(Invoice, Invoice.id == Payment.invoice_id)
        )
        conditions = []
        if status is not None:
            conditions.append(Commission.status == status)
        if kind is not None:
            conditions.append(Commission.kind == kind)
        if agent_id is not None:
            conditions.append(Commission.agent_id == agent_id)
        query = query.where(*conditions)
        # Counted on the commissions alone: the joins to their payment, invoice and agent add no rows.
        count = sa.select(Commission.id).where(*conditions)
        pending = status == CommissionStatus.PENDING
        order = [Key(Commission.created_at), Key(Commission.id)] if pending else [Key(Commission.id, descending=True)]
        return paginate(self.session, query, order, request, lambda row: CommissionRow(**row), count)

    def credited_by_day(self, agent_id: int, days: int) -> dict[date, int]:
        """Commission credited per day over the last ``days`` days (net of clawbacks), for the portal's chart."""
        day = utc_day(Commission.credited_at)
        rows = self.session.execute(
            sa.select(day, sa.func.sum(Commission.amount_minor))
            .where(
                Commission.agent_id == agent_id,
                Commission.status == CommissionStatus.CREDITED,
                Commission.credited_at >= utcnow() - timedelta(days=days),
            )
            .group_by(day)
        )
        return {date.fromisoformat(str(text)[:10]): int(total) for text, total in rows}
