"""Commissions and clawbacks inside a unit of work."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Commission


class CommissionRepository:
    """Adds commissions and finds those waiting for approval; never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, commission: Commission) -> Commission:
        self.session.add(commission)
        return commission

    def get(self, commission_id: int) -> Commission | None:
        return self.session.get(Commission, commission_id)

    def for_payment(self, payment_id: int) -> list[Commission]:
        return list(
            self.session.scalars(
                sa.select(Commission).where(Commission.payment_id == payment_id).order_by(Commission.id)
            )
        )

    def pending_created_before(self, cutoff: datetime, limit: int = 500) -> list[Commission]:
        return list(
            self.session.scalars(
                sa.select(Commission)
                .where(Commission.status == "pending", Commission.created_at <= cutoff)
                .order_by(Commission.created_at, Commission.id)
                .limit(limit)
            )
        )
