"""Commissions and clawbacks inside a unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, Commission, Invoice, Payment
from portal.models.base import utcnow
from portal.models.commission import CommissionKind, CommissionStatus
from portal.persistence.audit_events import column_values, insert_audited
from portal.repositories.base import Repository
from portal.repositories.overview import utc_day
from portal.repositories.pages import Page, PageRequest, paginate


class CommissionRepository(Repository[Commission]):
    """Adds commissions and finds those waiting for approval; never commits."""

    model = Commission
    noun = "commission"

    def insert(self, commission: Commission) -> int:
        """Store a new commission at once, audited, without a flush; returns its id."""
        return insert_audited(self.session, Commission, {**column_values(commission), "version": 1}).id

    def pending_clawbacks(self, payment_id: int) -> list[Commission]:
        """Clawbacks of a payment whose commission has not been credited yet."""
        return list(
            self.session.scalars(
                sa.select(Commission)
                .where(
                    Commission.payment_id == payment_id,
                    Commission.kind == CommissionKind.CLAWBACK,
                    Commission.status == CommissionStatus.PENDING,
                )
                .order_by(Commission.id)
            )
        )

    def original_for_payment(self, payment_id: int) -> Commission | None:
        return self.session.scalar(
            sa.select(Commission).where(
                Commission.payment_id == payment_id, Commission.kind == CommissionKind.COMMISSION
            )
        )

    def clawed_back_total(self, payment_id: int) -> int:
        """How much has been clawed back on the payment so far (a negative number or 0)."""
        # PostgreSQL sums BIGINT as NUMERIC; money stays an int.
        return int(
            self.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(Commission.amount_minor), 0)).where(
                    Commission.payment_id == payment_id, Commission.kind == CommissionKind.CLAWBACK
                )
            )
            or 0
        )

    def due_for_approval(self, cutoff: datetime, limit: int = 500) -> list[int]:
        """Ids of commissions (not clawbacks) pending since before ``cutoff``, oldest first."""
        return list(
            self.session.scalars(
                sa.select(Commission.id)
                .where(
                    Commission.status == CommissionStatus.PENDING,
                    Commission.kind == CommissionKind.COMMISSION,
                    Commission.created_at <= cutoff,
                )
                .order_by(Commission.created_at, Commission.id)
                .limit(limit)
            )
        )


@dataclass(frozen=True)
class CommissionRow:
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


class CommissionReadRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def page(
        self, request: PageRequest, status: str = "", agent_id: int | None = None, kind: str = ""
    ) -> Page[CommissionRow]:
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
        if status:
            query = query.where(Commission.status == status)
        if kind:
            query = query.where(Commission.kind == kind)
        if agent_id:
            query = query.where(Commission.agent_id == agent_id)
        order = (Commission.created_at, Commission.id) if status == "pending" else (Commission.id.desc(),)
        return paginate(self.session, query.order_by(*order), request, lambda row: CommissionRow(**row))

    def credited_by_day(self, agent_id: int, days: int) -> dict[date, int]:
        """Commission credited per day over the last ``days`` days (net of clawbacks), for the portal's chart."""
        day = utc_day(Commission.credited_at)
        rows = self.session.execute(
            sa.select(day, sa.func.sum(Commission.amount_minor))
            .where(
                Commission.agent_id == agent_id,
                Commission.status == "credited",
                Commission.credited_at >= utcnow() - timedelta(days=days),
            )
            .group_by(day)
        )
        return {date.fromisoformat(str(text)[:10]): int(total) for text, total in rows}
