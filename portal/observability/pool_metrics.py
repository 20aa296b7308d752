"""Connections checked out of the database pool, as a gauge summed over the workers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.observability.metrics import DB_POOL_IN_USE


def measure_pool(engine: Engine) -> None:
    """Count each checkout until its checkin."""

    @event.listens_for(engine, "checkout")
    def _out(*_: Any) -> None:
        DB_POOL_IN_USE.inc()

    @event.listens_for(engine, "checkin")
    def _in(*_: Any) -> None:
        DB_POOL_IN_USE.dec()
