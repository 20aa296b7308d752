"""Retrying a whole unit of work when a concurrent writer won a race."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.domain import errors

logger = logging.getLogger(__name__)

T = TypeVar("T")
# serialization failure, deadlock detected, lock not available
_RETRY_SQLSTATES = {"40001", "40P01", "55P03"}
UNIQUE_VIOLATION = "23505"
MAX_BACKOFF_SECONDS = 0.2


def is_unique_violation(error: IntegrityError) -> bool:
    """Another transaction took the same natural key (an idempotency key, an invoice number, a slug) first."""
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate == UNIQUE_VIOLATION
    return "UNIQUE constraint failed" in str(error.orig)


def is_retryable(error: Exception) -> bool:
    """A lost race: trying the whole unit of work again may succeed.

    A changed version column, a unique key another transaction took first, a
    deadlock or serialization failure on PostgreSQL, a busy SQLite database.
    A CHECK or foreign-key violation is not a race but a bug: it is not retried.
    """
    if isinstance(error, StaleDataError):
        return True
    if isinstance(error, IntegrityError):
        return is_unique_violation(error)
    if isinstance(error, DBAPIError):
        sqlstate = getattr(error.orig, "sqlstate", None)
        return sqlstate in _RETRY_SQLSTATES or "database is locked" in str(error.orig)
    return False


def backoff(attempt: int) -> float:
    """Full jitter, growing with the attempt, capped."""
    return random.uniform(0, min(MAX_BACKOFF_SECONDS, 0.005 * 2**attempt))


def retry_lost_races(
    work: Callable[[], T],
    *,
    name: str,
    max_attempts: int = 10,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[Exception], None] | None = None,
) -> T:
    """Run ``work`` (one whole unit of work) again after a lost race, up to ``max_attempts`` times.

    Domain refusals and unexpected errors pass through at once; races that
    keep being lost end in ConcurrencyConflict. ``on_retry`` hears of each lost race that is tried again.
    """
    for attempt in range(1, max_attempts + 1):
        try:
            return work()
        except errors.DomainError:
            raise
        except Exception as error:
            if not is_retryable(error):
                raise
            if attempt == max_attempts:
                logger.warning(
                    "command gave up after retries",
                    extra={"command": name, "attempts": attempt, "error": type(error).__name__},
                )
                raise errors.ConcurrencyConflict(
                    "This changed at the same time as another request. Reload and try again."
                ) from error
            logger.info("command retried", extra={"command": name, "attempt": attempt, "error": type(error).__name__})
            if on_retry is not None:
                on_retry(error)
            sleep(backoff(attempt))
    raise AssertionError("unreachable")
