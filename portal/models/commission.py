"""Agents' shares of payments, and clawbacks when payments are refunded."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain import errors
from portal.domain.money import apply_rate_half_up, prorate_half_up
from portal.models.base import Base, Money, UTCDateTime, currency_check, one_of, utcnow


class CommissionKind(StrEnum):
    COMMISSION = "commission"
    CLAWBACK = "clawback"

    @property
    def approvable(self) -> bool:
        """Commissions are approved; clawbacks are applied with the commission they reduce."""
        return self is CommissionKind.COMMISSION


class CommissionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    CREDITED = "credited"

    @property
    def awaiting_credit(self) -> bool:
        """Earned but not in the wallet yet."""
        return self in (CommissionStatus.PENDING, CommissionStatus.APPROVED)

    @property
    def approvable(self) -> bool:
        """Waiting for approval: neither approved nor credited yet."""
        return self is CommissionStatus.PENDING


COMMISSION_KINDS = tuple(CommissionKind)
COMMISSION_STATUSES = tuple(CommissionStatus)


class Commission(Base):
    """The agent's share of one payment, or (negative) of one refund.

    A refund never edits the original commission: it adds a clawback row.
    """

    __tablename__ = "commission"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint(one_of("kind", COMMISSION_KINDS), name="kind_known"),
        sa.CheckConstraint(one_of("status", COMMISSION_STATUSES), name="status_known"),
        sa.CheckConstraint(
            "(kind = 'commission' AND amount_minor >= 0 AND refund_id IS NULL)"
            " OR (kind = 'clawback' AND amount_minor <= 0 AND refund_id IS NOT NULL)",
            name="sign_matches_kind",
        ),
        sa.CheckConstraint("rate_bps >= 0 AND rate_bps <= 10000", name="rate_in_range"),
        sa.CheckConstraint("base_amount_minor > 0", name="base_positive"),
        sa.UniqueConstraint("payment_id", "refund_id", "kind"),
        currency_check(),
        sa.Index("ix_commission_agent_status", "agent_id", "status"),
        sa.Index("ix_commission_status_created_at", "status", "created_at"),
        # The overview's commissions per day, from the index alone.
        sa.Index("ix_commission_created_at_totals", "created_at", postgresql_include=["currency", "amount_minor"]),
        sa.Index("ix_commission_status_id", "status", "id"),
        sa.Index("ix_commission_agent_id_id", "agent_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agent.id"))
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payment.id"), index=True)
    refund_id: Mapped[int | None] = mapped_column(sa.ForeignKey("refund.id"))
    kind: Mapped[str] = mapped_column(sa.String(16), default="commission")
    rate_bps: Mapped[int] = mapped_column(sa.Integer)
    base_amount_minor: Mapped[int] = mapped_column(Money)
    amount_minor: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(sa.String(120))
    credited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    @classmethod
    def on_payment(
        cls, *, agent_id: int, payment_id: int, amount_minor: int, currency: str, rate_bps: int, now: datetime
    ) -> Commission:
        """The agent's share of a payment, rounded half-up, pending until approved."""
        return cls(
            agent_id=agent_id, payment_id=payment_id, refund_id=None, kind=CommissionKind.COMMISSION, rate_bps=rate_bps,
            base_amount_minor=amount_minor, amount_minor=apply_rate_half_up(amount_minor, rate_bps), currency=currency,
            status=CommissionStatus.PENDING, created_at=now, approved_at=None, approved_by=None, credited_at=None,
        )  # fmt: skip

    def owed_back(self, refunded_minor: int, paid_minor: int, clawed_so_far_minor: int) -> int:
        """How much of this commission a refund takes back now (a negative amount, or 0).

        Computed on the cumulative refund, so the clawbacks of several partial
        refunds add up exactly to the commission once the payment is fully refunded.
        """
        return -prorate_half_up(self.amount_minor, refunded_minor, paid_minor) - clawed_so_far_minor

    def clawback(
        self, *, refund_id: int, refund_minor: int, amount_minor: int, actor: str, now: datetime
    ) -> Commission:
        """The clawback of this commission for one refund; credited at once if the commission was."""
        credited = self.status == CommissionStatus.CREDITED
        return Commission(
            agent_id=self.agent_id, payment_id=self.payment_id, refund_id=refund_id, kind=CommissionKind.CLAWBACK,
            rate_bps=self.rate_bps, base_amount_minor=refund_minor, amount_minor=amount_minor, currency=self.currency,
            status=CommissionStatus.CREDITED if credited else CommissionStatus.PENDING, created_at=now,
            approved_at=now if credited else None, approved_by=actor if credited else None,
            credited_at=now if credited else None,
        )  # fmt: skip

    def check_approvable(self) -> None:
        if not CommissionKind(self.kind).approvable:
            raise errors.CommissionNotApprovable("Clawbacks are applied together with the commission they reduce.")
        if not CommissionStatus(self.status).approvable:
            raise errors.CommissionNotApprovable(f"Commission #{self.id} is already {self.status}.")

    def credit(self, actor: str, now: datetime) -> None:
        """Approved and credited to the wallet in one step."""
        self.status = CommissionStatus.CREDITED
        self.approved_at = self.credited_at = now
        self.approved_by = actor
