"""Commissions and clawbacks inside a unit of work."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.models import Commission
from portal.models.commission import CommissionKind, CommissionStatus
from portal.persistence.audit_events import column_values, insert_audited
from portal.repositories.base import Repository


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
