"""The agent's commission on a payment, with what refunds clawed back of it, as every payment row shows it.

A refund never edits a commission: it adds a clawback row. A payment row reads both in the statement that lists
the payments (the commission by a join, the clawbacks by subqueries on ``commission.payment_id``), so a page of
payments costs the same number of queries however many refunds there were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.models import Commission
from portal.models.base import Money
from portal.models.commission import CommissionKind


@dataclass(frozen=True, kw_only=True)
class CommissionOnPayment:
    """The agent's commission on one payment, and what refunds took back of it."""

    #: None when the payment earned no commission row
    commission_minor: int | None
    commission_status: str | None
    #: what the clawbacks took back, as a positive amount (0 when nothing was refunded)
    clawed_back_minor: int
    clawbacks: int
    last_clawback_at: datetime | None

    @property
    def net_commission_minor(self) -> int | None:
        """The commission left once its clawbacks are taken off."""
        return None if self.commission_minor is None else self.commission_minor - self.clawed_back_minor


def with_commission_on_payment(query: sa.Select, payment_id: Any) -> sa.Select:
    """``query`` (a select of payments) with the ``CommissionOnPayment`` columns of the payment ``payment_id``."""
    original = aliased(Commission)
    clawback = aliased(Commission)
    of_this_payment = sa.and_(clawback.payment_id == payment_id, clawback.kind == CommissionKind.CLAWBACK)

    def clawbacks(column: Any) -> sa.ScalarSelect:
        return sa.select(column).where(of_this_payment).scalar_subquery()

    return query.outerjoin(
        original, sa.and_(original.payment_id == payment_id, original.kind == CommissionKind.COMMISSION)
    ).add_columns(
        original.amount_minor.label("commission_minor"),
        original.status.label("commission_status"),
        clawbacks(sa.cast(-sa.func.coalesce(sa.func.sum(clawback.amount_minor), 0), Money)).label("clawed_back_minor"),
        clawbacks(sa.func.count(clawback.id)).label("clawbacks"),
        clawbacks(sa.func.max(clawback.created_at)).label("last_clawback_at"),
    )
