"""Payout requests inside a unit of work."""

from __future__ import annotations

from portal.models import Payout
from portal.repositories.base import Repository


class PayoutRepository(Repository[Payout]):
    """Adds and finds payouts; never commits."""

    model = Payout
    noun = "payout"
