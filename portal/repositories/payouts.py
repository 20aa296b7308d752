"""Payout requests inside a unit of work."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.models import Payout
from portal.repositories.base import Repository


class PayoutRepository(Repository[Payout]):
    """Adds and finds payouts; never commits."""

    model = Payout
    noun = "payout"

    def last_alike(self, agent_id: int, amount_minor: int, since: datetime) -> datetime | None:
        """When the agent last asked for a payout of this amount, if since ``since``."""
        return self.session.scalar(
            sa.select(sa.func.max(Payout.requested_at)).where(
                Payout.agent_id == agent_id, Payout.amount_minor == amount_minor, Payout.requested_at >= since
            )
        )
