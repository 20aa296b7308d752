"""Payout requests inside a unit of work."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Payout


class PayoutRepository:
    """Adds and finds payouts; never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, payout: Payout) -> Payout:
        self.session.add(payout)
        return payout

    def get(self, payout_id: int) -> Payout | None:
        return self.session.get(Payout, payout_id)

    def by_idempotency_key(self, key: str) -> Payout | None:
        return self.session.scalar(sa.select(Payout).where(Payout.idempotency_key == key))
